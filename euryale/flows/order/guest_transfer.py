"""`transfer-order-to-guest-workflow` (Medusa 2.18+): an admin moves an order to the guest customer of an email at
once (found, or created), recorded as a confirmed `transfer` change - unlike a transfer request, nobody accepts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data, not_allowed
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows._workflow import transaction_workflow
from euryale.modules.customer import service as customers
from euryale.modules.customer.models import customer
from euryale.modules.order import lifecycle as orders

TRANSFER = "transfer"


async def _guest_for(conn: AsyncConnection, email: str) -> tuple[dict[str, object], bool]:
    """Medusa's findOrCreateCustomerStep: the email's customer (the registered one when there are several),
    else a new guest; the flag says whether it was created now."""
    rows = [dict(r) for r in (await conn.execute(
        select(customer).where(customer.c.email == email, customer.c.deleted_at.is_(None))
        .order_by(customer.c.created_at))).mappings()]
    if rows:
        return next((r for r in rows if r["has_account"]), rows[0]), False
    return await customers.find_or_create_guest_customer(conn, email=email)


@transaction_workflow("transfer-order-to-guest-workflow")
async def transfer_order_to_guest(conn: AsyncConnection, *, order_id: str, email: str, logged_in_user: str | None,
                                  description: str | None = None, internal_note: str | None = None) -> int:
    """Apply the transfer; answers the order's new version."""
    order = await orders.get_order(conn, order_id=order_id, for_update=True)
    guest, created = await _guest_for(conn, email)
    orders.ensure_not_canceled(order)
    if order["customer_id"] == guest["id"]:
        raise invalid_data(f"Order: {order_id} already belongs to customer: {guest['id']}")
    if guest["has_account"]:
        raise invalid_data(f"Cannot transfer order: {order_id} to registered customer account: {guest['email']}. "
                           "Only guest customers are allowed.")
    if await orders.pending_change(conn, order_id=order_id, return_id=None, change_type=TRANSFER):
        raise not_allowed(f"Order {order_id} already has an existing active order change")
    change = await orders.open_change(conn, order_id=order_id, change_type=TRANSFER, return_id=None,
                                      created_by=logged_in_user, description=description,
                                      internal_note=internal_note)
    await orders.add_change_actions(conn, change=change, actions=[{
        "action": "TRANSFER_CUSTOMER", "reference": "customer", "reference_id": guest["id"],
        "details": {"original_email": order["email"], "new_email": guest["email"]}}])
    await orders.update_order(conn, order_id=order_id, values={"customer_id": guest["id"],
                                                               "email": guest["email"]})
    version = await orders.confirm_change(conn, change_id=str(change["id"]), confirmed_by=logged_in_user)
    if created:  # the workflow itself emits nothing (as Medusa's); a new guest is a new customer
        await stage_events(conn, [Event("customer.created", {"id": guest["id"]})])
    return version
