"""Order-level transitions: update, cancel (releasing stock, refunding or voiding payments), archive, complete."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from euryale.db import Database
from euryale.errors import not_allowed
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.order.payments import record_refund
from euryale.links import service as links
from euryale.modules.fulfillment import service as fulfillments
from euryale.modules.inventory import service as inventory
from euryale.modules.order import lifecycle as orders
from euryale.modules.payment import operations
from euryale.modules.payment import service as payments


async def update_order(db: Database, *, order_id: str, data: Mapping[str, Any], updated_by: str | None) -> None:
    """Change email, addresses, metadata or locale; recorded in the change log and announced."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        values: dict[str, Any] = {k: data[k] for k in ("email", "metadata", "locale") if k in data}
        for kind in ("shipping_address", "billing_address"):
            if data.get(kind) is not None:
                values[f"{kind}_id"] = await orders.upsert_address(
                    conn, address_id=order[f"{kind}_id"], data=data[kind], customer_id=order["customer_id"])
        if values:
            await orders.update_order(conn, order_id=order_id, values=values)
        await orders.record_change(conn, order_id=order_id, change_type="update_order", created_by=updated_by,
                                   bump=False, actions=[{"action": "UPDATE_ORDER_PROPERTIES",
                                                         "details": {k: str(v) for k, v in data.items()}}])
        await stage_events(conn, Event("order.updated", {"id": order_id}))


async def cancel_order(db: Database, *, order_id: str, canceled_by: str | None,
                       no_notification: bool | None = None) -> None:
    """Cancel: refused while a fulfillment is active; releases reservations, refunds captures, voids the rest."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        ful_ids = (await links.linked(conn, "order_fulfillment", left_ids=[order_id])).get(order_id, [])
        fuls = await fulfillments.retrieve_fulfillments(conn, ids=ful_ids) if ful_ids else []
        if any(f["canceled_at"] is None for f in fuls):
            raise not_allowed("All fulfillments must be canceled before canceling an order")
        items = await orders.order_items(conn, order_ids=[order_id])
        await inventory.release_reservations(conn, line_item_ids=[i["id"] for i in items])
        pc_ids = (await links.linked(conn, "order_payment_collection", left_ids=[order_id])).get(order_id, [])
        refunded_now = orders.ZERO
        for pc in await operations.collections(conn, collection_ids=pc_ids):
            for p in pc["payments"]:
                captured = sum((orders.dec(c["amount"]) for c in p["captures"]), orders.ZERO)
                refunded = sum((orders.dec(r["amount"]) for r in p["refunds"]), orders.ZERO)
                if captured - refunded > 0:
                    after = await payments.refund_payment(conn, payment_id=p["id"], amount=captured - refunded,
                                                          note="Order canceled", created_by=canceled_by)
                    await record_refund(conn, payment=after, amount=captured - refunded, credit_excess=False)
                    refunded_now += captured - refunded
                elif p["canceled_at"] is None and captured == 0:
                    await payments.cancel_payment(conn, payment_id=p["id"])
            if orders.dec(pc["captured_amount"]) == 0:
                await operations.cancel_collection(conn, collection_id=pc["id"])
        if refunded_now > 0:
            # as Medusa's cancel-order (create-order-refund-credit-lines): what the cancellation refunded is
            # credited on the order, referencing its (first) payment collection
            await orders.add_credit_line(conn, order_id=order_id, amount=refunded_now, reference="payment_collection",
                                         reference_id=pc_ids[0], created_by=canceled_by)
        await orders.update_order(conn, order_id=order_id, values={"status": "canceled",
                                                                   "canceled_at": orders.now()})
        await orders.record_change(conn, order_id=order_id, change_type=None, created_by=canceled_by,
                                   actions=[{"action": "CANCEL", "reference": "order", "reference_id": order_id}])
        await orders.refresh_summary(conn, order_id=order_id)
        await stage_events(conn, Event("order.canceled", {"id": order_id, "no_notification": bool(no_notification)}))


async def archive_order(db: Database, *, order_id: str) -> None:
    """Archive an order (kept, out of the way)."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        if order["status"] == "archived":
            return
        await orders.update_order(conn, order_id=order_id, values={"status": "archived"})
        await stage_events(conn, Event("order.archived", {"id": order_id}))


async def complete_order(db: Database, *, order_id: str) -> None:
    """Mark an order completed (a canceled order cannot be)."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        if order["status"] == "completed":
            return
        await orders.update_order(conn, order_id=order_id, values={"status": "completed"})
        await stage_events(conn, Event("order.completed", {"id": order_id}))


async def create_credit_line(db: Database, *, order_id: str, amount: Decimal, reference: str, reference_id: str,
                             created_by: str | None) -> None:
    """Credit the customer on the order (lowers its total and the amount still to be paid)."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        await orders.add_credit_line(conn, order_id=order_id, amount=amount, reference=reference,
                                     reference_id=reference_id, created_by=created_by)
        await orders.refresh_summary(conn, order_id=order_id)
