"""Order edits: add items, change quantities of existing ones, add shipping; then request and/or confirm.

Routes address an edit by its ORDER id (Medusa's `/admin/order-edits/:id`): the order's active `edit` change.
Built on `change_kit`; quantities only move when the edit is confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import Database
from euryale.errors import invalid_data, not_allowed
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.order import change_kit as kit
from euryale.modules.order import lifecycle as orders
from euryale.modules.order.models import order_change

KIND = kit.EDIT


async def _edit(conn: AsyncConnection, order_id: str, *, statuses: Sequence[str] = ("pending",)
                ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The order (locked) and its active edit change in one of `statuses`."""
    order = await orders.get_order(conn, order_id=order_id, for_update=True)
    orders.ensure_not_canceled(order)
    change = await kit.active_change(conn, order_id=order_id)
    if change is None or change["change_type"] != KIND.change_type:
        raise not_allowed(f"No active order edit found for order {order_id}.")
    if change["status"] not in statuses:
        raise not_allowed(f"Order edit of order {order_id} has status {change['status']}; it cannot be changed.")
    return order, change


async def begin_edit(db: Database, *, order_id: str, description: str | None, internal_note: str | None,
                     metadata: Mapping[str, Any] | None, created_by: str | None) -> str:
    """Open an edit (a pending `edit` change) on the order; returns the change id."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        change = await kit.open_change(conn, order=order, kind=KIND, subject_id=None, created_by=created_by,
                                       description=description, internal_note=internal_note, metadata=metadata)
        return str(change["id"])


async def add_items(db: Database, *, order_id: str, items: Sequence[Mapping[str, Any]]) -> None:
    async with db.transaction() as conn:
        order, change = await _edit(conn, order_id)
        await kit.add_outbound_items(conn, kind=KIND, subject_id=change["id"], order=order, change=change,
                                     items=items)


async def update_item_quantity(db: Database, *, order_id: str, item_id: str, quantity: Decimal,
                               internal_note: str | None) -> None:
    """ITEM_UPDATE on an existing item: the new quantity (never below what was already fulfilled)."""
    async with db.transaction() as conn:
        order, change = await _edit(conn, order_id)
        rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order_id])}
        row = rows.get(item_id)
        if row is None:
            raise invalid_data(f"Items with ids {item_id} does not exist in order with id {order_id}.")
        if quantity < orders.dec(row["fulfilled_quantity"]):
            raise invalid_data(f"Item {item_id} cannot have a quantity lower than the fulfilled quantity "
                               f"({orders.plain(orders.dec(row['fulfilled_quantity']))}).")
        previous = orders.dec(row["quantity"])
        existing = [a for a in await orders.change_actions(conn, change_id=change["id"])
                    if a["action"] == "ITEM_UPDATE" and a["details"].get("reference_id") == item_id]
        details = {"reference_id": item_id, "quantity": str(quantity), "previous_quantity": str(previous)}
        unit = orders.dec(row["unit_price"])
        if existing:
            await kit.update_change_action_amount(conn, action_id=existing[0]["id"], details=details,
                                                  amount=unit * (quantity - previous), internal_note=internal_note)
        else:
            await kit.add_actions(conn, change=change, actions=[{
                "action": "ITEM_UPDATE", "reference": "order_item", "reference_id": item_id, "details": details,
                "amount": unit * (quantity - previous), "internal_note": internal_note}])


async def update_action(db: Database, *, order_id: str, action_id: str, quantity: Decimal | None,
                        internal_note: str | None) -> None:
    """Change an ITEM_ADD or ITEM_UPDATE action of the edit."""
    async with db.transaction() as conn:
        _, change = await _edit(conn, order_id)
        act = await kit.pending_action(conn, change=change, action_id=action_id,
                                       actions=("ITEM_ADD", "ITEM_UPDATE"))
        if act["action"] == "ITEM_ADD":
            await kit.update_outbound_item(conn, change=change, action_id=action_id, quantity=quantity,
                                           internal_note=internal_note)
            return
        item_id = str(act["details"]["reference_id"])
    if quantity is not None:
        await update_item_quantity(db, order_id=order_id, item_id=item_id, quantity=quantity,
                                   internal_note=internal_note)
    elif internal_note is not None:
        async with db.transaction() as conn:
            await orders.update_change_action(conn, action_id=action_id, details=act["details"],
                                              internal_note=internal_note)


async def remove_action(db: Database, *, order_id: str, action_id: str) -> None:
    async with db.transaction() as conn:
        _, change = await _edit(conn, order_id)
        act = await kit.pending_action(conn, change=change, action_id=action_id,
                                       actions=("ITEM_ADD", "ITEM_UPDATE"))
        if act["action"] == "ITEM_ADD":
            await kit.remove_outbound_item(conn, change=change, action_id=action_id)
        else:
            await orders.delete_change_action(conn, action_id=action_id)


async def add_shipping(db: Database, *, order_id: str, option_id: str, custom_amount: Decimal | None,
                       internal_note: str | None, metadata: Mapping[str, Any] | None) -> None:
    async with db.transaction() as conn:
        order, change = await _edit(conn, order_id)
        await kit.add_shipping(conn, kind=KIND, subject={"id": change["id"]}, order=order, change=change,
                               option_id=option_id, custom_amount=custom_amount, internal_note=internal_note,
                               metadata=metadata, inbound=False, created_by=None)


async def update_shipping(db: Database, *, order_id: str, action_id: str, custom_amount: Decimal | None,
                          internal_note: str | None) -> None:
    async with db.transaction() as conn:
        _, change = await _edit(conn, order_id)
        await kit.update_shipping(conn, change=change, action_id=action_id, custom_amount=custom_amount,
                                  internal_note=internal_note)


async def remove_shipping(db: Database, *, order_id: str, action_id: str) -> None:
    async with db.transaction() as conn:
        _, change = await _edit(conn, order_id)
        await kit.remove_shipping(conn, change=change, action_id=action_id)


async def _actions_payload(conn: AsyncConnection, change_id: str) -> list[dict[str, Any]]:
    return [{"id": a["id"], "action": a["action"], "details": a["details"]}
            for a in await orders.change_actions(conn, change_id=change_id)]


async def request_edit(db: Database, *, order_id: str, requested_by: str | None) -> None:
    """Ask the customer to approve the edit (status `requested`); `order-edit.requested`."""
    async with db.transaction() as conn:
        _, change = await _edit(conn, order_id)
        if not await orders.change_actions(conn, change_id=change["id"]):
            raise invalid_data(f"Order edit of order {order_id} has no changes to request.")
        await conn.execute(update(order_change).where(order_change.c.id == change["id"]).values(
            status="requested", requested_by=requested_by, requested_at=func.now(), updated_at=func.now()))
        await stage_events(conn, Event("order-edit.requested", {
            "order_id": order_id, "actions": await _actions_payload(conn, change["id"])}))


async def confirm_edit_in(conn: AsyncConnection, *, order_id: str, confirmed_by: str | None) -> None:
    """Apply the edit inside the caller's transaction (draft orders add their own actions around it)."""
    order, change = await _edit(conn, order_id, statuses=("pending", "requested"))
    actions = await _actions_payload(conn, change["id"])
    await kit.apply_change(conn, order=order, change=change, confirmed_by=confirmed_by)
    await orders.refresh_summary(conn, order_id=order_id)
    await stage_events(conn, Event("order-edit.confirmed", {"order_id": order_id, "actions": actions}))


async def confirm_edit(db: Database, *, order_id: str, confirmed_by: str | None) -> None:
    """Apply the edit (new items, quantities, shipping), bump the version; `order-edit.confirmed`."""
    async with db.transaction() as conn:
        await confirm_edit_in(conn, order_id=order_id, confirmed_by=confirmed_by)


async def cancel_edit(db: Database, *, order_id: str, canceled_by: str | None) -> None:
    """Abandon the edit: the change is canceled and what it created is dropped; `order-edit.canceled`."""
    async with db.transaction() as conn:
        _, change = await _edit(conn, order_id, statuses=("pending", "requested"))
        actions = await _actions_payload(conn, change["id"])
        await kit.drop_pending(conn, change=change, canceled_by=canceled_by)
        await stage_events(conn, Event("order-edit.canceled", {"order_id": order_id, "actions": actions}))
