"""Admin-side payment reads and records: payments with captures/refunds/reasons, collections with payments,
mark-as-paid, collection deletion and refund reasons. Capture/refund/cancel themselves live in `service.py`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import crud
from euryale.errors import not_allowed, not_found
from euryale.ids import generate_id
from euryale.modules.payment.models import (
    capture,
    payment,
    payment_collection,
    payment_session,
    refund,
    refund_reason,
)
from euryale.totals import to_decimal

ZERO = Decimal(0)
SYSTEM_PROVIDER = "pp_system_default"


async def get_payment(conn: AsyncConnection, *, payment_id: str, for_update: bool = False) -> dict[str, Any]:
    """The payment row; 404 when missing."""
    return await crud.require_row(conn, payment, payment_id, f"Payment with id: {payment_id} was not found",
                                  for_update=for_update)


async def payments_with_details(conn: AsyncConnection, *, payment_ids: Sequence[str] | None = None,
                                collection_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Payments (by id or by collection) with `captures`, `refunds` (+ `refund_reason`), `payment_session`."""
    cond = [payment.c.deleted_at.is_(None)]
    if payment_ids is not None:
        cond.append(payment.c.id.in_(list(payment_ids)))
    if collection_ids is not None:
        cond.append(payment.c.payment_collection_id.in_(list(collection_ids)))
    rows = [dict(r) for r in (await conn.execute(select(payment).where(*cond)
                                                 .order_by(payment.c.created_at, payment.c.id))).mappings()]
    ids = [r["id"] for r in rows]
    caps = await crud.grouped_by(conn, capture, "payment_id", ids, order=[capture.c.created_at])
    refs: dict[str, list[dict[str, Any]]] = {}
    if ids:
        rr = refund_reason
        stmt = (select(refund, rr.c.label.label("rr_label"), rr.c.code.label("rr_code"),
                       rr.c.description.label("rr_description"),
                       rr.c.metadata.label("rr_metadata"), rr.c.created_at.label("rr_created_at"),
                       rr.c.updated_at.label("rr_updated_at"))
                .outerjoin(rr, rr.c.id == refund.c.refund_reason_id)
                .where(refund.c.payment_id.in_(ids), refund.c.deleted_at.is_(None)).order_by(refund.c.created_at))
        for rm in (await conn.execute(stmt)).mappings():
            r = dict(rm)
            d = {k: v for k, v in r.items() if not k.startswith("rr_")}
            d["refund_reason"] = None if r["refund_reason_id"] is None or r["rr_label"] is None else {
                "id": r["refund_reason_id"], "label": r["rr_label"], "code": r["rr_code"],
                "description": r["rr_description"],
                "metadata": r["rr_metadata"], "created_at": r["rr_created_at"], "updated_at": r["rr_updated_at"]}
            refs.setdefault(r["payment_id"], []).append(d)
    for r in rows:
        r["captures"] = caps.get(r["id"], [])
        r["refunds"] = refs.get(r["id"], [])
        r["payment_session"] = {"id": r["payment_session_id"]}
    return rows


async def list_payments(conn: AsyncConnection, *, filters: Mapping[str, Sequence[str]], limit: int,
                        offset: int) -> tuple[list[dict[str, Any]], int]:
    """Payments filtered by id / payment_session_id / payment_collection_id, newest first."""
    cond = [payment.c.deleted_at.is_(None)]
    for key in ("id", "payment_session_id", "payment_collection_id", "provider_id"):
        if filters.get(key):
            cond.append(payment.c[key].in_(list(filters[key])))
    count = int((await conn.execute(select(func.count()).select_from(payment).where(*cond))).scalar_one())
    ids = [r[0] for r in await conn.execute(select(payment.c.id).where(*cond)
                                            .order_by(payment.c.created_at.desc(), payment.c.id.desc())
                                            .limit(limit).offset(offset))]
    by_id = {p["id"]: p for p in await payments_with_details(conn, payment_ids=ids)}
    return [by_id[i] for i in ids if i in by_id], count


async def collections(conn: AsyncConnection, *, collection_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Payment collections with their payments (captures, refunds) attached."""
    if not collection_ids:
        return []
    pc = payment_collection
    rows = [dict(r) for r in (await conn.execute(
        select(pc).where(pc.c.id.in_(list(collection_ids)), pc.c.deleted_at.is_(None))
        .order_by(pc.c.created_at, pc.c.id))).mappings()]
    pays = await payments_with_details(conn, collection_ids=[r["id"] for r in rows])
    by: dict[str, list[dict[str, Any]]] = {}
    for p in pays:
        by.setdefault(p["payment_collection_id"], []).append(p)
    sessions = await crud.grouped_by(conn, payment_session, "payment_collection_id", [r["id"] for r in rows],
                                     order=[payment_session.c.created_at, payment_session.c.id])
    for r in rows:
        r["payments"] = by.get(r["id"], [])
        r["payment_sessions"] = sessions.get(r["id"], [])
    return rows


async def get_collection(conn: AsyncConnection, *, collection_id: str) -> dict[str, Any]:
    found = await collections(conn, collection_ids=[collection_id])
    if not found:
        raise not_found(f"Payment Collection with id: {collection_id} was not found")
    return found[0]


async def delete_collection(conn: AsyncConnection, *, collection_id: str) -> None:
    """Soft-delete a collection; one holding captured money cannot be deleted."""
    pc = await get_collection(conn, collection_id=collection_id)
    if to_decimal(pc["captured_amount"]) > 0:
        raise not_allowed(f"Cannot delete payment collection {collection_id} with captured payments")
    await conn.execute(update(payment_collection).where(payment_collection.c.id == collection_id)
                       .values(deleted_at=func.now()))


async def mark_collection_paid(conn: AsyncConnection, *, collection_id: str, captured_by: str | None) -> str:
    """Record an off-platform payment: an authorized system-provider session + payment (the flow captures it)."""
    pc = await get_collection(conn, collection_id=collection_id)
    if pc["status"] in ("completed", "canceled"):
        raise not_allowed(f"Payment collection {collection_id} is already {pc['status']}")
    amount = to_decimal(pc["amount"]) - to_decimal(pc["captured_amount"])
    session_id = generate_id("payses")
    payment_id = generate_id("pay")
    await conn.execute(insert(payment_session).values(
        id=session_id, currency_code=pc["currency_code"], amount=amount, provider_id=SYSTEM_PROVIDER, data={},
        status="authorized", authorized_at=func.now(), payment_collection_id=collection_id))
    await conn.execute(insert(payment).values(
        id=payment_id, amount=amount, currency_code=pc["currency_code"], provider_id=SYSTEM_PROVIDER, data={},
        payment_collection_id=collection_id, payment_session_id=session_id))
    return payment_id


# ---------------------------------------------------------------------------------------------------- refund reasons


async def create_refund_reason(conn: AsyncConnection, *, data: Mapping[str, Any]) -> str:
    rid = generate_id("refr")
    await conn.execute(insert(refund_reason).values(id=rid, **dict(data)))
    return rid


async def get_refund_reason(conn: AsyncConnection, *, reason_id: str) -> dict[str, Any]:
    return await crud.require_row(conn, refund_reason, reason_id, f"Refund Reason with id: {reason_id} was not found")


async def list_refund_reasons(conn: AsyncConnection, *, ids: Sequence[str] | None, q: str | None, limit: int,
                              offset: int) -> tuple[list[dict[str, Any]], int]:
    """A page of live reasons (oldest first), by id and/or `q` over label, code and description."""
    cond = [refund_reason.c.id.in_(list(ids))] if ids else []
    search = crud.search_condition(refund_reason, q, ("label", "code", "description"))
    return await crud.list_page(conn, refund_reason, conditions=cond + ([search] if search is not None else []),
                                limit=limit, offset=offset)


async def update_refund_reason(conn: AsyncConnection, *, reason_id: str, data: Mapping[str, Any]) -> None:
    await get_refund_reason(conn, reason_id=reason_id)
    if data:
        await crud.update_row(conn, refund_reason, reason_id, data)


async def delete_refund_reason(conn: AsyncConnection, *, reason_id: str) -> None:
    await get_refund_reason(conn, reason_id=reason_id)
    await crud.soft_delete(conn, refund_reason, [reason_id])


async def cancel_collection(conn: AsyncConnection, *, collection_id: str) -> None:
    """Mark a collection canceled (its order was canceled; nothing is left to collect)."""
    await conn.execute(update(payment_collection).where(payment_collection.c.id == collection_id)
                       .values(status="canceled", updated_at=func.now()))
