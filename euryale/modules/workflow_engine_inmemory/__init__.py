"""In-memory workflow engine (the default): claims and retries live in this process; executions are still
checkpointed in `workflow_execution`, so runs are idempotent by transaction id."""

from __future__ import annotations

from typing import Any

from euryale.workflows.engine import MemoryClaims, WorkflowEngine


def load(container: Any, options: dict[str, Any]) -> WorkflowEngine:
    return WorkflowEngine(container, MemoryClaims(), claim_ttl_ms=int(options.get("claim_ttl_ms", 30_000)),
                          checkpoint_steps=bool(options.get("checkpoint_steps", False)))
