"""Order lifecycle rules on the order module's own tables: item quantities, versions, transactions, summary,
changes (the edit log), status, returns and return reasons. Other modules are reached by flows, never from here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import crud
from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param
from euryale.errors import invalid_data, not_allowed
from euryale.ids import generate_id
from euryale.modules.order.models import (
    order_address,
    order_change,
    order_change_action,
    order_item,
    order_line_item,
    order_line_item_adjustment,
    order_line_item_tax_line,
    order_shipping,
    order_shipping_method,
    order_shipping_method_adjustment,
    order_shipping_method_tax_line,
    order_summary,
    order_table,
    order_transaction,
    return_item,
    return_reason,
    return_table,
)
from euryale.totals import to_decimal

ZERO = Decimal(0)
QUANTITY_COLUMNS = ("quantity", "fulfilled_quantity", "delivered_quantity", "shipped_quantity",
                    "return_requested_quantity", "return_received_quantity", "return_dismissed_quantity",
                    "written_off_quantity")


def now() -> datetime:
    return datetime.now(UTC)


dec = to_decimal  # exact Decimal from a DB numeric / JSON number (None → 0); flows use `orders.dec`


# ---------------------------------------------------------------------------------------------------- orders


async def get_order(conn: AsyncConnection, *, order_id: str, for_update: bool = False) -> dict[str, Any]:
    """The order row (not soft-deleted); `for_update` locks it so concurrent lifecycle steps serialize."""
    return await crud.require_row(conn, order_table, order_id, f"Order id not found: {order_id}", for_update=for_update)


async def update_order(conn: AsyncConnection, *, order_id: str, values: Mapping[str, Any]) -> None:
    """Update order columns (status, email, metadata, addresses...)."""
    await conn.execute(update(order_table).where(order_table.c.id == order_id)
                       .values(**dict(values), updated_at=func.now()))


async def bump_version(conn: AsyncConnection, *, order_id: str) -> int:
    """Every applied change moves the order to its next version (as Medusa's order changes do)."""
    result = await conn.execute(update(order_table).where(order_table.c.id == order_id)
                                .values(version=order_table.c.version + 1, updated_at=func.now())
                                .returning(order_table.c.version))
    return int(result.scalar_one())


def order_items_query() -> Any:
    """Line items joined with their order item (`detail_*`, quantities), `ids` bound to the order ids."""
    oi = order_item
    li = order_line_item
    return (select(li, oi.c.id.label("detail_id"), oi.c.order_id, oi.c.version.label("detail_version"),
                   oi.c.metadata.label("detail_metadata"), oi.c.created_at.label("detail_created_at"),
                   oi.c.updated_at.label("detail_updated_at"), oi.c.unit_price.label("detail_unit_price"),
                   oi.c.compare_at_unit_price.label("detail_compare_at_unit_price"),
                   *[oi.c[c] for c in QUANTITY_COLUMNS])
            .join(oi, oi.c.item_id == li.c.id)
            .where(any_param(oi.c.order_id), oi.c.deleted_at.is_(None), li.c.deleted_at.is_(None))
            .order_by(li.c.created_at, li.c.id))


def _shipping_methods_query() -> Any:
    sm = order_shipping_method
    os_ = order_shipping
    return (select(sm, os_.c.order_id, os_.c.id.label("detail_id"), os_.c.version.label("detail_version"),
                   os_.c.return_id, os_.c.exchange_id, os_.c.claim_id,
                   os_.c.created_at.label("detail_created_at"), os_.c.updated_at.label("detail_updated_at"))
            .join(os_, os_.c.shipping_method_id == sm.c.id)
            .where(any_param(os_.c.order_id), os_.c.deleted_at.is_(None), sm.c.deleted_at.is_(None))
            .order_by(sm.c.created_at, sm.c.id))


def live_of(table: Any, column: str) -> Any:
    """Live rows of `table` whose `column` is one of `ids`."""
    return select(table).where(any_param(table.c[column]), table.c.deleted_at.is_(None))


def _live_of(table: Any, column: str) -> CompiledQuery:
    return CompiledQuery(lambda: live_of(table, column))


# Order reads run on every admin order page and on every lifecycle step: compiled once, fetched as asyncpg
# records (euryale.db.compiled), one statement per relation whatever the number of orders.
_ORDER_ITEMS = CompiledQuery(order_items_query)
_SHIPPING_METHODS = CompiledQuery(_shipping_methods_query)
_ITEM_TAX_LINES = _live_of(order_line_item_tax_line, "item_id")
_ITEM_ADJUSTMENTS = _live_of(order_line_item_adjustment, "item_id")
_METHOD_TAX_LINES = _live_of(order_shipping_method_tax_line, "shipping_method_id")
_METHOD_ADJUSTMENTS = _live_of(order_shipping_method_adjustment, "shipping_method_id")
_TRANSACTIONS = CompiledQuery(lambda: select(order_transaction).where(
    any_param(order_transaction.c.order_id), order_transaction.c.deleted_at.is_(None))
    .order_by(order_transaction.c.created_at, order_transaction.c.id))
_CREDIT_LINE_ACTIONS = CompiledQuery(lambda: select(order_change_action).where(
    any_param(order_change_action.c.order_id), order_change_action.c.action == "CREDIT_LINE_ADD",
    order_change_action.c.applied.is_(True), order_change_action.c.deleted_at.is_(None))
    .order_by(order_change_action.c.created_at, order_change_action.c.id))


async def _grouped(conn: AsyncConnection, query: CompiledQuery, key: str,
                   ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        for r in await query.fetch(conn, ids=list(ids)):
            grouped[r[key]].append(dict(r))
    return grouped


async def order_items(conn: AsyncConnection, *, order_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Line items with their per-order detail (quantities), one query for all the given orders."""
    return [dict(r) for r in await order_item_records(conn, order_ids=order_ids)]


async def order_item_records(conn: AsyncConnection, *, order_ids: Sequence[str]) -> Sequence[Mapping[str, Any]]:
    """`order_items` as the driver's read-only records (same keys, same order), for readers that copy what they
    keep: an order page skips a dict per item."""
    if not order_ids:
        return []
    records: Sequence[Mapping[str, Any]] = await _ORDER_ITEMS.fetch(conn, ids=list(order_ids))
    return records


async def item_relations(conn: AsyncConnection, *, item_ids: Sequence[str]) -> tuple[
        dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Tax lines and adjustments of line items, grouped by item id."""
    return (await _grouped(conn, _ITEM_TAX_LINES, "item_id", item_ids),
            await _grouped(conn, _ITEM_ADJUSTMENTS, "item_id", item_ids))


async def shipping_methods(conn: AsyncConnection, *, order_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Shipping methods of the orders (through order_shipping), with tax lines and adjustments attached."""
    if not order_ids:
        return []
    rows = [dict(r) for r in await _SHIPPING_METHODS.fetch(conn, ids=list(order_ids))]
    ids = [r["id"] for r in rows]
    if ids:
        taxes = await _grouped(conn, _METHOD_TAX_LINES, "shipping_method_id", ids)
        adjs = await _grouped(conn, _METHOD_ADJUSTMENTS, "shipping_method_id", ids)
        for row in rows:
            row["tax_lines"] = taxes.get(row["id"], [])
            row["adjustments"] = adjs.get(row["id"], [])
    return rows


async def add_item_quantities(conn: AsyncConnection, *, order_id: str,
                              deltas: Mapping[str, Mapping[str, Decimal]]) -> None:
    """Add signed deltas to per-item quantity columns: `{line_item_id: {"fulfilled_quantity": 2}}`."""
    for item_id, cols in deltas.items():
        values: dict[str, Any] = {c: order_item.c[c] + d for c, d in cols.items() if c in QUANTITY_COLUMNS}
        if not values:
            continue
        await conn.execute(update(order_item)
                           .where(order_item.c.order_id == order_id, order_item.c.item_id == item_id,
                                  order_item.c.deleted_at.is_(None))
                           .values(**values, updated_at=func.now()))


# ---------------------------------------------------------------------------------------------------- totals


# An order page turns thousands of amounts into their plain form, and amounts repeat (prices, quantities, rates):
# the answer depends only on the value, so it is memoized (bounded). Zero (most totals of a fresh order) is
# answered first and kept out of the memo, because 0 and -0 are equal keys with different plain forms.
_PLAIN: dict[Decimal, Decimal] = {}
_PLAIN_MAX = 8192
_ONE = Decimal(1)
_MINUS_ZERO = Decimal("-0")


def plain(value: Decimal) -> Decimal:
    """The same number without trailing zeros nor exponent: 110.00 → 110, 2.50 → 2.5 (never 1.1E+2)."""
    if not value:
        return _MINUS_ZERO if value.is_signed() else ZERO
    found = _PLAIN.get(value)
    if found is None:
        found = value.quantize(_ONE) if value == value.to_integral_value() else value.normalize()
        if len(_PLAIN) >= _PLAIN_MAX:
            _PLAIN.clear()
        _PLAIN[value] = found
    return found


def line_totals(*, unit_price: Decimal, quantity: Decimal, tax_rates: Iterable[Decimal],
                adjustments: Iterable[Decimal], tax_inclusive: bool) -> dict[str, Decimal]:
    """Subtotal, discount, tax and total of one line (item or shipping method)."""
    rate = sum((dec(r) for r in tax_rates), ZERO) / 100
    gross = unit_price * quantity
    discount = sum((dec(a) for a in adjustments), ZERO)
    if tax_inclusive and rate:
        subtotal = gross / (1 + rate)
        discount_subtotal = discount / (1 + rate)
    else:
        subtotal = gross
        discount_subtotal = discount
    original_tax = subtotal * rate
    discount_tax = discount_subtotal * rate
    tax = (subtotal - discount_subtotal) * rate
    total = subtotal - discount_subtotal + tax
    return {
        "subtotal": subtotal, "total": total, "original_subtotal": subtotal,
        "original_total": subtotal + original_tax, "discount_subtotal": discount_subtotal,
        "discount_tax_total": discount_tax, "discount_total": discount_subtotal + discount_tax,
        "tax_total": tax, "original_tax_total": original_tax,
    }


def item_totals(item: Mapping[str, Any], taxes: Sequence[Mapping[str, Any]],
                adjustments: Sequence[Mapping[str, Any]]) -> dict[str, Decimal]:
    """Medusa's per-item totals incl. fulfilled/shipped/returned totals and what is still refundable."""
    get = item.get
    quantity = dec(item["quantity"])
    out = line_totals(unit_price=dec(item["unit_price"]), quantity=quantity,
                      tax_rates=[t["rate"] for t in taxes], adjustments=[a["amount"] for a in adjustments],
                      tax_inclusive=bool(get("is_tax_inclusive")))
    per_unit = out["total"] / quantity if quantity else ZERO
    received = dec(get("return_received_quantity"))
    written_off = dec(get("written_off_quantity"))
    out["refundable_total_per_unit"] = per_unit
    out["refundable_total"] = per_unit * (quantity - (received + written_off))
    out["fulfilled_total"] = per_unit * dec(get("fulfilled_quantity"))
    out["shipped_total"] = per_unit * dec(get("shipped_quantity"))
    out["return_requested_total"] = per_unit * dec(get("return_requested_quantity"))
    out["return_received_total"] = per_unit * received
    out["return_dismissed_total"] = per_unit * dec(get("return_dismissed_quantity"))
    out["write_off_total"] = per_unit * written_off
    # exact arithmetic, trailing zeros dropped so 25.000 serialises as 25
    return {k: plain(v) for k, v in out.items()}


def shipping_totals(method: Mapping[str, Any]) -> dict[str, Decimal]:
    """Totals of one shipping method."""
    base = line_totals(unit_price=dec(method["amount"]), quantity=_ONE,
                       tax_rates=[t["rate"] for t in method.get("tax_lines", ())],
                       adjustments=[a["amount"] for a in method.get("adjustments", ())],
                       tax_inclusive=bool(method.get("is_tax_inclusive")))
    return {k: plain(v) for k, v in base.items()}


_ITEM_SUMS = ("subtotal", "total", "tax_total", "original_subtotal", "original_total", "original_tax_total",
              "discount_total", "discount_subtotal", "discount_tax_total", "fulfilled_total", "shipped_total",
              "return_requested_total", "return_received_total", "return_dismissed_total", "write_off_total")
_SHIPPING_SUMS = ("subtotal", "total", "tax_total", "original_subtotal", "original_total", "original_tax_total",
                  "discount_total", "discount_subtotal", "discount_tax_total")


def _sums(rows: Sequence[Mapping[str, Any]], keys: tuple[str, ...]) -> dict[str, Decimal]:
    """Σ of each key over the rows' `totals` (added left to right from 0, as `sum` does)."""
    out = dict.fromkeys(keys, ZERO)
    for r in rows:
        totals = r["totals"]
        for k in keys:
            out[k] += dec(totals[k])
    return out


def order_totals(items: Sequence[Mapping[str, Any]], methods: Sequence[Mapping[str, Any]],
                 credit_line_total: Decimal = ZERO) -> dict[str, Decimal]:
    """Order-level totals from the items' and shipping methods' totals (each carrying a `totals` dict)."""
    item = _sums(items, _ITEM_SUMS)
    ship = _sums(methods, _SHIPPING_SUMS)
    original_total = item["original_total"] + ship["original_total"]
    # received returns no longer count towards what the customer owes
    total = item["total"] + ship["total"] - item["return_received_total"] - credit_line_total
    out = {
        "item_subtotal": item["subtotal"], "item_tax_total": item["tax_total"], "item_total": item["total"],
        "item_discount_total": item["discount_total"],
        "original_item_subtotal": item["original_subtotal"], "original_item_tax_total": item["original_tax_total"],
        "original_item_total": item["original_total"],
        "shipping_subtotal": ship["subtotal"], "shipping_tax_total": ship["tax_total"],
        "shipping_total": ship["total"], "shipping_discount_total": ship["discount_total"],
        "original_shipping_subtotal": ship["original_subtotal"],
        "original_shipping_tax_total": ship["original_tax_total"],
        "original_shipping_total": ship["original_total"],
        "subtotal": item["subtotal"] + ship["subtotal"],
        "discount_total": item["discount_total"] + ship["discount_total"],
        "discount_subtotal": item["discount_subtotal"] + ship["discount_subtotal"],
        "discount_tax_total": item["discount_tax_total"] + ship["discount_tax_total"],
        "tax_total": item["tax_total"] + ship["tax_total"],
        "original_tax_total": item["original_tax_total"] + ship["original_tax_total"],
        "original_subtotal": item["original_subtotal"] + ship["original_subtotal"],
        "original_total": original_total, "total": total,
        "credit_line_subtotal": credit_line_total, "credit_line_tax_total": ZERO,
        "credit_line_total": credit_line_total,
        "fulfilled_total": item["fulfilled_total"], "shipped_total": item["shipped_total"],
        "return_requested_total": item["return_requested_total"],
        "return_received_total": item["return_received_total"],
        "return_dismissed_total": item["return_dismissed_total"], "write_off_total": item["write_off_total"],
    }
    return {k: plain(v) for k, v in out.items()}


def summary_totals(*, original_total: Decimal, current_total: Decimal, transactions: Sequence[Mapping[str, Any]],
                   credit_line_total: Decimal = ZERO) -> dict[str, Decimal]:
    """`order.summary`: paid/refunded from transactions (captures +, refunds −) and the pending difference."""
    paid = sum((dec(t["amount"]) for t in transactions if dec(t["amount"]) > 0), ZERO)
    refunded = -sum((dec(t["amount"]) for t in transactions if dec(t["amount"]) < 0), ZERO)
    transaction_total = paid - refunded
    out = {
        "paid_total": paid, "refunded_total": refunded, "accounting_total": current_total,
        "credit_line_total": credit_line_total, "transaction_total": transaction_total,
        "pending_difference": current_total - transaction_total, "current_order_total": current_total,
        "original_order_total": original_total,
    }
    return {k: plain(v) for k, v in out.items()}


def with_raw(values: Mapping[str, Decimal]) -> dict[str, Any]:
    """Medusa's BigNumber companions: `total` → also `raw_total: {value, precision}`."""
    out: dict[str, Any] = dict(values)
    for k, v in values.items():
        out["raw_" + k] = {"value": str(v), "precision": 20}
    return out


async def transactions(conn: AsyncConnection, *, order_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Order transactions (payments +, refunds −) of the given orders."""
    if not order_ids:
        return []
    return [dict(r) for r in await _TRANSACTIONS.fetch(conn, ids=list(order_ids))]


async def add_transaction(conn: AsyncConnection, *, order_id: str, amount: Decimal, currency_code: str,
                          reference: str, reference_id: str, return_id: str | None = None) -> str:
    """Record money moving for the order (capture: positive amount, refund: negative)."""
    tid = generate_id("ordtrans")
    order = await get_order(conn, order_id=order_id)
    await conn.execute(insert(order_transaction).values(
        id=tid, order_id=order_id, amount=amount, currency_code=currency_code, reference=reference,
        reference_id=reference_id, return_id=return_id, version=order["version"]))
    return tid


async def compute_totals(conn: AsyncConnection, *, order_id: str) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(order totals, summary totals) of one order from its current rows."""
    items = await order_items(conn, order_ids=[order_id])
    taxes, adjs = await item_relations(conn, item_ids=[i["id"] for i in items])
    for i in items:
        i["totals"] = item_totals(i, taxes.get(i["id"], []), adjs.get(i["id"], []))
    methods = await shipping_methods(conn, order_ids=[order_id])
    for m in methods:
        m["totals"] = shipping_totals(m)
    credit = sum((dec(c["amount"]) for c in await credit_lines(conn, order_ids=[order_id])), ZERO)
    totals = order_totals(items, methods, credit)
    txs = await transactions(conn, order_ids=[order_id])
    summary = summary_totals(original_total=totals["original_total"], current_total=totals["total"],
                             transactions=txs, credit_line_total=credit)
    return totals, summary


async def refresh_summary(conn: AsyncConnection, *, order_id: str) -> dict[str, Decimal]:
    """Recompute and store `order_summary.totals` (kept in sync with every lifecycle change)."""
    _, summary = await compute_totals(conn, order_id=order_id)
    payload: dict[str, Any] = {k: float(v) if v != v.to_integral_value() else int(v) for k, v in summary.items()}
    payload.update({"raw_" + k: {"value": str(v), "precision": 20} for k, v in summary.items()})
    order = await get_order(conn, order_id=order_id)
    s = order_summary
    existing = (await conn.execute(select(s.c.id).where(s.c.order_id == order_id, s.c.deleted_at.is_(None))
                                   .order_by(s.c.version.desc()).limit(1))).scalar()
    if existing:
        await conn.execute(update(s).where(s.c.id == existing)
                           .values(totals=payload, version=order["version"], updated_at=func.now()))
    else:
        await conn.execute(insert(s).values(id=generate_id("ordsum"), order_id=order_id,
                                            version=order["version"], totals=payload))
    return summary


# ---------------------------------------------------------------------------------------------------- changes


async def record_change(conn: AsyncConnection, *, order_id: str, change_type: str | None,
                        actions: Sequence[Mapping[str, Any]], created_by: str | None = None,
                        return_id: str | None = None, status: str = "confirmed",
                        bump: bool = True) -> dict[str, Any]:
    """Append an order change with its actions to the edit log; confirmed changes bump the order version."""
    version = await bump_version(conn, order_id=order_id) if bump else (
        await get_order(conn, order_id=order_id))["version"]
    change_id = generate_id("ordch")
    ts = now()
    await conn.execute(insert(order_change).values(
        id=change_id, order_id=order_id, return_id=return_id, version=version, change_type=change_type,
        status=status, created_by=created_by, requested_by=created_by, requested_at=ts,
        confirmed_by=created_by if status == "confirmed" else None,
        confirmed_at=ts if status == "confirmed" else None))
    if actions:
        await conn.execute(insert(order_change_action), [{
            "id": generate_id("ordchact"), "ordering": n, "order_id": order_id, "return_id": return_id,
            "version": version, "order_change_id": change_id, "reference": a.get("reference"),
            "reference_id": a.get("reference_id"), "action": a["action"], "details": dict(a.get("details") or {}),
            "amount": a.get("amount"), "internal_note": a.get("internal_note"), "applied": status == "confirmed",
        } for n, a in enumerate(actions, start=1)])
    return {"id": change_id, "version": version}


async def list_changes(conn: AsyncConnection, *, order_id: str) -> list[dict[str, Any]]:
    """The order's change log, newest first, each with its actions."""
    c = order_change
    changes = [dict(r) for r in (await conn.execute(
        select(c).where(c.c.order_id == order_id, c.c.deleted_at.is_(None))
        .order_by(c.c.created_at.desc(), c.c.id.desc()))).mappings()]
    ids = [ch["id"] for ch in changes]
    acts = await crud.grouped_by(conn, order_change_action, "order_change_id", ids,
                                 order=[order_change_action.c.ordering])
    for ch in changes:
        ch["actions"] = acts.get(ch["id"], [])
    return changes


# ---------------------------------------------------------------------------------------------------- returns


async def create_return(conn: AsyncConnection, *, order_id: str, location_id: str | None,
                        created_by: str | None, no_notification: bool | None,
                        metadata: Mapping[str, Any] | None) -> str:
    """Open a return for the order (status `open`, nothing requested yet)."""
    order = await get_order(conn, order_id=order_id)
    rid = generate_id("return")
    await conn.execute(insert(return_table).values(
        id=rid, order_id=order_id, order_version=order["version"], status="open", location_id=location_id,
        created_by=created_by, no_notification=no_notification, metadata=dict(metadata) if metadata else None))
    return rid


async def get_return(conn: AsyncConnection, *, return_id: str, for_update: bool = False) -> dict[str, Any]:
    """The return row; 404 in Medusa's words when missing."""
    return await crud.require_row(conn, return_table, return_id, f"Return with id: {return_id} was not found",
                                  for_update=for_update)


async def list_returns(conn: AsyncConnection, *, filters: Mapping[str, Sequence[str]], limit: int,
                       offset: int) -> tuple[list[dict[str, Any]], int]:
    """Returns filtered by id / order_id / status, newest first, with the total count."""
    r = return_table
    cond = [r.c.deleted_at.is_(None)]
    for key in ("id", "order_id", "status"):
        if filters.get(key):
            cond.append(r.c[key].in_(list(filters[key])))
    count = int((await conn.execute(select(func.count()).select_from(r).where(*cond))).scalar_one())
    rows = await conn.execute(select(r).where(*cond).order_by(r.c.created_at.desc(), r.c.id.desc())
                              .limit(limit).offset(offset))
    return [dict(x) for x in rows.mappings()], count


async def update_return(conn: AsyncConnection, *, return_id: str, values: Mapping[str, Any]) -> None:
    await conn.execute(update(return_table).where(return_table.c.id == return_id)
                       .values(**dict(values), updated_at=func.now()))


async def return_items(conn: AsyncConnection, *, return_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Items of the given returns."""
    if not return_ids:
        return []
    ri = return_item
    rows = await conn.execute(select(ri).where(ri.c.return_id.in_(list(return_ids)), ri.c.deleted_at.is_(None))
                              .order_by(ri.c.created_at, ri.c.id))
    return [dict(r) for r in rows.mappings()]


async def upsert_return_items(conn: AsyncConnection, *, return_id: str,
                              items: Sequence[Mapping[str, Any]]) -> None:
    """Add requested quantities per line item (one return item per line item, quantities accumulate)."""
    existing = {r["item_id"]: r for r in await return_items(conn, return_ids=[return_id])}
    for it in items:
        row = existing.get(it["id"])
        if row is None:
            await conn.execute(insert(return_item).values(
                id=generate_id("retitem"), return_id=return_id, item_id=it["id"], quantity=dec(it["quantity"]),
                reason_id=it.get("reason_id"), note=it.get("internal_note") or it.get("note"),
                metadata=dict(it.get("metadata") or {})))
        else:
            await conn.execute(update(return_item).where(return_item.c.id == row["id"]).values(
                quantity=return_item.c.quantity + dec(it["quantity"]),
                reason_id=it.get("reason_id") or row["reason_id"], updated_at=func.now()))


async def receive_return_items(conn: AsyncConnection, *, return_id: str,
                               items: Sequence[Mapping[str, Any]]) -> None:
    """Add received quantities to the return's items (an item not yet on the return is added)."""
    existing = {r["item_id"]: r for r in await return_items(conn, return_ids=[return_id])}
    for it in items:
        row = existing.get(it["id"])
        qty = dec(it["quantity"])
        if row is None:
            await conn.execute(insert(return_item).values(
                id=generate_id("retitem"), return_id=return_id, item_id=it["id"], quantity=qty,
                received_quantity=qty, reason_id=it.get("reason_id"), metadata={}))
        else:
            if dec(row["received_quantity"]) + qty > dec(row["quantity"]):
                raise invalid_data(f"Cannot receive more items than what was requested to be returned for item "
                                   f"{it['id']}.")
            await conn.execute(update(return_item).where(return_item.c.id == row["id"]).values(
                received_quantity=return_item.c.received_quantity + qty, updated_at=func.now()))


# ---------------------------------------------------------------------------------------------------- return reasons


async def create_return_reason(conn: AsyncConnection, *, data: Mapping[str, Any]) -> str:
    """Create a return reason (`value` + `label`)."""
    rid = generate_id("rr")
    await conn.execute(insert(return_reason).values(id=rid, **dict(data)))
    return rid


async def get_return_reason(conn: AsyncConnection, *, reason_id: str) -> dict[str, Any]:
    return await crud.require_row(conn, return_reason, reason_id, f"Return Reason with id: {reason_id} was not found")


async def list_return_reasons(conn: AsyncConnection, *, ids: Sequence[str] | None, q: str | None, limit: int,
                              offset: int) -> tuple[list[dict[str, Any]], int]:
    """A page of live reasons (oldest first), by id and/or `q` over value, label and description."""
    cond = [return_reason.c.id.in_(list(ids))] if ids else []
    search = crud.search_condition(return_reason, q, ("value", "label", "description"))
    return await crud.list_page(conn, return_reason, conditions=cond + ([search] if search is not None else []),
                                limit=limit, offset=offset)


async def update_return_reason(conn: AsyncConnection, *, reason_id: str, data: Mapping[str, Any]) -> None:
    await get_return_reason(conn, reason_id=reason_id)
    if data:
        await crud.update_row(conn, return_reason, reason_id, data)


async def delete_return_reason(conn: AsyncConnection, *, reason_id: str) -> None:
    await get_return_reason(conn, reason_id=reason_id)
    await crud.soft_delete(conn, return_reason, [reason_id])


def ensure_not_canceled(order: Mapping[str, Any]) -> None:
    """Lifecycle steps refuse canceled orders, as Medusa's `throwIfOrderIsCancelled`."""
    if order["status"] == "canceled":
        raise not_allowed(f"Order with id {order['id']} has been canceled.")


# ---------------------------------------------------------------------------------------------------- pending changes


async def pending_change(conn: AsyncConnection, *, order_id: str, return_id: str | None,
                         change_type: str) -> dict[str, Any] | None:
    """The open (pending) change of a given type for a return, if any."""
    c = order_change
    cond = [c.c.order_id == order_id, c.c.status == "pending", c.c.change_type == change_type,
            c.c.deleted_at.is_(None)]
    if return_id is not None:
        cond.append(c.c.return_id == return_id)
    row = (await conn.execute(select(c).where(*cond).order_by(c.c.created_at.desc()).limit(1))).mappings().first()
    return dict(row) if row else None


async def open_change(conn: AsyncConnection, *, order_id: str, change_type: str, return_id: str | None,
                      created_by: str | None, description: str | None = None,
                      internal_note: str | None = None) -> dict[str, Any]:
    """Start a pending change (applied later by `confirm_change`); reuses the open one of the same type."""
    existing = await pending_change(conn, order_id=order_id, return_id=return_id, change_type=change_type)
    if existing:
        return existing
    order = await get_order(conn, order_id=order_id)
    cid = generate_id("ordch")
    await conn.execute(insert(order_change).values(
        id=cid, order_id=order_id, return_id=return_id, version=order["version"] + 1, change_type=change_type,
        status="pending", created_by=created_by, description=description, internal_note=internal_note))
    row = (await conn.execute(select(order_change).where(order_change.c.id == cid))).mappings().one()
    return dict(row)


async def add_change_actions(conn: AsyncConnection, *, change: Mapping[str, Any],
                             actions: Sequence[Mapping[str, Any]]) -> None:
    """Append actions (`{action, reference_id, details, internal_note?}`) to a pending change."""
    a = order_change_action
    start = int((await conn.execute(select(func.coalesce(func.max(a.c.ordering), 0))
                                    .where(a.c.order_change_id == change["id"]))).scalar_one())
    if actions:
        await conn.execute(insert(a), [{
            "id": generate_id("ordchact"), "ordering": start + n, "order_id": change["order_id"],
            "return_id": change["return_id"], "version": change["version"], "order_change_id": change["id"],
            "reference": act.get("reference"), "reference_id": act.get("reference_id"), "action": act["action"],
            "details": dict(act.get("details") or {}), "amount": act.get("amount"),
            "internal_note": act.get("internal_note"), "applied": False,
        } for n, act in enumerate(actions, start=1)])


async def change_actions(conn: AsyncConnection, *, change_id: str) -> list[dict[str, Any]]:
    a = order_change_action
    rows = await conn.execute(select(a).where(a.c.order_change_id == change_id, a.c.deleted_at.is_(None))
                              .order_by(a.c.ordering))
    return [dict(r) for r in rows.mappings()]


async def confirm_change(conn: AsyncConnection, *, change_id: str, confirmed_by: str | None) -> int:
    """Mark a pending change confirmed with its actions applied; the order moves to the next version."""
    row = (await conn.execute(select(order_change).where(order_change.c.id == change_id))).mappings().one()
    version = await bump_version(conn, order_id=row["order_id"])
    await conn.execute(update(order_change).where(order_change.c.id == change_id).values(
        status="confirmed", confirmed_by=confirmed_by, confirmed_at=func.now(), version=version,
        updated_at=func.now()))
    await conn.execute(update(order_change_action).where(order_change_action.c.order_change_id == change_id)
                       .values(applied=True, version=version, updated_at=func.now()))
    return version


async def cancel_change(conn: AsyncConnection, *, change_id: str, canceled_by: str | None) -> None:
    await conn.execute(update(order_change).where(order_change.c.id == change_id).values(
        status="canceled", canceled_by=canceled_by, canceled_at=func.now(), updated_at=func.now()))


async def get_address(conn: AsyncConnection, *, address_id: str | None) -> dict[str, Any] | None:
    """An order address row (shipping/billing), or None."""
    if not address_id:
        return None
    row = (await conn.execute(select(order_address).where(order_address.c.id == address_id))).mappings().first()
    return dict(row) if row else None


async def upsert_address(conn: AsyncConnection, *, address_id: str | None, data: Mapping[str, Any],
                         customer_id: str | None) -> str:
    """Update the order's address in place, or create it; returns its id."""
    if address_id:
        await conn.execute(update(order_address).where(order_address.c.id == address_id)
                           .values(**dict(data), updated_at=func.now()))
        return address_id
    new_id = generate_id("ordaddr")
    await conn.execute(insert(order_address).values(id=new_id, customer_id=customer_id, **dict(data)))
    return new_id


async def get_change_action(conn: AsyncConnection, *, action_id: str) -> dict[str, Any]:
    return await crud.require_row(conn, order_change_action, action_id,
                                  f"Order change action with id: {action_id} was not found")


async def update_change_action(conn: AsyncConnection, *, action_id: str, details: Mapping[str, Any],
                               internal_note: str | None, amount: Decimal | None = None) -> None:
    """Rewrite a pending action's details (and amount, when given)."""
    values: dict[str, Any] = {"details": dict(details), "internal_note": internal_note, "updated_at": func.now()}
    if amount is not None:
        values["amount"] = amount
    await conn.execute(update(order_change_action).where(order_change_action.c.id == action_id).values(**values))


async def delete_change_action(conn: AsyncConnection, *, action_id: str) -> None:
    await conn.execute(update(order_change_action).where(order_change_action.c.id == action_id)
                       .values(deleted_at=func.now()))


async def set_return_item(conn: AsyncConnection, *, return_id: str, item_id: str, quantity: Decimal,
                          reason_id: str | None = None) -> None:
    """Set the requested quantity of a line item on a return (0 removes it)."""
    ri = return_item
    cond = [ri.c.return_id == return_id, ri.c.item_id == item_id, ri.c.deleted_at.is_(None)]
    if quantity <= 0:
        await conn.execute(update(ri).where(*cond).values(deleted_at=func.now()))
        return
    values: dict[str, Any] = {"quantity": quantity, "updated_at": func.now()}
    if reason_id is not None:
        values["reason_id"] = reason_id
    await conn.execute(update(ri).where(*cond).values(**values))


async def dismiss_return_items(conn: AsyncConnection, *, return_id: str, items: Mapping[str, Decimal]) -> None:
    """Count damaged (dismissed) units on the return's items."""
    for item_id, qty in items.items():
        await conn.execute(update(return_item).where(
            return_item.c.return_id == return_id, return_item.c.item_id == item_id,
            return_item.c.deleted_at.is_(None)).values(
            damaged_quantity=return_item.c.damaged_quantity + qty, updated_at=func.now()))


async def delete_return(conn: AsyncConnection, *, return_id: str) -> None:
    await conn.execute(update(return_table).where(return_table.c.id == return_id).values(deleted_at=func.now()))
    await conn.execute(update(return_item).where(return_item.c.return_id == return_id).values(deleted_at=func.now()))


async def credit_lines(conn: AsyncConnection, *, order_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Credit lines of the orders: applied `CREDIT_LINE_ADD` actions of their change log (as Medusa records them),
    shaped as Medusa's `order_credit_line`."""
    if not order_ids:
        return []
    rows = await _CREDIT_LINE_ACTIONS.fetch(conn, ids=list(order_ids))
    return [{"id": r["id"], "order_id": r["order_id"], "reference": r["reference"], "reference_id": r["reference_id"],
             "amount": dec(r["amount"]), "metadata": (r["details"] or {}).get("metadata"), "version": r["version"],
             "created_at": r["created_at"], "updated_at": r["updated_at"], "deleted_at": None}
            for r in rows]


async def add_credit_line(conn: AsyncConnection, *, order_id: str, amount: Decimal, reference: str,
                          reference_id: str, created_by: str | None) -> None:
    """Credit the customer `amount` on the order (lowers its total), as a confirmed `credit_line` change."""
    await record_change(conn, order_id=order_id, change_type="credit_line", created_by=created_by, actions=[{
        "action": "CREDIT_LINE_ADD", "reference": reference, "reference_id": reference_id, "amount": amount,
        "details": {"reference": reference, "reference_id": reference_id}}])


async def add_shipping_method(conn: AsyncConnection, *, order_id: str, name: str, amount: Decimal,
                              shipping_option_id: str | None, return_id: str | None = None,
                              is_custom_amount: bool = False, data: Mapping[str, Any] | None = None,
                              metadata: Mapping[str, Any] | None = None) -> str:
    """Attach a shipping method to the order (a return's when `return_id` is given) at its current version."""
    order = await get_order(conn, order_id=order_id)
    method_id = generate_id("ordsm")
    await conn.execute(insert(order_shipping_method).values(
        id=method_id, name=name, amount=amount, shipping_option_id=shipping_option_id,
        is_custom_amount=is_custom_amount, data=dict(data or {}), metadata=dict(metadata) if metadata else None))
    await conn.execute(insert(order_shipping).values(
        id=generate_id("ordspmv"), order_id=order_id, version=order["version"], shipping_method_id=method_id,
        return_id=return_id))
    return method_id
