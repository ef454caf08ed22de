"""Orders: creation from a completed cart, and reads in Medusa's order shape with totals (store and admin).

Reads are set-based: one statement per relation for any number of orders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    Numeric,
    String,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import direct
from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param
from euryale.errors import not_found
from euryale.ids import generate_id
from euryale.modules.order import lifecycle
from euryale.modules.order.models import (
    order_address,
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
)
from euryale.totals import line_item_totals, order_totals, shipping_method_totals, to_decimal

ZERO = Decimal(0)
ADDRESS_FIELDS = ("customer_id", "company", "first_name", "last_name", "address_1", "address_2", "city",
                  "country_code", "province", "postal_code", "phone", "metadata")
LINE_FIELDS = ("title", "subtitle", "thumbnail", "variant_id", "product_id", "product_title", "product_description",
               "product_subtitle", "product_type", "product_type_id", "product_collection", "product_handle",
               "variant_sku", "variant_barcode", "variant_title", "variant_option_values", "requires_shipping",
               "is_discountable", "is_tax_inclusive", "compare_at_unit_price", "unit_price", "is_giftcard",
               "metadata")
QTY_FIELDS = ("fulfilled_quantity", "delivered_quantity", "shipped_quantity", "return_requested_quantity",
              "return_received_quantity", "return_dismissed_quantity", "written_off_quantity")


def raw(value: Any) -> dict[str, Any] | None:
    """Medusa's BigNumber companion `{value, precision}`."""
    if value is None:
        return None
    d = to_decimal(value)
    return {"value": str(d.normalize()) if d != d.to_integral_value() else str(int(d)), "precision": 20}


def summary_totals(*, total: Decimal, paid: Decimal = ZERO, refunded: Decimal = ZERO) -> dict[str, Any]:
    """`order.summary` JSON as Medusa stores it (values and their raw companions)."""
    transaction_total = paid - refunded
    values = {"paid_total": paid, "refunded_total": refunded, "accounting_total": total, "credit_line_total": ZERO,
              "transaction_total": transaction_total, "pending_difference": total - transaction_total,
              "current_order_total": total, "original_order_total": total}
    out: dict[str, Any] = {}
    for k, v in values.items():
        out[k] = v
        out["raw_" + k] = raw(v)
    return out


def _address_row(address: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not address:
        return None
    return {"id": generate_id("ordaddr"), **{k: address.get(k) for k in ADDRESS_FIELDS}}


def _adjustment_row(prefix: str, owner: Mapping[str, str], a: Mapping[str, Any]) -> dict[str, Any]:
    """An adjustment row of a line item or a shipping method (`owner`: its foreign key column and value)."""
    return {"id": generate_id(prefix), **owner, "amount": a["amount"], "code": a.get("code"),
            "promotion_id": a.get("promotion_id"), "description": a.get("description"),
            "provider_id": a.get("provider_id"), "is_tax_inclusive": bool(a.get("is_tax_inclusive"))}


def _tax_line_row(prefix: str, owner: Mapping[str, str], t: Mapping[str, Any]) -> dict[str, Any]:
    """A tax line row of a line item or a shipping method (`owner`: its foreign key column and value)."""
    return {"id": generate_id(prefix), **owner, "rate": t["rate"], "code": t["code"],
            "description": t.get("description"), "tax_rate_id": t.get("tax_rate_id"),
            "provider_id": t.get("provider_id")}


async def _insert_all(conn: AsyncConnection, batches: Iterable[tuple[Any, list[dict[str, Any]]]],
                      written: dict[str, Any] | None = None) -> None:
    """One multi-row insert per non-empty table, in the given (foreign-key) order (statements compiled once,
    `euryale.db.direct.insert_many`); with `written`, the rows as stored (every column, in the order given) under
    their table's name."""
    for table, rows in batches:
        if rows:
            stored = await direct.insert_many(conn, table, rows)
            if written is not None:
                written[table.name] = stored


async def create_order_from_cart(conn: AsyncConnection, *, cart: Mapping[str, Any],
                                written: dict[str, Any] | None = None) -> str:
    """Write the order of a cart (items, shipping, addresses, adjustments, tax lines, summary); returns its id.

    `cart` carries `items` and `shipping_methods` with their `tax_lines` and `adjustments`, the addresses and
    the cart columns (as `euryale.flows.cart.read.load_cart_state` returns them). With `written` (a dict), the
    rows are also returned as stored, by table name, for :func:`order_of_written` (same statements, each with
    `RETURNING`).
    """
    order_id = generate_id("order")
    shipping_address, billing_address = _address_row(cart.get("shipping_address")), _address_row(
        cart.get("billing_address"))
    await _insert_all(conn, [(order_address, [a for a in (shipping_address, billing_address) if a is not None])],
                      written)
    await _insert_all(conn, [(order_table, [dict(
        id=order_id, region_id=cart.get("region_id"), customer_id=cart.get("customer_id"),
        sales_channel_id=cart.get("sales_channel_id"), email=cart.get("email"),
        currency_code=cart["currency_code"], status="pending", version=1, locale=cart.get("locale"),
        shipping_address_id=shipping_address["id"] if shipping_address else None,
        billing_address_id=billing_address["id"] if billing_address else None,
        metadata=cart.get("metadata"), no_notification=False,
    )])], written)
    lines, details, adjustments, tax_lines = [], [], [], []
    for item in cart.get("items") or []:
        line_id = item.get("order_line_item_id") or generate_id("ordli")
        lines.append({"id": line_id, **{k: item.get(k) for k in LINE_FIELDS},
                      "metadata": item.get("metadata") if item.get("metadata") is not None else {},
                      "requires_shipping": bool(item.get("requires_shipping", True)),
                      "is_discountable": bool(item.get("is_discountable", True)),
                      "is_tax_inclusive": bool(item.get("is_tax_inclusive"))})
        details.append({"id": generate_id("orditem"), "order_id": order_id, "version": 1, "item_id": line_id,
                        "quantity": item["quantity"], "metadata": {}, **{k: 0 for k in QTY_FIELDS}})
        adjustments += [_adjustment_row("ordliadj", {"item_id": line_id}, a) for a in item.get("adjustments") or []]
        tax_lines += [_tax_line_row("ordlitxl", {"item_id": line_id}, t) for t in item.get("tax_lines") or []]
    await _insert_all(conn, ((order_line_item, lines), (order_item, details),
                             (order_line_item_adjustment, adjustments), (order_line_item_tax_line, tax_lines)),
                      written)
    methods, shippings, m_adj, m_tax = [], [], [], []
    for m in cart.get("shipping_methods") or []:
        mid = generate_id("ordsm")
        methods.append({"id": mid, "name": m["name"], "description": m.get("description"), "amount": m["amount"],
                        "is_tax_inclusive": bool(m.get("is_tax_inclusive")), "is_custom_amount": False,
                        "shipping_option_id": m.get("shipping_option_id"), "data": m.get("data") or {},
                        "metadata": m.get("metadata")})
        shippings.append({"id": generate_id("ordspmv"), "order_id": order_id, "version": 1,
                          "shipping_method_id": mid})
        m_adj += [_adjustment_row("ordsmadj", {"shipping_method_id": mid}, a) for a in m.get("adjustments") or []]
        m_tax += [_tax_line_row("ordsmtxl", {"shipping_method_id": mid}, t) for t in m.get("tax_lines") or []]
    await _insert_all(conn, ((order_shipping_method, methods), (order_shipping, shippings),
                             (order_shipping_method_adjustment, m_adj), (order_shipping_method_tax_line, m_tax)),
                      written)
    totals = order_totals(cart.get("items") or [], cart.get("shipping_methods") or [])
    await _insert_all(conn, [(order_summary, [{
        "id": generate_id("ordsum"), "order_id": order_id, "version": 1,
        "totals": _json_summary(summary_totals(total=totals["total"]))}])], written)
    return order_id


def order_of_written(written: Mapping[str, Any]) -> dict[str, Any]:
    """The order `create_order_from_cart(..., written=...)` wrote, as :func:`retrieve_order` reads it back after
    the commit (same rows, same order, same shape): the complete-cart answer without reading what it wrote.

    Only for an order as it was just created (one version of each item and shipping, one summary, no credit
    lines: the caller reads it instead when it wrote more)."""
    def rows(table: Any) -> list[dict[str, Any]]:
        return list(written.get(table.name) or [])
    lines = {r["id"]: r for r in rows(order_line_item)}
    # as _ORDER_ITEM_ROWS orders them
    details = [(d, lines.get(d["item_id"])) for d in sorted(rows(order_item), key=lambda d: (d["created_at"], d["id"]))]
    methods = {m["id"]: m for m in rows(order_shipping_method)}
    links = [{**s, "m": methods[s["shipping_method_id"]]}
             for s in sorted(rows(order_shipping), key=lambda s: s["created_at"]) if s["shipping_method_id"] in methods]
    owned: Owned = {k: defaultdict(list) for k in _OWNED_KEYS}
    for kind, owner_kind, table, key in _OWNED_TABLES:
        names = _OWNED_KEYS[(kind, owner_kind)][1]
        for r in rows(table):
            row = {n: r[n] for n in names}
            row[key] = r[key]
            owned[(kind, owner_kind)][r[key]].append(row)
    summaries = {s["order_id"]: dict(s["totals"] or {}) for s in rows(order_summary)}
    addrs = {a["id"]: a for a in rows(order_address)}
    found = _assemble_orders(rows(order_table), details, links, owned, summaries, addrs, {}, detailed=True)
    return found[0]


def _json_summary(summary: Mapping[str, Any]) -> dict[str, Any]:
    # JSONB keeps numbers; Decimals are written as JSON numbers through the engine's serializer
    return {k: (float(v) if isinstance(v, Decimal) and v != v.to_integral_value() else
                int(v) if isinstance(v, Decimal) else v) for k, v in summary.items()}


async def add_transaction(conn: AsyncConnection, *, order_id: str, amount: Decimal, currency_code: str,
                          reference: str, reference_id: str) -> None:
    """Record money movement on the order (capture +, refund −)."""
    await conn.execute(insert(order_transaction).values(
        id=generate_id("ordtrx"), order_id=order_id, version=1, amount=amount, currency_code=currency_code,
        reference=reference, reference_id=reference_id))


# --- reads ------------------------------------------------------------------------------------------------------


def _item_extra_totals(line: Mapping[str, Any], detail: Mapping[str, Any], t: Mapping[str, Decimal]
                       ) -> dict[str, Decimal]:
    qty = to_decimal(detail["quantity"])
    per_unit = t["total"] / qty if qty else ZERO
    per_unit = per_unit.quantize(Decimal(1)) if per_unit == per_unit.to_integral_value() else per_unit
    returned = to_decimal(detail["return_received_quantity"])
    return {
        "refundable_total_per_unit": per_unit,
        "refundable_total": per_unit * (qty - returned - to_decimal(detail["written_off_quantity"])),
        "fulfilled_total": per_unit * to_decimal(detail["fulfilled_quantity"]),
        "shipped_total": per_unit * to_decimal(detail["shipped_quantity"]),
        "return_requested_total": per_unit * to_decimal(detail["return_requested_quantity"]),
        "return_received_total": per_unit * returned,
        "return_dismissed_total": per_unit * to_decimal(detail["return_dismissed_quantity"]),
        "write_off_total": per_unit * to_decimal(detail["written_off_quantity"]),
    }


def _live(table: Any, column: str, *order: Any) -> CompiledQuery:
    """Live rows of `table` whose `column` is one of `ids`, compiled once."""
    return CompiledQuery(lambda: select(table).where(any_param(table.c[column]), table.c.deleted_at.is_(None))
                         .order_by(*order))


# Store order reads (the complete-cart answer, GET /store/orders*): statements compiled once and fetched as asyncpg
# records (euryale.db.compiled), one per relation whatever the number of orders; same statements and rows as before
_ORDER_ROWS = CompiledQuery(lambda: select(order_table).where(
    any_param(order_table.c.id), order_table.c.deleted_at.is_(None), order_table.c.is_draft_order.is_(False)))
# the item versions with their line item (`l_*` columns) beside each: one statement
_ORDER_ITEM_ROWS = CompiledQuery(lambda: select(
    order_item, *(c.label(f"l_{c.name}") for c in order_line_item.c))
    .select_from(order_item.outerjoin(order_line_item, order_line_item.c.id == order_item.c.item_id))
    .where(any_param(order_item.c.order_id), order_item.c.deleted_at.is_(None))
    .order_by(order_item.c.created_at, order_item.c.id))
_LINE_PREFIXED = tuple((f"l_{c.name}", c.name) for c in order_line_item.c)
# the order's own shipping (not a return's, exchange's or claim's) with its live method (`m_*` columns)
_SHIPPING_LINKS = CompiledQuery(lambda: select(
    order_shipping, *(c.label(f"m_{c.name}") for c in order_shipping_method.c))
    .select_from(order_shipping.join(order_shipping_method, (order_shipping_method.c.id
                                                             == order_shipping.c.shipping_method_id)
                                     & order_shipping_method.c.deleted_at.is_(None)))
    .where(any_param(order_shipping.c.order_id), order_shipping.c.deleted_at.is_(None),
           order_shipping.c.return_id.is_(None), order_shipping.c.exchange_id.is_(None),
           order_shipping.c.claim_id.is_(None)).order_by(order_shipping.c.created_at))
_METHOD_PREFIXED = tuple((f"m_{c.name}", c.name) for c in order_shipping_method.c)
# tax lines and adjustments of line items (`item_ids`) and shipping methods (`method_ids`): one UNION ALL over
# the four tables, each row tagged with its kind and owner kind; columns a table lacks are typed NULLs
_OWNED_TABLES = (
    ("tax_lines", "items", order_line_item_tax_line, "item_id"),
    ("adjustments", "items", order_line_item_adjustment, "item_id"),
    ("tax_lines", "shipping_methods", order_shipping_method_tax_line, "shipping_method_id"),
    ("adjustments", "shipping_methods", order_shipping_method_adjustment, "shipping_method_id"),
)
_OWNED_COLUMNS: dict[str, Any] = {
    "id": Text, "description": Text, "tax_rate_id": Text, "promotion_id": Text, "code": Text, "rate": Numeric,
    "amount": Numeric, "provider_id": Text, "is_tax_inclusive": Boolean, "created_at": DateTime(timezone=True),
    "updated_at": DateTime(timezone=True)}
# per (kind, owner kind): the foreign key and the columns its table has (what `_tax_line`/`_adjustment` show)
_OWNED_KEYS = {(kind, owner_kind): (key, tuple(n for n in _OWNED_COLUMNS if n in table.c))
               for kind, owner_kind, table, key in _OWNED_TABLES}


def _owned_query() -> Any:
    return union_all(*(select(
        literal_column(f"'{kind}'", Text).label("kind"), literal_column(f"'{owner_kind}'", Text).label("owner_kind"),
        table.c[key].label("owner_id"),
        *((table.c[name] if name in table.c else cast(null(), type_)).label(name)
          for name, type_ in _OWNED_COLUMNS.items()))
        .where(any_param(table.c[key], "item_ids" if owner_kind == "items" else "method_ids"),
               table.c.deleted_at.is_(None))
        for kind, owner_kind, table, key in _OWNED_TABLES))


_OWNED = CompiledQuery(_owned_query)
_SUMMARIES = _live(order_summary, "order_id", order_summary.c.version)
_LIVE_ORDER = (order_table.c.deleted_at.is_(None), order_table.c.is_draft_order.is_(False))
_CUSTOMER_COUNT = CompiledQuery(lambda: select(func.count()).select_from(order_table).where(
    order_table.c.customer_id == bindparam("customer_id", type_=String), *_LIVE_ORDER))
_CUSTOMER_PAGE = CompiledQuery(lambda: select(order_table).where(
    order_table.c.customer_id == bindparam("customer_id", type_=String), *_LIVE_ORDER)
    .order_by(order_table.c.created_at.desc(), order_table.c.id.desc())
    .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))
_ADDRESSES = CompiledQuery(lambda: select(order_address).where(any_param(order_address.c.id)))


async def _rows(conn: AsyncConnection, query: CompiledQuery, ids: Sequence[str]) -> list[dict[str, Any]]:
    return [dict(r) for r in await query.fetch(conn, ids=list(ids))] if ids else []


Owned = dict[tuple[str, str], dict[str, list[dict[str, Any]]]]


async def _owned(conn: AsyncConnection, item_ids: list[str], method_ids: list[str]) -> Owned:
    """Tax lines and adjustments by (kind, owner kind) and owner id, each row with its own table's columns."""
    out: Owned = {k: defaultdict(list) for k in _OWNED_KEYS}
    if not item_ids and not method_ids:
        return out
    for r in await _OWNED.fetch(conn, item_ids=item_ids, method_ids=method_ids):
        kind = (r["kind"], r["owner_kind"])
        key, names = _OWNED_KEYS[kind]
        row = {n: r[n] for n in names}
        row[key] = r["owner_id"]
        out[kind][r["owner_id"]].append(row)
    return out


async def _order_details(conn: AsyncConnection, order_ids: list[str]
                         ) -> tuple[list[tuple[dict[str, Any], dict[str, Any] | None]], list[dict[str, Any]]]:
    """The latest version of each item (with its line item, None when missing) and the shipping links (with their
    method, `m`): two statements."""
    latest: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any] | None]] = {}
    for r in await _ORDER_ITEM_ROWS.fetch(conn, ids=order_ids):
        d = dict(r)
        line = {name: d.pop(label) for label, name in _LINE_PREFIXED}
        key = (d["order_id"], d["item_id"])
        # only the latest version of each item counts
        if key not in latest or d["version"] >= latest[key][0]["version"]:
            latest[key] = (d, line if line["id"] is not None else None)
    links = []
    for r in await _SHIPPING_LINKS.fetch(conn, ids=order_ids):
        link = dict(r)
        link["m"] = {name: link.pop(label) for label, name in _METHOD_PREFIXED}
        links.append(link)
    return list(latest.values()), links


def _order_items(details: list[tuple[dict[str, Any], dict[str, Any] | None]], owned: Owned
                 ) -> dict[str, list[dict[str, Any]]]:
    taxes, adjs = owned[("tax_lines", "items")], owned[("adjustments", "items")]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d, line in details:
        oid, iid = d["order_id"], d["item_id"]
        if line is None or line.get("deleted_at") is not None:
            continue
        unit_price = d["unit_price"] if d["unit_price"] is not None else line["unit_price"]
        item: dict[str, Any] = {k: line[k] for k in (
            "id", "title", "subtitle", "thumbnail", "variant_id", "product_id", "product_title",
            "product_description", "product_subtitle", "product_type", "product_type_id", "product_collection",
            "product_handle", "variant_sku", "variant_barcode", "variant_title", "variant_option_values",
            "requires_shipping", "is_giftcard", "is_discountable", "is_tax_inclusive", "is_custom_price",
            "metadata")}
        item.update({
            "raw_compare_at_unit_price": raw(line["compare_at_unit_price"]), "raw_unit_price": raw(unit_price),
            "created_at": line["created_at"], "updated_at": line["updated_at"], "deleted_at": line["deleted_at"],
            "tax_lines": [_tax_line(t) for t in taxes.get(iid, [])],
            "adjustments": [_adjustment(a) for a in adjs.get(iid, [])],
            "compare_at_unit_price": line["compare_at_unit_price"], "unit_price": unit_price,
            "quantity": d["quantity"], "raw_quantity": raw(d["quantity"]),
            "line_item_metadata": line["metadata"] if line["metadata"] is not None else {},
        })
        detail = {"id": d["id"], "version": d["version"], "metadata": d["metadata"] or {}, "order_id": oid,
                  "raw_unit_price": raw(d["unit_price"]), "raw_compare_at_unit_price": raw(d["compare_at_unit_price"]),
                  "raw_quantity": raw(d["quantity"])}
        for q in QTY_FIELDS:
            detail["raw_" + q] = raw(d[q])
        detail.update({"created_at": d["created_at"], "updated_at": d["updated_at"], "deleted_at": d["deleted_at"],
                       "item_id": iid, "unit_price": d["unit_price"],
                       "compare_at_unit_price": d["compare_at_unit_price"], "quantity": d["quantity"]})
        for q in QTY_FIELDS:
            detail[q] = d[q]
        item["detail"] = detail
        it_totals = line_item_totals({**item, "quantity": d["quantity"]})
        it_totals.update(_item_extra_totals(line, d, it_totals))
        ordered = {k: it_totals[k] for k in ("subtotal", "total", "original_subtotal", "original_total",
                                     "discount_subtotal", "discount_tax_total", "discount_total", "tax_total",
                                     "original_tax_total", "refundable_total_per_unit", "refundable_total",
                                     "fulfilled_total", "shipped_total", "return_requested_total",
                                     "return_received_total", "return_dismissed_total", "write_off_total")}
        item.update(ordered)
        item.update({"raw_" + k: raw(v) for k, v in ordered.items()})
        out[oid].append(item)
    return out


def _tax_line(t: Mapping[str, Any]) -> dict[str, Any]:
    return {k: t.get(k) for k in ("id", "description", "tax_rate_id", "code", "rate", "provider_id", "created_at",
                                  "updated_at", "item_id", "shipping_method_id") if k in t}


def _adjustment(a: Mapping[str, Any]) -> dict[str, Any]:
    return {k: a.get(k) for k in ("id", "description", "promotion_id", "code", "amount", "provider_id",
                                  "is_tax_inclusive", "created_at", "updated_at", "item_id", "shipping_method_id")
            if k in a}


def _order_shipping(links: list[dict[str, Any]], owned: Owned) -> dict[str, list[dict[str, Any]]]:
    taxes, adjs = owned[("tax_lines", "shipping_methods")], owned[("adjustments", "shipping_methods")]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen: set[str] = set()
    for link in links:
        m = link["m"]
        if m["id"] in seen:
            continue
        seen.add(m["id"])
        d: dict[str, Any] = {k: m[k] for k in ("id", "name", "description", "is_tax_inclusive", "is_custom_amount",
                                               "shipping_option_id", "data", "metadata")}
        d.update({"raw_amount": raw(m["amount"]), "created_at": m["created_at"], "updated_at": m["updated_at"],
                  "deleted_at": m["deleted_at"], "tax_lines": [_tax_line(t) for t in taxes.get(m["id"], [])],
                  "adjustments": [_adjustment(a) for a in adjs.get(m["id"], [])], "amount": m["amount"],
                  "order_id": link["order_id"],
                  "detail": {"id": link["id"], "version": link["version"], "order_id": link["order_id"],
                             "return_id": None, "exchange_id": None, "claim_id": None,
                             "created_at": link["created_at"], "updated_at": link["updated_at"],
                             "deleted_at": link["deleted_at"], "shipping_method_id": m["id"]}})
        sm_totals = shipping_method_totals(d)
        keys = ("subtotal", "total", "original_subtotal", "original_total", "discount_total", "discount_subtotal",
                "discount_tax_total", "tax_total", "original_tax_total")
        d.update({k: sm_totals[k] for k in keys})
        d.update({"raw_" + k: raw(sm_totals[k]) for k in keys})
        out[link["order_id"]].append(d)
    return out


def _order_address(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: row.get(k) for k in ("id", "customer_id", "company", "first_name", "last_name", "address_1", "address_2",
                                "city", "country_code", "province", "postal_code", "phone", "metadata",
                                "created_at", "updated_at", "deleted_at")}


_SORTABLE = ("created_at", "updated_at", "display_id", "id", "status", "email")


def _ordering(order_by: str) -> list[Any]:
    """`order=-created_at` style sorting on a few columns (others fall back to newest first)."""
    name = order_by.lstrip("-")
    col = order_table.c[name] if name in _SORTABLE else order_table.c.created_at
    desc = order_by.startswith("-") or name not in _SORTABLE
    return [col.desc(), order_table.c.id.desc()] if desc else [col.asc(), order_table.c.id.asc()]


async def list_orders(conn: AsyncConnection, *, order_ids: Sequence[str] | None = None,
                      customer_id: str | None = None, limit: int = 50, offset: int = 0,
                      detailed: bool = True, order_by: str = "-created_at", with_count: bool = True
                      ) -> tuple[list[dict[str, Any]], int]:
    """Orders (newest first) in Medusa's shape with totals and summary; `(orders, count)` (count -1 when
    `with_count` is false: one statement less for callers that do not page)."""
    if order_ids is None and customer_id is not None and order_by == "-created_at":
        # the store's own orders, newest first: compiled statements
        count = int((await _CUSTOMER_COUNT.fetch(conn, customer_id=customer_id))[0][0]) if with_count else -1
        rows = [dict(r) for r in await _CUSTOMER_PAGE.fetch(conn, customer_id=customer_id, limit=limit,
                                                             offset=offset)]
        return await _orders_of_rows(conn, rows, count, detailed=detailed)
    cond: list[Any] = [order_table.c.deleted_at.is_(None), order_table.c.is_draft_order.is_(False)]
    if order_ids is not None:
        cond.append(order_table.c.id.in_(list(order_ids)))
    if customer_id is not None:
        cond.append(order_table.c.customer_id == customer_id)
    count = int((await conn.execute(select(func.count()).select_from(order_table).where(*cond))).scalar_one()
                ) if with_count else -1
    if (order_ids is not None and customer_id is None and offset == 0 and len(order_ids) <= limit
            and order_by == "-created_at"):
        # by id (retrieve): the compiled statement, newest first as the general path orders them
        rows = await _rows(conn, _ORDER_ROWS, list(dict.fromkeys(order_ids)))
        rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
    else:
        rows = [dict(r) for r in (await conn.execute(select(order_table).where(*cond)
                                                     .order_by(*_ordering(order_by))
                                                     .limit(limit).offset(offset))).mappings()]
    return await _orders_of_rows(conn, rows, count, detailed=detailed)


async def _orders_of_rows(conn: AsyncConnection, rows: list[dict[str, Any]], count: int, *, detailed: bool
                          ) -> tuple[list[dict[str, Any]], int]:
    """`list_orders`' answer for a page of order rows: relations read set-based, totals, summary."""
    ids = [r["id"] for r in rows]
    if not ids:
        return [], count
    details, links = await _order_details(conn, ids)
    owned = await _owned(conn, [d["item_id"] for d, line in details if line is not None],
                         list(dict.fromkeys(link["m"]["id"] for link in links)))
    summaries: dict[str, dict[str, Any]] = {}
    for s in await _rows(conn, _SUMMARIES, ids):
        summaries[s["order_id"]] = dict(s["totals"] or {})
    addr_ids = [a for r in rows for a in (r["shipping_address_id"], r["billing_address_id"]) if a]
    addrs = {a["id"]: a for a in await _rows(conn, _ADDRESSES, addr_ids)}
    # credit lines (refunds beyond what was owed, POST /admin/orders/:id/credit-lines) are read only for the
    # orders whose summary records some: no statement for the others
    credited = [i for i in ids if to_decimal((summaries.get(i) or {}).get("credit_line_total") or 0)]
    credits: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in await lifecycle.credit_lines(conn, order_ids=credited):
        credits[c["order_id"]].append(c)
    return _assemble_orders(rows, details, links, owned, summaries, addrs, credits, detailed=detailed), count


def _assemble_orders(rows: list[dict[str, Any]], details: list[tuple[dict[str, Any], dict[str, Any] | None]],
                     links: list[dict[str, Any]], owned: Owned, summaries: dict[str, dict[str, Any]],
                     addrs: dict[str, dict[str, Any]], credits: Mapping[str, list[dict[str, Any]]], *,
                     detailed: bool) -> list[dict[str, Any]]:
    """The orders of `rows` in Medusa's shape from their relations' rows (as read, or as just written)."""
    items, ships = _order_items(details, owned), _order_shipping(links, owned)
    out = []
    for r in rows:
        its, sms = items.get(r["id"], []), ships.get(r["id"], [])
        totals = order_totals(its, sms, credits.get(r["id"], []))
        summary = summaries.get(r["id"]) or summary_totals(total=totals["total"])
        order: dict[str, Any] = {
            "id": r["id"], "status": r["status"], "summary": summary, "currency_code": r["currency_code"],
            "display_id": r["display_id"], "custom_display_id": r["custom_display_id"], "region_id": r["region_id"],
            "email": r["email"], **totals, "created_at": r["created_at"], "updated_at": r["updated_at"],
        }
        if detailed:
            order.update({
                "customer_id": r["customer_id"], "sales_channel_id": r["sales_channel_id"], "metadata": r["metadata"],
                "locale": r["locale"], "canceled_at": r["canceled_at"], "version": r["version"],
                "credit_lines": credits.get(r["id"], []), "items": its,
                "shipping_address": _order_address(addrs.get(r["shipping_address_id"] or "")),
                "billing_address": _order_address(addrs.get(r["billing_address_id"] or "")),
                "shipping_methods": sms,
            })
        else:
            order["metadata"] = r["metadata"]
        out.append(order)
    return out


async def retrieve_order(conn: AsyncConnection, *, order_id: str, customer_id: str | None = None) -> dict[str, Any]:
    """One order in Medusa's shape (404 `Order id not found: …` when missing or not the customer's)."""
    found, _ = await list_orders(conn, order_ids=[order_id], customer_id=customer_id, limit=1, with_count=False)
    if not found:
        raise not_found(f"Order id not found: {order_id}")
    return found[0]
