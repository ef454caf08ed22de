"""The order-operations flows as registered workflows (Medusa's workflow ids), so every admin change is an
execution in `workflow_execution` (visible at `/admin/workflows-executions`) with its input and outcome.

Each workflow is one step running one flow: the flow is a single PostgreSQL transaction that also stages its
events, so a failure leaves nothing to compensate and the step is never retried (a capture must not run twice).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from euryale.flows.order import export, fulfillment, payments, returns, status, transfer
from euryale.workflows import StepContext, StepResponse, step, workflow

Flow = Callable[..., Awaitable[Any]]

FLOWS: dict[str, Flow] = {
    "create-order-fulfillment": fulfillment.create_order_fulfillment,
    "create-order-shipment": fulfillment.create_order_shipment,
    "mark-order-fulfillment-as-delivered-workflow": fulfillment.mark_fulfillment_delivered,
    "cancel-order-fulfillment": fulfillment.cancel_order_fulfillment,
    "capture-payment-workflow": payments.capture,
    "refund-payment-workflow": payments.refund,
    "mark-payment-collection-as-paid": payments.mark_collection_paid,
    "create-payment-collection-for-order": payments.create_order_collection,
    "delete-payment-collections": payments.delete_collection,
    "create-payment-session": payments.create_collection_session,
    "update-order-workflow": status.update_order,
    "cancel-order": status.cancel_order,
    "archive-order-workflow": status.archive_order,
    "complete-orders": status.complete_order,
    "create-order-credit-lines": status.create_credit_line,
    "begin-return-order": returns.begin_return,
    "request-item-return": returns.request_items,
    "confirm-return-request": returns.confirm_request,
    "begin-receive-return": returns.begin_receive,
    "receive-item-return-request": returns.receive_items,
    "confirm-return-receive": returns.confirm_receive,
    "cancel-return": returns.cancel_return,
    "update-request-item-return": returns.update_request_item,
    "remove-item-return-action": returns.remove_request_item,
    "update-receive-item-return-request": returns.update_receive_item,
    "remove-item-receive-return-action": returns.remove_receive_item,
    "cancel-return-request": returns.cancel_request,
    "cancel-return-receive": returns.cancel_receive,
    "create-return-shipping-method": returns.add_return_shipping,
    "update-return-shipping-method": returns.update_return_shipping,
    "remove-return-shipping-method": returns.remove_request_item,
    "update-return": returns.update_return,
    "request-order-transfer-workflow": transfer.request_transfer,
    "cancel-transfer-order-request": transfer.cancel_transfer,
    "accept-order-transfer-workflow": transfer.accept_transfer,
    "export-orders": export.export_orders,
}

_DECIMAL = "$decimal"
EXPORT = "export-orders"


def encode(value: Any) -> Any:
    """Workflow input as JSON: Decimals keep their exact value."""
    if isinstance(value, Decimal):
        return {_DECIMAL: str(value)}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_DECIMAL}:
            return Decimal(value[_DECIMAL])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _define(workflow_id: str, flow: Flow) -> None:
    if workflow_id == EXPORT:
        @step(f"{workflow_id}-step")
        async def run_export(ctx: StepContext, input: Any) -> StepResponse:
            return StepResponse(await flow(ctx.container.database(), container=ctx.container, **decode(input)))

        workflow(workflow_id, steps=[run_export])
        return

    @step(f"{workflow_id}-step")
    async def run_flow(ctx: StepContext, input: Any) -> StepResponse:
        return StepResponse(await flow(ctx.container.database(), **decode(input)))

    workflow(workflow_id, steps=[run_flow])


for _id, _flow in FLOWS.items():
    _define(_id, _flow)


async def run(container: Any, workflow_id: str, **kwargs: Any) -> Any:
    """Run an order-operations workflow; its business error (MedusaError) propagates unchanged."""
    result = await container.resolve("workflows").run(workflow_id, input=encode(kwargs))
    return result.result


async def run_with_id(container: Any, workflow_id: str, **kwargs: Any) -> tuple[str, Any]:
    """Like `run`, also answering the execution's transaction id (for 202 `{transaction_id}` answers)."""
    result = await container.resolve("workflows").run(workflow_id, input=encode(kwargs))
    return str(result.transaction_id), result.result
