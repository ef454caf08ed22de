"""Order transfer to another customer: the admin (or the customer) requests it, the new owner accepts it with the
token the request carries; until then it is a pending `transfer` change that can be canceled."""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import Database
from euryale.errors import invalid_data, not_allowed
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.modules.customer import service as customers
from euryale.modules.order import lifecycle as orders

TRANSFER = "transfer"


async def request_transfer(db: Database, *, order_id: str, customer_id: str, description: str | None,
                           internal_note: str | None, requested_by: str | None) -> str:
    """Ask for the order to move to a registered customer; returns the pending change id."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        customer = await customers.retrieve_customer(conn, customer_id=customer_id)
        if not customer["has_account"]:
            raise invalid_data(f"Cannot transfer order: {order_id} to a guest customer account: {customer_id}")
        if order["customer_id"] == customer_id:
            raise invalid_data(f"Order: {order_id} already belongs to customer: {customer_id}")
        if await orders.pending_change(conn, order_id=order_id, return_id=None, change_type=TRANSFER):
            raise not_allowed(f"Order {order_id} already has a pending transfer request")
        change = await orders.open_change(conn, order_id=order_id, change_type=TRANSFER, return_id=None,
                                          created_by=requested_by, description=description,
                                          internal_note=internal_note)
        await orders.add_change_actions(conn, change=change, actions=[{
            "action": "TRANSFER_CUSTOMER", "reference": "customer", "reference_id": customer_id,
            "details": {"token": secrets.token_urlsafe(24), "original_email": order["email"]}}])
        await stage_events(conn, Event("order.transfer_requested", {"id": order_id,
                                                                   "order_change_id": change["id"]}))
        return str(change["id"])


async def _pending(conn: AsyncConnection, order_id: str) -> dict[str, object]:
    change = await orders.pending_change(conn, order_id=order_id, return_id=None, change_type=TRANSFER)
    if change is None:
        raise not_allowed(f"Order {order_id} has no pending transfer request")
    return change


async def cancel_transfer(db: Database, *, order_id: str, canceled_by: str | None) -> None:
    """Withdraw a pending transfer request."""
    async with db.transaction() as conn:
        await orders.get_order(conn, order_id=order_id, for_update=True)
        change = await _pending(conn, order_id)
        await orders.cancel_change(conn, change_id=str(change["id"]), canceled_by=canceled_by)


async def accept_transfer(db: Database, *, order_id: str, token: str) -> None:
    """The new owner accepts with the request's token: the order (and its email) now belong to them."""
    async with db.transaction() as conn:
        await orders.get_order(conn, order_id=order_id, for_update=True)
        change = await _pending(conn, order_id)
        actions = await orders.change_actions(conn, change_id=str(change["id"]))
        action = next((a for a in actions if a["action"] == "TRANSFER_CUSTOMER"), None)
        if action is None or not secrets.compare_digest(str(action["details"].get("token")), token):
            raise invalid_data("Invalid token.")
        customer = await customers.retrieve_customer(conn, customer_id=str(action["reference_id"]))
        await orders.update_order(conn, order_id=order_id, values={"customer_id": customer["id"],
                                                                   "email": customer["email"]})
        await orders.confirm_change(conn, change_id=str(change["id"]), confirmed_by=customer["id"])
