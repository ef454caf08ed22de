"""Payment collections, sessions, payments, captures and refunds.

Provider calls (`initiate`, `authorize`, `capture`, `refund`, `cancel`) are awaited without any row lock held:
state is read, the provider is called, and the result is written with a conditional UPDATE so that two concurrent
callers cannot both apply it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, bindparam, case, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import direct
from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param
from euryale.errors import MedusaError, MedusaErrorType, invalid_data, not_allowed, not_found
from euryale.ids import generate_id
from euryale.modules.payment.models import (
    capture,
    payment,
    payment_collection,
    payment_provider,
    payment_session,
    refund,
)
from euryale.modules.payment.providers.base import PaymentProvider, PaymentProviderError
from euryale.modules.payment.providers.registry import get_provider

ZERO = Decimal(0)
# session statuses that never had a payment row (payments are written when a session is authorised)
_NEVER_PAID_SESSION = frozenset({"pending", "error", "requires_more"})


def _raw(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"value": str(Decimal(value).normalize() if Decimal(value) != 0 else 0), "precision": 20}


def _provider(provider_id: str) -> PaymentProvider:
    provider = get_provider(provider_id)
    if provider is None:
        raise not_found(f"Could not find a payment provider with id: {provider_id}")
    return provider


# --- providers -------------------------------------------------------------------------------------------------

async def list_payment_providers(conn: AsyncConnection, *, ids: list[str] | None = None,
                                 is_enabled: bool | None = True) -> list[dict[str, Any]]:
    """Provider rows (`{id, is_enabled}`), optionally restricted to ids; ordered by id."""
    q = select(payment_provider.c.id, payment_provider.c.is_enabled)
    if ids is not None:
        q = q.where(payment_provider.c.id.in_(ids))
    if is_enabled is not None:
        q = q.where(payment_provider.c.is_enabled.is_(is_enabled))
    rows = await conn.execute(q.order_by(payment_provider.c.id))
    return [dict(r._mapping) for r in rows]


async def ensure_payment_providers(conn: AsyncConnection, *, ids: list[str]) -> None:
    """Insert provider rows for configured providers (boot-time registration)."""
    for pid in ids:
        existing = await conn.execute(select(payment_provider.c.id).where(payment_provider.c.id == pid))
        if existing.first() is None:
            await conn.execute(insert(payment_provider).values(id=pid, is_enabled=True))


# --- collections -----------------------------------------------------------------------------------------------

async def create_payment_collection(conn: AsyncConnection, *, currency_code: str, amount: Decimal, region_id: str,
                                    metadata: dict[str, Any] | None = None) -> str:
    """Create a collection (status `not_paid`); returns its id."""
    row = await insert_payment_collection(conn, currency_code=currency_code, amount=amount, region_id=region_id,
                                          metadata=metadata)
    return str(row["id"])


async def insert_payment_collection(conn: AsyncConnection, *, currency_code: str, amount: Decimal, region_id: str,
                                    metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create a collection (status `not_paid`); its row as stored (a statement compiled once)."""
    return await direct.insert_one(conn, payment_collection, {
        "id": generate_id("pay_col"), "currency_code": currency_code, "amount": amount, "region_id": region_id,
        "status": "not_paid", "metadata": metadata, "authorized_amount": ZERO, "captured_amount": ZERO,
        "refunded_amount": ZERO})


async def update_payment_collection_amount(conn: AsyncConnection, *, payment_collection_id: str,
                                           amount: Decimal) -> None:
    """Keep an open collection's amount in line with its cart total (sessions follow in Medusa on re-init)."""
    await conn.execute(update(payment_collection).where(
        payment_collection.c.id == payment_collection_id, payment_collection.c.completed_at.is_(None),
    ).values(amount=amount, updated_at=func.now()))


def _session_dict(row: dict[str, Any], payments_by_session: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row["id"], "currency_code": row["currency_code"], "provider_id": row["provider_id"],
        "data": row["data"] if row["data"] is not None else {}, "context": row["context"] or {},
        "status": row["status"], "authorized_at": row["authorized_at"],
        "payment_collection_id": row["payment_collection_id"], "payment": payments_by_session.get(row["id"]),
        "metadata": row["metadata"] if row["metadata"] is not None else {}, "raw_amount": _raw(row["amount"]),
        "created_at": row["created_at"], "updated_at": row["updated_at"], "deleted_at": row["deleted_at"],
        "amount": row["amount"],
    }


def _payment_dict(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "amount": row["amount"], "currency_code": row["currency_code"],
        "provider_id": row["provider_id"], "cart_id": row["cart_id"], "order_id": row["order_id"],
        "customer_id": row["customer_id"], "data": row["data"], "metadata": row["metadata"],
        "captured_at": row["captured_at"], "canceled_at": row["canceled_at"],
        "payment_collection_id": row["payment_collection_id"], "payment_session_id": row["payment_session_id"],
        "created_at": row["created_at"], "updated_at": row["updated_at"], "deleted_at": row["deleted_at"],
    }


# collection reads run on every payment-collection answer and order read: compiled once (euryale.db.compiled)
_COLLECTIONS = CompiledQuery(lambda: select(payment_collection).where(
    any_param(payment_collection.c.id), payment_collection.c.deleted_at.is_(None)))
_SESSIONS_OF = CompiledQuery(lambda: select(payment_session).where(
    any_param(payment_session.c.payment_collection_id), payment_session.c.deleted_at.is_(None))
    .order_by(payment_session.c.created_at))
_PAYMENTS_OF = CompiledQuery(lambda: select(payment).where(
    any_param(payment.c.payment_collection_id), payment.c.deleted_at.is_(None)).order_by(payment.c.created_at))


async def list_payment_collections(conn: AsyncConnection, *, ids: list[str],
                                   with_sessions: bool = True) -> list[dict[str, Any]]:
    """Collections by id (set-based: one query for collections, sessions and payments each)."""
    if not ids:
        return []
    rows = [dict(r) for r in await _COLLECTIONS.fetch(conn, ids=list(ids))]
    sessions: dict[str, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    pays: dict[str, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    if with_sessions and rows:
        session_rows = [dict(s) for s in await _SESSIONS_OF.fetch(conn, ids=list(sessions))]
        by_session: dict[str, dict[str, Any]] = {}
        # a payment row is written with its session authorised; collections whose sessions never were (pending
        # ones: every collection of a cart before completion) have none, and cost no look-up
        if any(s["status"] not in _NEVER_PAID_SESSION for s in session_rows) or any(
                r["authorized_amount"] or r["captured_amount"] for r in rows):
            pay_rows = [dict(r) for r in await _PAYMENTS_OF.fetch(conn, ids=list(sessions))]
            by_session = {p["payment_session_id"]: _payment_dict(p) for p in pay_rows}
            for p in pay_rows:
                pays[p["payment_collection_id"]].append(_payment_dict(p))
        for sd in session_rows:
            sessions[sd["payment_collection_id"]].append(_session_dict(sd, by_session))
    out = []
    for r in rows:
        d = collection_dict(r)
        if with_sessions:
            d["payment_sessions"] = sessions[r["id"]]
            d["payments"] = pays[r["id"]]
        out.append(d)
    order = {i: n for n, i in enumerate(ids)}
    out.sort(key=lambda d: order.get(d["id"], 0))
    return out


def collection_dict(r: Mapping[str, Any]) -> dict[str, Any]:
    """A collection's row in the answers' shape (without its sessions and payments)."""
    return {
        "id": r["id"], "currency_code": r["currency_code"], "completed_at": r["completed_at"],
        "status": r["status"], "metadata": r["metadata"], "region_id": r["region_id"],
        "raw_amount": _raw(r["amount"]), "raw_authorized_amount": _raw(r["authorized_amount"] or 0),
        "raw_captured_amount": _raw(r["captured_amount"] or 0), "raw_refunded_amount": _raw(r["refunded_amount"] or 0),
        "created_at": r["created_at"], "updated_at": r["updated_at"], "deleted_at": r["deleted_at"],
        "amount": r["amount"], "authorized_amount": r["authorized_amount"] or ZERO,
        "captured_amount": r["captured_amount"] or ZERO, "refunded_amount": r["refunded_amount"] or ZERO,
    }


async def retrieve_payment_collection(conn: AsyncConnection, *, payment_collection_id: str) -> dict[str, Any]:
    """One collection with its sessions and payments; 404 in Medusa's words when missing."""
    found = await list_payment_collections(conn, ids=[payment_collection_id])
    if not found:
        raise not_found(f"Payment Collection with id: {payment_collection_id} was not found")
    return found[0]


def store_collection_shape(pc: dict[str, Any]) -> dict[str, Any]:
    """The store route's default fields: `id, currency_code, amount, payment_sessions`."""
    return {"id": pc["id"], "currency_code": pc["currency_code"], "amount": pc["amount"],
            "payment_sessions": pc.get("payment_sessions", [])}


@functools.cache
def _refresh_collection_statement() -> Any:
    """The UPDATE of `refresh_collection_status` (bind `pc_id`), built once: building it costs more CPU than
    running it."""
    pc_id = bindparam("pc_id", type_=String)
    live_sessions = and_(payment_session.c.payment_collection_id == pc_id, payment_session.c.deleted_at.is_(None))
    sums = select(
        pc_id.label("collection_id"),
        select(func.coalesce(func.sum(payment_session.c.amount), 0)).where(
            live_sessions, payment_session.c.status.in_(("authorized", "captured")))
        .scalar_subquery().label("authorized"),
        select(func.count()).select_from(payment_session).where(live_sessions).scalar_subquery().label("sessions"),
        select(func.coalesce(func.sum(capture.c.amount), 0)).select_from(capture.join(payment)).where(
            payment.c.payment_collection_id == pc_id, capture.c.deleted_at.is_(None))
        .scalar_subquery().label("captured"),
        select(func.coalesce(func.sum(refund.c.amount), 0)).select_from(refund.join(payment)).where(
            payment.c.payment_collection_id == pc_id, refund.c.deleted_at.is_(None))
        .scalar_subquery().label("refunded"),
    ).subquery("sums")
    pc = payment_collection
    status = case(
        (pc.c.status == "canceled", pc.c.status),
        (sums.c.authorized > 0, case((sums.c.authorized >= pc.c.amount, "authorized"), else_="partially_authorized")),
        (sums.c.sessions > 0, "awaiting"),
        else_="not_paid")
    completed_at = case(
        (and_(pc.c.completed_at.is_(None), pc.c.amount > 0, sums.c.captured >= pc.c.amount), func.now()),
        else_=pc.c.completed_at)
    return update(pc).where(pc.c.id == sums.c.collection_id).values(
        authorized_amount=sums.c.authorized, captured_amount=sums.c.captured, refunded_amount=sums.c.refunded,
        status=status, completed_at=completed_at, updated_at=func.now()).returning(*pc.c)


async def refresh_collection_status(conn: AsyncConnection, *, payment_collection_id: str) -> dict[str, Any] | None:
    """Recompute authorized/captured/refunded amounts and the status from sessions and payments, in one UPDATE;
    the collection's row as updated (None when there is no such collection).

    Status: `canceled` stays; otherwise `authorized` / `partially_authorized` by the authorised (or captured)
    sessions' amount against the collection amount, else `awaiting` with a live session, else `not_paid`.
    `completed_at` is set once the captures cover a positive amount."""
    row = (await conn.execute(_refresh_collection_statement(), {"pc_id": payment_collection_id})).first()
    return dict(row._mapping) if row is not None else None


# --- sessions --------------------------------------------------------------------------------------------------

def _session_check_statement() -> Any:
    """The collection's row and whether the provider is enabled, in one statement (binds `pc_id`, `provider_id`)."""
    return select(
        payment_collection.c.status, payment_collection.c.completed_at, payment_collection.c.amount,
        payment_collection.c.currency_code,
        exists().where(payment_provider.c.id == bindparam("provider_id", type_=String),
                       payment_provider.c.is_enabled.is_(True)).label("provider_enabled"),
    ).where(payment_collection.c.id == bindparam("pc_id", type_=String), payment_collection.c.deleted_at.is_(None))


# every store payment session runs these: compiled / built once
_SESSION_CHECK = CompiledQuery(_session_check_statement)
# the collection's live sessions: the ones not authorised are replaced by a new one, the others kept
_LIVE_SESSIONS = CompiledQuery(lambda: select(
    payment_session.c.id, payment_session.c.provider_id, payment_session.c.data, payment_session.c.status).where(
    payment_session.c.payment_collection_id == bindparam("pc_id", type_=String),
    payment_session.c.deleted_at.is_(None)))
_KEPT_SESSION = frozenset({"authorized", "captured"})


async def check_session_allowed(conn: AsyncConnection, *, payment_collection_id: str, provider_id: str,
                                amount: Decimal | None = None) -> tuple[Decimal, str]:
    """Validate a new session (collection open, provider enabled); returns its amount and currency."""
    found = await _SESSION_CHECK.fetch(conn, pc_id=payment_collection_id, provider_id=provider_id)
    if not found:
        raise not_found(f"Payment Collection with id: {payment_collection_id} was not found")
    pc = found[0]
    provider = get_provider(provider_id)
    if not pc["provider_enabled"] or provider is None:
        raise not_found(f"Could not find a payment provider with id: {provider_id}")
    if pc["status"] in ("authorized", "canceled") or pc["completed_at"] is not None:
        raise not_allowed(f"Cannot create a payment session for a payment collection with status {pc['status']}")
    return Decimal(amount if amount is not None else pc["amount"]), str(pc["currency_code"])


async def initiate_at_provider(*, provider_id: str, amount: Decimal, currency_code: str,
                               data: dict[str, Any] | None, context: dict[str, Any] | None) -> dict[str, Any]:
    """The provider's initiate call (outside any transaction): its session data."""
    provider = get_provider(provider_id)
    if provider is None:
        raise not_found(f"Could not find a payment provider with id: {provider_id}")
    result = await provider.initiate_payment(amount=amount, currency_code=currency_code, context=context or {},
                                             data=data or {})
    return dict(result.data or {})


async def cancel_at_provider(*, provider_id: str, data: dict[str, Any]) -> None:
    """Undo an initiate (compensation); a provider error is tolerated, the intent expires at the provider."""
    provider = get_provider(provider_id)
    if provider is not None:
        try:
            await provider.delete_payment(data=data)
        except PaymentProviderError:
            pass


async def persist_payment_session(conn: AsyncConnection, *, payment_collection_id: str, provider_id: str,
                                  amount: Decimal, currency_code: str, provider_data: dict[str, Any],
                                  context: dict[str, Any] | None = None,
                                  answer: list[dict[str, Any]] | None = None) -> str:
    """Store an initiated session, replacing the collection's pending ones; returns its id.

    `answer`: receives the collection as `retrieve_payment_collection` reads it once this commits, when the rows
    written are the whole of it (no session kept beside the new one, nothing authorised or captured)."""
    # Medusa keeps one active session per collection: older pending sessions are dropped
    live = await _LIVE_SESSIONS.fetch(conn, pc_id=payment_collection_id)
    old = [o for o in live if o["status"] not in _KEPT_SESSION]
    for o in old:
        await cancel_at_provider(provider_id=o["provider_id"], data=o["data"] or {})
    if old:
        await conn.execute(update(payment_session).where(payment_session.c.id.in_([o["id"] for o in old]))
                           .values(deleted_at=func.now()))
    session_id = generate_id("payses")
    session = await direct.insert_one(conn, payment_session, {
        "id": session_id, "currency_code": currency_code, "amount": amount, "provider_id": provider_id,
        "data": provider_data, "context": context or {}, "status": "pending",
        "payment_collection_id": payment_collection_id, "metadata": {}})
    pc = await refresh_collection_status(conn, payment_collection_id=payment_collection_id)
    if (answer is not None and pc is not None and len(old) == len(live) and not pc["authorized_amount"]
            and not pc["captured_amount"]):
        # as list_payment_collections answers it: the one live session, no payment (none is read for these)
        answer.append({**collection_dict(pc), "payment_sessions": [_session_dict(session, {})], "payments": []})
    return session_id


async def create_payment_session(conn: AsyncConnection, *, payment_collection_id: str, provider_id: str,
                                 data: dict[str, Any] | None = None, context: dict[str, Any] | None = None,
                                 amount: Decimal | None = None) -> str:
    """Replace the collection's pending sessions by a new one initiated at the provider; returns its id.

    One transaction around a provider call; `euryale.flows.cart.payment_workflows` splits it into compensable
    steps for the store route.
    """
    session_amount, currency_code = await check_session_allowed(
        conn, payment_collection_id=payment_collection_id, provider_id=provider_id, amount=amount)
    provider_data = await initiate_at_provider(provider_id=provider_id, amount=session_amount,
                                               currency_code=currency_code, data=data, context=context)
    return await persist_payment_session(conn, payment_collection_id=payment_collection_id, provider_id=provider_id,
                                         amount=session_amount, currency_code=currency_code,
                                         provider_data=provider_data, context=context)


async def delete_payment_session(conn: AsyncConnection, *, session_id: str) -> None:
    """Soft-delete a pending session (the provider intent is dropped first)."""
    s = (await conn.execute(select(payment_session).where(payment_session.c.id == session_id,
                                                          payment_session.c.deleted_at.is_(None)))).first()
    if s is None:
        return
    prov = get_provider(s.provider_id)
    if prov is not None:
        await prov.delete_payment(data=s.data or {})
    await conn.execute(update(payment_session).where(payment_session.c.id == session_id).values(deleted_at=func.now()))
    await refresh_collection_status(conn, payment_collection_id=s.payment_collection_id)


# complete-cart reads it on every completion: compiled once, fetched as asyncpg records (euryale.db.compiled)
_LIVE_SESSIONS_NEWEST_FIRST = CompiledQuery(lambda: select(payment_session).where(
    payment_session.c.payment_collection_id == bindparam("pc_id", type_=String),
    payment_session.c.deleted_at.is_(None)).order_by(payment_session.c.created_at.desc()))


async def session_for_authorization(conn: AsyncConnection, *, payment_collection_id: str) -> dict[str, Any] | None:
    """The collection's active session (authorised first), or None when the collection has none."""
    rows = [dict(r) for r in await _LIVE_SESSIONS_NEWEST_FIRST.fetch(conn, pc_id=payment_collection_id)]
    for r in rows:
        if r["status"] in ("authorized", "captured"):
            return r
    return rows[0] if rows else None


async def call_authorize(*, session: dict[str, Any], context: dict[str, Any] | None = None) -> tuple[str, dict[str, Any],
                                                                                                        str | None]:
    """Ask the provider to authorise `session` (no database access): `(status, data, error message)`."""
    provider = _provider(session["provider_id"])
    try:
        result = await provider.authorize_payment(data=session.get("data") or {}, context=context or {})
    except PaymentProviderError as exc:
        return "error", session.get("data") or {}, exc.message
    if result.status not in ("authorized", "captured"):
        return result.status, result.data, "Payment authorization failed"
    return result.status, result.data, None


_PAYMENT_OF_SESSION = CompiledQuery(lambda: select(payment).where(
    payment.c.payment_session_id == bindparam("session_id", type_=String)))


@functools.cache
def _authorization_statements() -> dict[str, Any]:
    """The writes of `record_authorization`, built once (every completed cart runs them)."""
    return {
        "authorize_session": update(payment_session).where(
            payment_session.c.id == bindparam("session_id", type_=String)).values(
            status="authorized", data=bindparam("data", type_=payment_session.c.data.type),
            authorized_at=func.now(), updated_at=func.now()),
        "insert_payment": insert(payment).returning(*payment.c),
        "set_order": update(payment).where(
            payment.c.payment_collection_id == bindparam("pc_id", type_=String), payment.c.deleted_at.is_(None)
        ).values(order_id=bindparam("order_id", type_=String)),
    }


async def record_authorization(conn: AsyncConnection, *, session: dict[str, Any], status: str, data: dict[str, Any],
                               cart_id: str | None = None, customer_id: str | None = None,
                               collections: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Persist a successful authorisation: session status, one payment row (idempotent per session). The
    collection's row as refreshed is appended to `collections` when given (nothing when the payment existed)."""
    existing = await _PAYMENT_OF_SESSION.fetch(conn, session_id=session["id"])
    if existing:
        return _payment_dict(dict(existing[0]))
    statements = _authorization_statements()
    await conn.execute(statements["authorize_session"], {"session_id": session["id"], "data": data})
    payment_id = generate_id("pay")
    row = (await conn.execute(statements["insert_payment"], {
        "id": payment_id, "amount": session["amount"], "currency_code": session["currency_code"],
        "provider_id": session["provider_id"], "cart_id": cart_id, "customer_id": customer_id, "data": data,
        "payment_collection_id": session["payment_collection_id"], "payment_session_id": session["id"],
    })).one()
    if status == "captured":
        await conn.execute(insert(capture).values(id=generate_id("capt"), payment_id=payment_id,
                                                  amount=session["amount"]))
        row = (await conn.execute(update(payment).where(payment.c.id == payment_id).values(captured_at=func.now())
                                  .returning(*payment.c))).one()
    refreshed = await refresh_collection_status(conn, payment_collection_id=session["payment_collection_id"])
    if collections is not None and refreshed is not None:
        collections.append(refreshed)
    return _payment_dict(dict(row._mapping))


async def mark_session_error(conn: AsyncConnection, *, session_id: str, status: str = "error") -> None:
    """Record a failed authorisation attempt on the session."""
    if status not in ("error", "requires_more", "pending", "canceled"):
        status = "error"
    await conn.execute(update(payment_session).where(payment_session.c.id == session_id)
                       .values(status=status, updated_at=func.now()))


async def authorize_payment_session(conn: AsyncConnection, *, session_id: str,
                                    context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Authorise a session and create its payment; raises payment_authorization_error when refused."""
    s = (await conn.execute(select(payment_session).where(payment_session.c.id == session_id,
                                                          payment_session.c.deleted_at.is_(None)))).first()
    if s is None:
        raise not_found(f"PaymentSession with id: {session_id} was not found")
    session = dict(s._mapping)
    if session["status"] in ("authorized", "captured"):
        return await record_authorization(conn, session=session, status=session["status"], data=session["data"] or {})
    status, data, error = await call_authorize(session=session, context=context)
    if error is not None:
        await mark_session_error(conn, session_id=session_id, status=status)
        raise MedusaError(MedusaErrorType.PAYMENT_AUTHORIZATION_ERROR, error)
    return await record_authorization(conn, session=session, status=status, data=data)


# --- payments --------------------------------------------------------------------------------------------------

async def retrieve_payment(conn: AsyncConnection, *, payment_id: str) -> dict[str, Any]:
    """A payment with its captures and refunds."""
    row = (await conn.execute(select(payment).where(payment.c.id == payment_id, payment.c.deleted_at.is_(None)))).first()
    if row is None:
        raise not_found(f"Payment with id: {payment_id} was not found")
    out = _payment_dict(dict(row._mapping))
    out["captures"] = [dict(r._mapping) for r in await conn.execute(
        select(capture).where(capture.c.payment_id == payment_id, capture.c.deleted_at.is_(None))
        .order_by(capture.c.created_at))]
    out["refunds"] = [dict(r._mapping) for r in await conn.execute(
        select(refund).where(refund.c.payment_id == payment_id, refund.c.deleted_at.is_(None))
        .order_by(refund.c.created_at))]
    return out


async def _sum_of(conn: AsyncConnection, table: Any, payment_id: str) -> Decimal:
    return Decimal((await conn.execute(select(func.coalesce(func.sum(table.c.amount), 0)).where(
        table.c.payment_id == payment_id, table.c.deleted_at.is_(None)))).scalar_one())


async def capture_payment(conn: AsyncConnection, *, payment_id: str, amount: Decimal | None = None,
                          captured_by: str | None = None) -> dict[str, Any]:
    """Capture (part of) an authorised payment; the remaining amount by default. Returns the payment."""
    p = await retrieve_payment(conn, payment_id=payment_id)
    if p["canceled_at"] is not None:
        raise invalid_data(f"The payment: {payment_id} has been canceled.")
    captured = await _sum_of(conn, capture, payment_id)
    remaining = Decimal(p["amount"]) - captured
    value = Decimal(amount) if amount is not None else remaining
    if value <= 0 or value > remaining:
        if remaining <= 0:
            raise invalid_data(f"The payment: {payment_id} is already fully captured.")
        raise invalid_data("You cannot capture more than the authorized amount substracted by what is already "
                           "captured.")
    data = await _provider(p["provider_id"]).capture_payment(data=p["data"] or {}, amount=value)
    # serialise concurrent captures on the payment row; the provider call above held no lock
    locked = (await conn.execute(select(payment.c.id).where(payment.c.id == payment_id).with_for_update())).first()
    assert locked is not None
    if await _sum_of(conn, capture, payment_id) + value > Decimal(p["amount"]):
        raise invalid_data("You cannot capture more than the authorized amount substracted by what is already "
                           "captured.")
    await conn.execute(insert(capture).values(id=generate_id("capt"), payment_id=payment_id, amount=value,
                                              created_by=captured_by))
    values: dict[str, Any] = {"data": data, "updated_at": func.now()}
    if captured + value >= Decimal(p["amount"]):
        values["captured_at"] = func.now()
    await conn.execute(update(payment).where(payment.c.id == payment_id).values(**values))
    await refresh_collection_status(conn, payment_collection_id=p["payment_collection_id"])
    return await retrieve_payment(conn, payment_id=payment_id)


async def refund_payment(conn: AsyncConnection, *, payment_id: str, amount: Decimal | None = None,
                         refund_reason_id: str | None = None, note: str | None = None,
                         created_by: str | None = None) -> dict[str, Any]:
    """Refund (part of) the captured amount; all that is refundable by default. Returns the payment."""
    p = await retrieve_payment(conn, payment_id=payment_id)
    captured = await _sum_of(conn, capture, payment_id)
    refunded = await _sum_of(conn, refund, payment_id)
    refundable = captured - refunded
    value = Decimal(amount) if amount is not None else refundable
    if value <= 0 or value > refundable:
        raise invalid_data("You cannot refund more than what is captured on the payment.")
    data = await _provider(p["provider_id"]).refund_payment(data=p["data"] or {}, amount=value)
    locked = (await conn.execute(select(payment.c.id).where(payment.c.id == payment_id).with_for_update())).first()
    assert locked is not None
    if await _sum_of(conn, refund, payment_id) + value > await _sum_of(conn, capture, payment_id):
        raise invalid_data("You cannot refund more than what is captured on the payment.")
    await conn.execute(insert(refund).values(id=generate_id("ref"), payment_id=payment_id, amount=value,
                                             refund_reason_id=refund_reason_id, note=note, created_by=created_by))
    await conn.execute(update(payment).where(payment.c.id == payment_id).values(data=data, updated_at=func.now()))
    await refresh_collection_status(conn, payment_collection_id=p["payment_collection_id"])
    return await retrieve_payment(conn, payment_id=payment_id)


async def cancel_payment(conn: AsyncConnection, *, payment_id: str) -> dict[str, Any]:
    """Void an authorisation: provider cancel, then `canceled_at` (captured payments cannot be canceled)."""
    p = await retrieve_payment(conn, payment_id=payment_id)
    if p["canceled_at"] is not None:
        return p
    if p["captures"]:
        raise not_allowed(f"Cannot cancel a payment: {payment_id} that has been captured.")
    data = await _provider(p["provider_id"]).cancel_payment(data=p["data"] or {})
    await conn.execute(update(payment).where(payment.c.id == payment_id, payment.c.canceled_at.is_(None))
                       .values(canceled_at=func.now(), data=data, updated_at=func.now()))
    await conn.execute(update(payment_session).where(payment_session.c.id == p["payment_session_id"])
                       .values(status="canceled", updated_at=func.now()))
    await refresh_collection_status(conn, payment_collection_id=p["payment_collection_id"])
    return await retrieve_payment(conn, payment_id=payment_id)


async def set_payment_order(conn: AsyncConnection, *, payment_collection_id: str, order_id: str) -> None:
    """Stamp the collection's payments with the order they paid for."""
    await conn.execute(_authorization_statements()["set_order"], {"pc_id": payment_collection_id,
                                                                  "order_id": order_id})
