"""Exchanges: items come back (inbound, a return) and new items go out (outbound), priced difference due.

Every function is one transaction on the exchange and its order (locked in that order); the work is recorded as
actions on the exchange's pending change and applied by `confirm_request` (see `change_kit`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, update

from euryale.db import Database
from euryale.errors import invalid_data, not_allowed
from euryale.flows.order import change_kit as kit
from euryale.ids import generate_id
from euryale.modules.order import lifecycle as orders
from euryale.modules.order.models import order_exchange, order_exchange_item

KIND = kit.EXCHANGE


async def begin_exchange(db: Database, *, order_id: str, description: str | None, internal_note: str | None,
                         metadata: Mapping[str, Any] | None, created_by: str | None) -> str:
    """Open an exchange on the order with its pending change."""
    async with db.transaction() as conn:
        return await kit.begin_subject(conn, kind=KIND, order_id=order_id, created_by=created_by,
                                       description=description, internal_note=internal_note, metadata=metadata,
                                       extra={})


async def add_inbound_items(db: Database, *, exchange_id: str, items: Sequence[Mapping[str, Any]],
                            created_by: str | None) -> str:
    """Items the customer sends back; returns the exchange's return id."""
    async with db.transaction() as conn:
        subject, order = await kit.locked(conn, KIND, exchange_id)
        change = await kit.require_pending(conn, KIND, exchange_id)
        return await kit.add_inbound_items(conn, kind=KIND, subject=subject, order=order, change=change, items=items,
                                           created_by=created_by)


async def update_inbound_item(db: Database, *, exchange_id: str, action_id: str, quantity: Decimal | None,
                              internal_note: str | None, reason_id: str | None) -> None:
    async with db.transaction() as conn:
        _, order = await kit.locked(conn, KIND, exchange_id)
        change = await kit.require_pending(conn, KIND, exchange_id)
        await kit.update_inbound_item(conn, order=order, change=change, action_id=action_id, quantity=quantity,
                                      internal_note=internal_note, reason_id=reason_id)


async def remove_inbound_item(db: Database, *, exchange_id: str, action_id: str) -> None:
    async with db.transaction() as conn:
        await kit.locked(conn, KIND, exchange_id)
        change = await kit.require_pending(conn, KIND, exchange_id)
        await kit.remove_inbound_item(conn, change=change, action_id=action_id)


async def add_outbound_items(db: Database, *, exchange_id: str, items: Sequence[Mapping[str, Any]]) -> None:
    """New items sent to the customer (priced in the order's currency unless `unit_price` is given)."""
    async with db.transaction() as conn:
        _, order = await kit.locked(conn, KIND, exchange_id)
        change = await kit.require_pending(conn, KIND, exchange_id)
        await kit.add_outbound_items(conn, kind=KIND, subject_id=exchange_id, order=order, change=change,
                                     items=items)
        if any(i.get("allow_backorder") for i in items):
            await conn.execute(update(order_exchange).where(order_exchange.c.id == exchange_id)
                               .values(allow_backorder=True))


async def update_outbound_item(db: Database, *, exchange_id: str, action_id: str, quantity: Decimal | None,
                               internal_note: str | None) -> None:
    async with db.transaction() as conn:
        await kit.locked(conn, KIND, exchange_id)
        change = await kit.require_pending(conn, KIND, exchange_id)
        await kit.update_outbound_item(conn, change=change, action_id=action_id, quantity=quantity,
                                       internal_note=internal_note)


async def remove_outbound_item(db: Database, *, exchange_id: str, action_id: str) -> None:
    async with db.transaction() as conn:
        await kit.locked(conn, KIND, exchange_id)
        change = await kit.require_pending(conn, KIND, exchange_id)
        await kit.remove_outbound_item(conn, change=change, action_id=action_id)


async def add_shipping(db: Database, *, exchange_id: str, option_id: str, custom_amount: Decimal | None,
                       internal_note: str | None, metadata: Mapping[str, Any] | None, inbound: bool,
                       created_by: str | None) -> None:
    """A shipping method for the return (inbound) or the new items (outbound)."""
    async with db.transaction() as conn:
        subject, order = await kit.locked(conn, KIND, exchange_id)
        change = await kit.require_pending(conn, KIND, exchange_id)
        await kit.add_shipping(conn, kind=KIND, subject=subject, order=order, change=change, option_id=option_id,
                               custom_amount=custom_amount, internal_note=internal_note, metadata=metadata,
                               inbound=inbound, created_by=created_by)


async def update_shipping(db: Database, *, exchange_id: str, action_id: str, custom_amount: Decimal | None,
                          internal_note: str | None) -> None:
    async with db.transaction() as conn:
        await kit.locked(conn, KIND, exchange_id)
        change = await kit.require_pending(conn, KIND, exchange_id)
        await kit.update_shipping(conn, change=change, action_id=action_id, custom_amount=custom_amount,
                                  internal_note=internal_note)


async def remove_shipping(db: Database, *, exchange_id: str, action_id: str) -> None:
    async with db.transaction() as conn:
        await kit.locked(conn, KIND, exchange_id)
        change = await kit.require_pending(conn, KIND, exchange_id)
        await kit.remove_shipping(conn, change=change, action_id=action_id)


async def confirm_request(db: Database, *, exchange_id: str, confirmed_by: str | None,
                          no_notification: bool | None = None) -> None:
    """Apply the exchange: return requested, new items on the order, shipping; `order.exchange_created`."""
    async with db.transaction() as conn:
        subject, order = await kit.locked(conn, KIND, exchange_id)
        change = await kit.require_pending(conn, KIND, exchange_id)
        actions = await orders.change_actions(conn, change_id=change["id"])
        if not any(a["action"] == "RETURN_ITEM" for a in actions) or not any(
                a["action"] == "ITEM_ADD" for a in actions):
            raise invalid_data("Order exchange request should have at least 1 item inbound and 1 item outbound")
        applied = await kit.apply_change(conn, order=order, change=change, confirmed_by=confirmed_by)
        await kit.request_return(conn, return_id=subject.get("return_id"), applied=applied)
        for lid, qty, _ in applied.added:
            await conn.execute(insert(order_exchange_item).values(
                id=generate_id("oexcitem"), exchange_id=exchange_id, item_id=lid, quantity=qty, metadata={}))
        rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order["id"]])}
        taxes, adjs = await orders.item_relations(conn, item_ids=list(applied.returned))
        returned_value = sum((orders.item_totals(rows[i], taxes.get(i, []), adjs.get(i, []))[
            "refundable_total_per_unit"] * q for i, q in applied.returned.items() if i in rows), kit.ZERO)
        added_value = sum((q * p for _, q, p in applied.added), kit.ZERO)
        shipping_value = sum((amount for _, amount, _ in applied.shipping), kit.ZERO)
        values: dict[str, Any] = {"order_version": applied.version,
                                  "difference_due": orders.plain(added_value + shipping_value - returned_value)}
        if no_notification is not None:
            values["no_notification"] = no_notification
        await conn.execute(update(order_exchange).where(order_exchange.c.id == exchange_id).values(**values))
        await orders.refresh_summary(conn, order_id=order["id"])
        await kit.stage(conn, KIND, order["id"], exchange_id)


async def cancel_request(db: Database, *, exchange_id: str, canceled_by: str | None) -> None:
    """Drop an exchange whose request was never confirmed (the exchange, its return and pending rows go away)."""
    async with db.transaction() as conn:
        subject, order = await kit.locked(conn, KIND, exchange_id)
        change = await kit.require_pending(conn, KIND, exchange_id)
        await kit.drop_pending(conn, change=change, canceled_by=canceled_by)
        if subject.get("return_id"):
            await orders.delete_return(conn, return_id=str(subject["return_id"]))
        await conn.execute(update(order_exchange).where(order_exchange.c.id == exchange_id)
                           .values(deleted_at=orders.now()))


async def cancel_exchange(db: Database, *, exchange_id: str, canceled_by: str | None,
                          no_notification: bool | None = None) -> None:
    """Cancel a confirmed exchange nothing happened to yet (no receipt, no fulfilment of the new items)."""
    async with db.transaction() as conn:
        subject, order = await kit.locked(conn, KIND, exchange_id)
        if await kit.subject_change(conn, KIND, exchange_id, statuses=("pending",)) is not None:
            raise not_allowed(f"Exchange {exchange_id} has a pending request; delete the request instead.")
        await kit.undo_confirmed(conn, kind=KIND, subject=subject, order=order)
        await conn.execute(update(order_exchange).where(order_exchange.c.id == exchange_id)
                           .values(canceled_at=orders.now()))
        await orders.refresh_summary(conn, order_id=order["id"])
