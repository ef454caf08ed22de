"""Claims: items the customer reports (missing, wrong, damaged) are written off; a `replace` claim sends new items
(outbound), a `refund` claim records what is owed back; damaged items may come back on the claim's return
(inbound). Built on `change_kit`: recorded as actions of the claim's pending change, applied on confirmation.
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
from euryale.modules.order.models import order_claim, order_claim_item

KIND = kit.CLAIM


async def begin_claim(db: Database, *, order_id: str, type: str, description: str | None,
                      internal_note: str | None, metadata: Mapping[str, Any] | None,
                      created_by: str | None) -> str:
    """Open a claim (`refund` or `replace`) on the order with its pending change."""
    async with db.transaction() as conn:
        return await kit.begin_subject(conn, kind=KIND, order_id=order_id, created_by=created_by,
                                       description=description, internal_note=internal_note, metadata=metadata,
                                       extra={"type": type})


async def add_claim_items(db: Database, *, claim_id: str, items: Sequence[Mapping[str, Any]]) -> None:
    """Items claimed by the customer (written off on confirmation)."""
    async with db.transaction() as conn:
        _, order = await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.add_claim_items(conn, claim_id=claim_id, order=order, change=change, items=items)


async def update_claim_item(db: Database, *, claim_id: str, action_id: str, quantity: Decimal | None,
                            reason: str | None, internal_note: str | None) -> None:
    async with db.transaction() as conn:
        _, order = await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.update_claim_item(conn, order=order, change=change, action_id=action_id, quantity=quantity,
                                    reason=reason, internal_note=internal_note)


async def remove_claim_item(db: Database, *, claim_id: str, action_id: str) -> None:
    async with db.transaction() as conn:
        await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.remove_claim_item(conn, change=change, action_id=action_id)


async def add_inbound_items(db: Database, *, claim_id: str, items: Sequence[Mapping[str, Any]],
                            created_by: str | None) -> str:
    """Claimed items the customer sends back (the claim's return)."""
    async with db.transaction() as conn:
        subject, order = await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        return await kit.add_inbound_items(conn, kind=KIND, subject=subject, order=order, change=change,
                                           items=items, created_by=created_by)


async def update_inbound_item(db: Database, *, claim_id: str, action_id: str, quantity: Decimal | None,
                              internal_note: str | None, reason_id: str | None) -> None:
    async with db.transaction() as conn:
        _, order = await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.update_inbound_item(conn, order=order, change=change, action_id=action_id, quantity=quantity,
                                      internal_note=internal_note, reason_id=reason_id)


async def remove_inbound_item(db: Database, *, claim_id: str, action_id: str) -> None:
    async with db.transaction() as conn:
        await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.remove_inbound_item(conn, change=change, action_id=action_id)


async def add_outbound_items(db: Database, *, claim_id: str, items: Sequence[Mapping[str, Any]]) -> None:
    """Replacement items sent to the customer."""
    async with db.transaction() as conn:
        _, order = await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.add_outbound_items(conn, kind=KIND, subject_id=claim_id, order=order, change=change, items=items)


async def update_outbound_item(db: Database, *, claim_id: str, action_id: str, quantity: Decimal | None,
                               internal_note: str | None) -> None:
    async with db.transaction() as conn:
        await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.update_outbound_item(conn, change=change, action_id=action_id, quantity=quantity,
                                       internal_note=internal_note)


async def remove_outbound_item(db: Database, *, claim_id: str, action_id: str) -> None:
    async with db.transaction() as conn:
        await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.remove_outbound_item(conn, change=change, action_id=action_id)


async def add_shipping(db: Database, *, claim_id: str, option_id: str, custom_amount: Decimal | None,
                       internal_note: str | None, metadata: Mapping[str, Any] | None, inbound: bool,
                       created_by: str | None) -> None:
    async with db.transaction() as conn:
        subject, order = await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.add_shipping(conn, kind=KIND, subject=subject, order=order, change=change, option_id=option_id,
                               custom_amount=custom_amount, internal_note=internal_note, metadata=metadata,
                               inbound=inbound, created_by=created_by)


async def update_shipping(db: Database, *, claim_id: str, action_id: str, custom_amount: Decimal | None,
                          internal_note: str | None) -> None:
    async with db.transaction() as conn:
        await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.update_shipping(conn, change=change, action_id=action_id, custom_amount=custom_amount,
                                  internal_note=internal_note)


async def remove_shipping(db: Database, *, claim_id: str, action_id: str) -> None:
    async with db.transaction() as conn:
        await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.remove_shipping(conn, change=change, action_id=action_id)


async def confirm_request(db: Database, *, claim_id: str, confirmed_by: str | None,
                          no_notification: bool | None = None) -> None:
    """Apply the claim: write-offs, return requested, replacement items, shipping; `order.claim_created`."""
    async with db.transaction() as conn:
        subject, order = await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        actions = await orders.change_actions(conn, change_id=change["id"])
        if not any(a["action"] in ("WRITE_OFF_ITEM", "RETURN_ITEM") for a in actions):
            raise invalid_data("Order claim request should have at least 1 item")
        applied = await kit.apply_change(conn, order=order, change=change, confirmed_by=confirmed_by)
        await kit.request_return(conn, return_id=subject.get("return_id"), applied=applied)
        rows = [{"id": generate_id("claitem"), "claim_id": claim_id, "item_id": d["reference_id"],
                 "quantity": orders.dec(d.get("quantity")), "reason": d.get("reason"), "note": d.get("description"),
                 "is_additional_item": False, "metadata": {}} for d in applied.written_off]
        rows += [{"id": generate_id("claitem"), "claim_id": claim_id, "item_id": lid, "quantity": qty,
                  "reason": None, "note": None, "is_additional_item": True, "metadata": {}}
                 for lid, qty, _ in applied.added]
        if rows:
            await conn.execute(insert(order_claim_item), rows)
        values: dict[str, Any] = {"order_version": applied.version}
        if subject["type"] == "refund":
            # what the customer is owed back: the claimed units at what was paid for them
            items = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order["id"]])}
            claimed: dict[str, Decimal] = {}
            for d in applied.written_off:
                claimed[str(d["reference_id"])] = claimed.get(str(d["reference_id"]), kit.ZERO) + orders.dec(
                    d.get("quantity"))
            taxes, adjs = await orders.item_relations(conn, item_ids=list(claimed))
            values["refund_amount"] = orders.plain(sum((orders.item_totals(
                items[i], taxes.get(i, []), adjs.get(i, []))["refundable_total_per_unit"] * q
                for i, q in claimed.items() if i in items), kit.ZERO))
        if no_notification is not None:
            values["no_notification"] = no_notification
        await conn.execute(update(order_claim).where(order_claim.c.id == claim_id).values(**values))
        await orders.refresh_summary(conn, order_id=order["id"])
        await kit.stage(conn, KIND, order["id"], claim_id)


async def cancel_request(db: Database, *, claim_id: str, canceled_by: str | None) -> None:
    """Drop a claim whose request was never confirmed."""
    async with db.transaction() as conn:
        subject, _ = await kit.locked(conn, KIND, claim_id)
        change = await kit.require_pending(conn, KIND, claim_id)
        await kit.drop_pending(conn, change=change, canceled_by=canceled_by)
        if subject.get("return_id"):
            await orders.delete_return(conn, return_id=str(subject["return_id"]))
        await conn.execute(update(order_claim).where(order_claim.c.id == claim_id).values(deleted_at=orders.now()))


async def cancel_claim(db: Database, *, claim_id: str, canceled_by: str | None,
                       no_notification: bool | None = None) -> None:
    """Cancel a confirmed claim nothing happened to yet (write-offs and requested returns are released)."""
    async with db.transaction() as conn:
        subject, order = await kit.locked(conn, KIND, claim_id)
        if await kit.subject_change(conn, KIND, claim_id, statuses=("pending",)) is not None:
            raise not_allowed(f"Claim {claim_id} has a pending request; delete the request instead.")
        await kit.undo_confirmed(conn, kind=KIND, subject=subject, order=order)
        await conn.execute(update(order_claim).where(order_claim.c.id == claim_id).values(canceled_at=orders.now()))
        await orders.refresh_summary(conn, order_id=order["id"])
