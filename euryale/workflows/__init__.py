"""Workflow SDK and engine: steps with compensation, composed into idempotent, checkpointed executions.

```python
from euryale.workflows import StepResponse, step, workflow

@step("reserve-inventory")
async def reserve(ctx, input):
    ...
    return StepResponse(output, compensate_input)

@reserve.compensate
async def _(ctx, data): ...

complete_cart = workflow("complete-cart", steps=[validate, reserve, authorize])
await container.resolve("workflows").run("complete-cart", input={...}, transaction_id=cart_id)
```
See docs/workflows.md.
"""

from euryale.workflows.engine import StepContext, WorkflowEngine, WorkflowFailed, WorkflowResult
from euryale.workflows.sdk import (
    Hook,
    Parallel,
    PermanentFailure,
    Step,
    StepResponse,
    When,
    Workflow,
    get_workflow,
    hook,
    parallel,
    registered_workflows,
    step,
    when,
    workflow,
)

__all__ = [
    "Hook", "Parallel", "PermanentFailure", "Step", "StepContext", "StepResponse", "When", "Workflow",
    "WorkflowEngine", "WorkflowFailed", "WorkflowResult", "get_workflow", "hook", "parallel",
    "registered_workflows", "step", "when", "workflow",
]
