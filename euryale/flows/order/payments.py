"""Capture and refund payments of an order; every money movement is also an order transaction."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import Database
from euryale.errors import invalid_data
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.links import service as links
from euryale.modules.order import lifecycle as orders
from euryale.modules.payment import operations
from euryale.modules.payment import service as payments
from euryale.modules.payment.models import refund_reason


async def order_of_collection(conn: AsyncConnection, *, collection_id: str) -> str | None:
    """The order a payment collection belongs to (link order_payment_collection)."""
    found = await links.linked(conn, "order_payment_collection", right_ids=[collection_id])
    ids = found.get(collection_id, [])
    return ids[0] if ids else None


def _total(rows: list[Mapping[str, Any]]) -> Decimal:
    return sum((orders.dec(r["amount"]) for r in rows), orders.ZERO)


async def record_capture(conn: AsyncConnection, *, payment: Mapping[str, Any], amount: Decimal) -> None:
    """The order side of a capture: a positive transaction, a fresh summary, `payment.captured`."""
    order_id = await order_of_collection(conn, collection_id=payment["payment_collection_id"])
    if order_id:
        capture_id = payment["captures"][-1]["id"] if payment["captures"] else None
        await orders.add_transaction(conn, order_id=order_id, amount=amount, currency_code=payment["currency_code"],
                                     reference="capture", reference_id=capture_id or payment["id"])
        await orders.refresh_summary(conn, order_id=order_id)
    await stage_events(conn, Event("payment.captured", {"id": payment["id"]}))


async def record_refund(conn: AsyncConnection, *, payment: Mapping[str, Any], amount: Decimal,
                        return_id: str | None = None, credit_excess: bool = True,
                        created_by: str | None = None) -> None:
    """The order side of a refund: a negative transaction, a fresh summary, `payment.refunded`.

    What is refunded beyond what the order owes the customer (negative pending difference) becomes a credit line,
    so the order total drops with it and the order stays settled, as Medusa 2.21 does.
    """
    order_id = await order_of_collection(conn, collection_id=payment["payment_collection_id"])
    if order_id:
        refund_id = payment["refunds"][-1]["id"] if payment["refunds"] else None
        if credit_excess:
            _, summary = await orders.compute_totals(conn, order_id=order_id)
            owed = max(-summary["pending_difference"], orders.ZERO)
            if amount > owed:
                reference, reference_id = await _credit_reference(conn, payment=payment)
                await orders.add_credit_line(conn, order_id=order_id, amount=amount - owed, reference=reference,
                                             reference_id=reference_id, created_by=created_by)
        await orders.add_transaction(conn, order_id=order_id, amount=-amount, currency_code=payment["currency_code"],
                                     reference="refund", reference_id=refund_id or payment["id"],
                                     return_id=return_id)
        await orders.refresh_summary(conn, order_id=order_id)
    await stage_events(conn, Event("payment.refunded", {"id": payment["id"]}))


async def _credit_reference(conn: AsyncConnection, *, payment: Mapping[str, Any]) -> tuple[str, str]:
    """A refund credit line's reference, as Medusa's refund-payment: the refund reason's label and code, else
    `payment_collection` and the collection's id."""
    reason_id = payment["refunds"][-1].get("refund_reason_id") if payment["refunds"] else None
    if reason_id:
        row = (await conn.execute(select(refund_reason.c.label, refund_reason.c.code)
                                  .where(refund_reason.c.id == reason_id))).first()
        if row is not None:
            return str(row.label), str(row.code)
    return "payment_collection", str(payment["payment_collection_id"])


async def capture(db: Database, *, payment_id: str, amount: Decimal | None, captured_by: str | None) -> None:
    """Capture (part of) an authorized payment."""
    async with db.transaction() as conn:
        before = await payments.retrieve_payment(conn, payment_id=payment_id)
        captured = _total(before["captures"])
        if before["canceled_at"] is None and before["captured_at"] is not None:
            raise invalid_data(f"The payment: {payment_id} has been captured.")
        after = await payments.capture_payment(conn, payment_id=payment_id, amount=amount, captured_by=captured_by)
        await record_capture(conn, payment=after, amount=_total(after["captures"]) - captured)


async def refund(db: Database, *, payment_id: str, amount: Decimal | None, refund_reason_id: str | None,
                 note: str | None, created_by: str | None) -> None:
    """Refund (part of) what was captured; never more than captured minus already refunded."""
    async with db.transaction() as conn:
        before = await payments.retrieve_payment(conn, payment_id=payment_id)
        refundable = _total(before["captures"]) - _total(before["refunds"])
        value = refundable if amount is None else amount
        if value > refundable or refundable <= 0:
            raise invalid_data("You are not allowed to refund more than the captured amount")
        if value <= 0:
            raise invalid_data("Refund amount must be greater than 0")
        if refund_reason_id is not None:
            await operations.get_refund_reason(conn, reason_id=refund_reason_id)
        after = await payments.refund_payment(conn, payment_id=payment_id, amount=value,
                                              refund_reason_id=refund_reason_id, note=note, created_by=created_by)
        await record_refund(conn, payment=after, amount=value, created_by=created_by)


async def mark_collection_paid(db: Database, *, collection_id: str, order_id: str, captured_by: str | None) -> None:
    """Record an off-platform payment for an order's collection: authorized, then captured in full."""
    async with db.transaction() as conn:
        linked = await order_of_collection(conn, collection_id=collection_id)
        if linked != order_id:
            raise invalid_data(f"Payment collection {collection_id} does not belong to order {order_id}")
        payment_id = await operations.mark_collection_paid(conn, collection_id=collection_id, captured_by=captured_by)
        await payments.refresh_collection_status(conn, payment_collection_id=collection_id)
        after = await payments.capture_payment(conn, payment_id=payment_id, amount=None, captured_by=captured_by)
        await record_capture(conn, payment=after, amount=_total(after["captures"]))


async def create_order_collection(db: Database, *, order_id: str, amount: Decimal | None) -> str:
    """A new payment collection for an order's outstanding amount (pending difference by default)."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        _, summary = await orders.compute_totals(conn, order_id=order_id)
        value = amount if amount is not None else summary["pending_difference"]
        if value <= 0:
            raise invalid_data("Cannot create a payment collection for amount less than 0")
        collection_id = await payments.create_payment_collection(
            conn, currency_code=order["currency_code"], amount=value, region_id=order["region_id"] or "")
        await links.create_links(conn, "order_payment_collection", [(order_id, collection_id)])
        return collection_id


async def delete_collection(db: Database, *, collection_id: str) -> None:
    """Delete an unpaid collection and its order link."""
    async with db.transaction() as conn:
        await operations.delete_collection(conn, collection_id=collection_id)
        await links.dismiss_all(conn, "order_payment_collection", right_ids=[collection_id])


async def create_collection_session(db: Database, *, collection_id: str, provider_id: str,
                                    data: Mapping[str, Any] | None) -> str:
    """Start a payment session on an order's payment collection (e.g. to send the customer a payment link)."""
    async with db.transaction() as conn:
        await operations.get_collection(conn, collection_id=collection_id)
        return await payments.create_payment_session(conn, payment_collection_id=collection_id,
                                                     provider_id=provider_id, data=dict(data or {}))
