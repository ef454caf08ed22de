"""Claims, exchanges and order edits as registered workflows (Medusa's workflow ids), like
`euryale.flows.order.workflows` does for the other order operations: each is one step running one flow, the flow
being a single transaction that stages its own events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from euryale.flows.order import claims, draft_orders, exchanges, order_edits
from euryale.flows.order.workflows import decode, encode
from euryale.workflows import StepContext, StepResponse, step, workflow

Flow = Callable[..., Awaitable[Any]]

FLOWS: dict[str, Flow] = {
    "begin-exchange-order": exchanges.begin_exchange,
    "exchange-request-item-return": exchanges.add_inbound_items,
    "update-exchange-request-item-return": exchanges.update_inbound_item,
    "remove-exchange-request-item-return": exchanges.remove_inbound_item,
    "exchange-add-new-item": exchanges.add_outbound_items,
    "update-exchange-add-item": exchanges.update_outbound_item,
    "remove-item-exchange-action": exchanges.remove_outbound_item,
    "create-exchange-shipping-method": exchanges.add_shipping,
    "create-exchange-return-shipping-method": exchanges.add_shipping,
    "update-exchange-shipping-method": exchanges.update_shipping,
    "remove-exchange-shipping-method": exchanges.remove_shipping,
    "confirm-exchange-request": exchanges.confirm_request,
    "cancel-begin-exchange": exchanges.cancel_request,
    "cancel-exchange": exchanges.cancel_exchange,
    "begin-claim-order": claims.begin_claim,
    "order-claim-item": claims.add_claim_items,
    "update-order-claim-item": claims.update_claim_item,
    "remove-order-claim-item": claims.remove_claim_item,
    "order-claim-request-item-return": claims.add_inbound_items,
    "update-claim-request-item-return": claims.update_inbound_item,
    "remove-claim-request-item-return": claims.remove_inbound_item,
    "order-claim-add-new-item": claims.add_outbound_items,
    "update-claim-add-item": claims.update_outbound_item,
    "remove-item-claim-action": claims.remove_outbound_item,
    "create-claim-shipping-method": claims.add_shipping,
    "update-claim-shipping-method": claims.update_shipping,
    "remove-claim-shipping-method": claims.remove_shipping,
    "confirm-claim-request": claims.confirm_request,
    "cancel-begin-order-claim": claims.cancel_request,
    "cancel-claim": claims.cancel_claim,
    "begin-order-edit-order": order_edits.begin_edit,
    "order-edit-add-new-item": order_edits.add_items,
    "order-edit-update-item-quantity": order_edits.update_item_quantity,
    "update-order-edit-add-item": order_edits.update_action,
    "remove-item-order-edit-action": order_edits.remove_action,
    "create-order-edit-shipping-method": order_edits.add_shipping,
    "update-order-edit-shipping-method": order_edits.update_shipping,
    "remove-order-edit-shipping-method": order_edits.remove_shipping,
    "request-order-edit-request": order_edits.request_edit,
    "confirm-order-edit-request": order_edits.confirm_edit,
    "cancel-begin-order-edit": order_edits.cancel_edit,
    "create-draft-order": draft_orders.create_draft_order,
    "update-draft-order": draft_orders.update_draft_order,
    "delete-draft-order": draft_orders.delete_draft_order,
    "convert-draft-order": draft_orders.convert_to_order,
    "begin-draft-order-edit": draft_orders.begin_edit,
    "add-draft-order-items": order_edits.add_items,
    "update-draft-order-item": order_edits.update_item_quantity,
    "update-draft-order-action-item": order_edits.update_action,
    "remove-draft-order-action-item": order_edits.remove_action,
    "add-draft-order-shipping-methods": order_edits.add_shipping,
    "update-draft-order-action-shipping-method": order_edits.update_shipping,
    "remove-draft-order-action-shipping-method": order_edits.remove_shipping,
    "update-draft-order-shipping-method": draft_orders.update_shipping_method,
    "remove-draft-order-shipping-method": draft_orders.remove_shipping_method,
    "add-draft-order-promotions": draft_orders.add_promotions,
    "remove-draft-order-promotions": draft_orders.remove_promotions,
    "request-draft-order-edit": order_edits.request_edit,
    "confirm-draft-order-edit": draft_orders.confirm_edit,
    "cancel-draft-order-edit": order_edits.cancel_edit,
}


def _define(workflow_id: str, flow: Flow) -> None:
    @step(f"{workflow_id}-step")
    async def run_flow(ctx: StepContext, input: Any) -> StepResponse:
        return StepResponse(await flow(ctx.container.database(), **decode(input)))

    workflow(workflow_id, steps=[run_flow])


for _id, _flow in FLOWS.items():
    _define(_id, _flow)


async def run(container: Any, workflow_id: str, **kwargs: Any) -> Any:
    """Run one of these workflows; its business error (MedusaError) propagates unchanged."""
    result = await container.resolve("workflows").run(workflow_id, input=encode(kwargs))
    return result.result
