"""Admin read side of orders and returns: set-based SQL (one statement per relation per page) assembled into
Medusa's order shape with computed totals, `summary`, `payment_status` and `fulfillment_status`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    DateTime,
    Integer,
    Numeric,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement, Label

from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param
from euryale.errors import invalid_data, not_found
from euryale.http.json import dumps_str_keys, wire_number
from euryale.links.models import order_fulfillment, order_payment_collection
from euryale.modules.customer.models import customer
from euryale.modules.fulfillment import service as fulfillment
from euryale.modules.fulfillment.models import fulfillment as fulfillment_table
from euryale.modules.fulfillment.service import retrieve_fulfillments
from euryale.modules.order import lifecycle as ol
from euryale.modules.order.models import (
    order_address,
    order_line_item_adjustment,
    order_line_item_tax_line,
    order_shipping,
    order_shipping_method,
    order_shipping_method_adjustment,
    order_shipping_method_tax_line,
    order_table,
    return_reason,
    return_table,
)
from euryale.modules.payment.models import payment_collection
from euryale.modules.payment.operations import collections
from euryale.modules.product.models import product, product_variant
from euryale.modules.region.models import region
from euryale.modules.sales_channel.models import sales_channel

ITEM_MONEY = ("unit_price", "compare_at_unit_price", "quantity")
DETAIL_MONEY = ("unit_price", "compare_at_unit_price", *ol.QUANTITY_COLUMNS)
ORDER_ALWAYS = ("id", "version")
# GET /admin/orders without `fields` (Medusa 2.21.2's list defaults, measured on the reference server)
ORDER_LIST_DEFAULTS = ("id", "display_id", "custom_display_id", "status", "version", "summary", "metadata",
                       "created_at", "updated_at", "locale", "payment_status", "fulfillment_status", "total", "items")
# GET /admin/orders/:id without `fields` (Medusa 2.21.2's retrieve defaults, measured on the reference server):
# no email, currency, customer, region or sales channel unless asked for; items carry their `variant`
ORDER_DETAIL_DEFAULTS = (
    "id", "display_id", "custom_display_id", "status", "version", "locale", "metadata", "region_id", "created_at",
    "updated_at", "payment_status", "fulfillment_status", "summary", "total", "subtotal", "tax_total",
    "discount_total", "discount_tax_total", "original_total", "original_subtotal", "original_tax_total",
    "item_total", "item_subtotal", "item_tax_total", "original_item_total", "original_item_subtotal",
    "original_item_tax_total", "shipping_total", "shipping_subtotal", "shipping_tax_total",
    "original_shipping_total", "original_shipping_subtotal", "original_shipping_tax_total", "credit_line_total",
    "credit_line_subtotal", "credit_line_tax_total", "items", "shipping_methods", "shipping_address",
    "billing_address", "fulfillments", "payment_collections", "credit_lines")
# keys the loaders read that Medusa 2.21.2 answers only when asked for (`fields=...payment_collections.region_id`)
PAYMENT_COLLECTION_EXTRA = ("payment_sessions", "region_id")
PAYMENT_EXTRA = ("cart_id", "customer_id", "order_id")
ORDER_RELATIONS = ("items", "shipping_methods", "summary", "shipping_address", "billing_address", "fulfillments",
                   "payment_collections", "transactions", "credit_lines")


def _raw(d: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """Add Medusa's BigNumber companion `raw_<key>: {value, precision}` of each amount (amounts as Decimal)."""
    for k in keys:
        v = d.get(k)
        if v is None:
            d["raw_" + k] = None
            continue
        if v.__class__ is not Decimal:
            v = d[k] = ol.dec(v)
        d["raw_" + k] = {"value": str(ol.plain(v)), "precision": 20}
    return d


# ---------------------------------------------------------------------------------------------------- fields


class Fields:
    """Medusa's `fields` query param, top-level projection: `id,total,*items,+payment_status,-metadata`."""

    def __init__(self, raw: str | None, always: Iterable[str] = ("id",),
                 defaults: Iterable[str] | None = None) -> None:
        self.always = set(always)
        self.defaults = set(defaults) if defaults is not None else None
        self.explicit: set[str] = set()
        self.added: set[str] = set()
        self.removed: set[str] = set()
        for token in [t.strip() for t in (raw or "").split(",") if t.strip()]:
            if token.startswith("-"):
                self.removed.add(token[1:].split(".")[0])
                continue
            name = token.lstrip("+*").split(".")[0]
            if token.startswith("+") or token.startswith("*") or "." in token:
                self.added.add(name)
            else:
                self.explicit.add(name)
        # what `project` keeps (None: every key), decided once rather than once per record
        self._keep: set[str] | None = None
        if self.explicit:
            self._keep = self.explicit | self.added | self.always
        elif self.defaults is not None:
            self._keep = self.defaults | self.added | self.always

    def keys(self) -> AbstractSet[str] | None:
        """The top-level keys `project` may keep (None: every key), so a loader can skip what is dropped."""
        if self.explicit:
            keep = self.explicit | self.added | self.always
        elif self.defaults is not None:
            keep = self.defaults | self.added | self.always
        else:
            return None
        return keep - self.removed

    def project(self, record: dict[str, Any]) -> dict[str, Any]:
        """Keep only the requested top-level keys (all defaults when no explicit field is named)."""
        keep, removed = self._keep, self.removed
        if keep is not None:
            if removed:
                return {k: v for k, v in record.items() if k in keep and k not in removed}
            return {k: v for k, v in record.items() if k in keep}
        return {k: v for k, v in record.items() if k not in removed}


def medusa_nested(record: dict[str, Any], fields: str | None, *, item_variant: bool) -> dict[str, Any]:
    """Nested keys as Medusa 2.21.2 answers them: items' `variant` only when `item_variant` (the retrieve
    defaults) or asked for; fulfillments without items/labels and with the delivery address as `{id}`, payment
    collections and payments without the extra keys above, unless asked for."""
    asked = fields or ""
    items = record.get("items")
    if (items and not item_variant and "items.variant" not in asked and isinstance(items[0], dict)
            and "variant" in items[0]):
        record["items"] = [{k: v for k, v in i.items() if k != "variant"} for i in items]
    fulfillments = record.get("fulfillments")
    if fulfillments:
        # a fulfillment's items and labels only when asked for; its delivery address is a `{id}` reference
        drop_ful = {k for k in ("items", "labels") if f"fulfillments.{k}" not in asked}
        keep_address = "fulfillments.delivery_address" in asked
        trimmed_ful = []
        for ful in fulfillments:
            out_ful = {k: v for k, v in ful.items() if k not in drop_ful}
            address = out_ful.get("delivery_address")
            if isinstance(address, dict) and not keep_address:
                out_ful["delivery_address"] = {"id": address["id"]}
            trimmed_ful.append(out_ful)
        record["fulfillments"] = trimmed_ful
    pcs = record.get("payment_collections")
    if pcs:
        drop_pc = {k for k in PAYMENT_COLLECTION_EXTRA if f"payment_collections.{k}" not in asked}
        drop_pay = {k for k in PAYMENT_EXTRA if f"payment_collections.payments.{k}" not in asked}
        trimmed = []
        for pc in pcs:
            out = {k: v for k, v in pc.items() if k not in drop_pc}
            if isinstance(out.get("payments"), list):
                out["payments"] = [{k: v for k, v in p.items() if k not in drop_pay} for p in out["payments"]]
            trimmed.append(out)
        record["payment_collections"] = trimmed
    return record


# ---------------------------------------------------------------------------------------------------- orders


def payment_status(pcs: Sequence[Mapping[str, Any]]) -> str:
    """Medusa's computed order payment status from its payment collections."""
    live = [p for p in pcs if p.get("deleted_at") is None]
    if not live:
        return "not_paid"
    if all(p["status"] == "canceled" for p in live):
        return "canceled"
    amount = sum((ol.dec(p["amount"]) for p in live if p["status"] != "canceled"), ol.ZERO)
    captured = sum((ol.dec(p["captured_amount"]) for p in live), ol.ZERO)
    refunded = sum((ol.dec(p["refunded_amount"]) for p in live), ol.ZERO)
    authorized = sum((ol.dec(p["authorized_amount"]) for p in live), ol.ZERO)
    if refunded > 0:
        return "refunded" if refunded >= captured else "partially_refunded"
    if captured > 0:
        return "captured" if captured >= amount else "partially_captured"
    if authorized > 0:
        return "authorized" if authorized >= amount else "partially_authorized"
    if any(p["status"] == "requires_action" for p in live):
        return "requires_action"
    if any(p["status"] == "awaiting" for p in live):
        return "awaiting"
    return "not_paid"


def fulfillment_status(items: Sequence[Mapping[str, Any]], fulfillments: Sequence[Mapping[str, Any]]) -> str:
    """Medusa's computed order fulfillment status from item quantities and fulfillments."""
    q = sum((ol.dec(i["quantity"]) - ol.dec(i["written_off_quantity"]) for i in items), ol.ZERO)
    f = sum((ol.dec(i["fulfilled_quantity"]) for i in items), ol.ZERO)
    s = sum((ol.dec(i["shipped_quantity"]) for i in items), ol.ZERO)
    d = sum((ol.dec(i["delivered_quantity"]) for i in items), ol.ZERO)
    if d > 0:
        return "delivered" if d >= q else "partially_delivered"
    if s > 0:
        return "shipped" if s >= q else "partially_shipped"
    if f > 0:
        return "fulfilled" if f >= q else "partially_fulfilled"
    if fulfillments and all(x["canceled_at"] is not None for x in fulfillments):
        return "canceled"
    return "not_fulfilled"


# order_items' columns that belong to the item's `detail` (order_item), not to the line item
_DETAIL_COLUMNS = frozenset({"detail_id", "order_id", "detail_version", "detail_metadata", "detail_created_at",
                             "detail_updated_at", "detail_unit_price", "detail_compare_at_unit_price",
                             *ol.QUANTITY_COLUMNS})
_METHOD_DETAIL_COLUMNS = frozenset({"detail_id", "detail_version", "return_id", "exchange_id", "claim_id",
                                    "detail_created_at", "detail_updated_at"})


def _item(row: Mapping[str, Any], taxes: Sequence[Mapping[str, Any]],
          adjs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    skip = _DETAIL_COLUMNS
    item = {k: v for k, v in row.items() if k not in skip}
    item["product_type_id"] = item.get("product_type_id")
    item["quantity"] = row["quantity"]
    item["line_item_metadata"] = row["metadata"] or {}
    item["tax_lines"] = [_raw(dict(t), ["rate"]) for t in taxes]
    item["adjustments"] = [_raw(dict(a), ["amount"]) for a in adjs]
    _raw(item, ITEM_MONEY)
    detail: dict[str, Any] = {
        "id": row["detail_id"], "version": row["detail_version"], "metadata": row["detail_metadata"] or {},
        "order_id": row["order_id"], "item_id": row["id"], "unit_price": row["detail_unit_price"],
        "compare_at_unit_price": row["detail_compare_at_unit_price"],
        "created_at": row["detail_created_at"], "updated_at": row["detail_updated_at"], "deleted_at": None,
        **{c: row[c] for c in ol.QUANTITY_COLUMNS},
    }
    item["detail"] = _raw(detail, DETAIL_MONEY)
    totals, texts = _totals_of(row, taxes, adjs)
    for key, value in totals:
        item[key] = value
    for key, text in texts:  # Medusa's BigNumber companions, a new dict each (callers may edit the record)
        item[key] = {"value": text, "precision": 20}
    return item


# An item's totals depend only on the values in this key; a page repeats them (same price, quantity, tax rate,
# quantities not yet fulfilled or returned), so each distinct line is computed once (bounded memo). The inputs
# are database numerics, which PostgreSQL never holds as -0, so equal keys give identical Decimals and texts.
ItemTotals = tuple[tuple[tuple[str, Decimal], ...], tuple[tuple[str, str], ...]]
_TOTALS_MEMO: dict[tuple[Any, ...], ItemTotals] = {}
_TOTALS_MEMO_MAX = 4096


def _totals_of(row: Mapping[str, Any], taxes: Sequence[Mapping[str, Any]],
               adjs: Sequence[Mapping[str, Any]]) -> ItemTotals:
    """(totals, raw texts) of a line item, as `(key, value)` pairs in Medusa's key order."""
    key = (row["unit_price"], row["quantity"], row["is_tax_inclusive"], row["fulfilled_quantity"],
           row["shipped_quantity"], row["return_requested_quantity"], row["return_received_quantity"],
           row["return_dismissed_quantity"], row["written_off_quantity"], tuple(t["rate"] for t in taxes),
           tuple(a["amount"] for a in adjs))
    found = _TOTALS_MEMO.get(key)
    if found is None:
        totals = ol.item_totals(row, taxes, adjs)
        found = (tuple(totals.items()), tuple(("raw_" + k, str(v)) for k, v in totals.items()))
        if len(_TOTALS_MEMO) >= _TOTALS_MEMO_MAX:
            _TOTALS_MEMO.clear()
        _TOTALS_MEMO[key] = found
    return found


class _Line:
    """An item's amounts ready for the wire (JSON numbers, shared BigNumber companions) and its exact totals."""

    __slots__ = ("totals", "prices", "quantity", "raws", "detail_prices", "detail_tail", "tail", "detail_tail_json",
                 "tail_json")

    def __init__(self, row: Mapping[str, Any], taxes: Sequence[Mapping[str, Any]],
                 adjs: Sequence[Mapping[str, Any]]) -> None:
        self.totals = ol.item_totals(row, taxes, adjs)
        self.prices = {k: _wire(row[k])[0] for k in ("unit_price", "compare_at_unit_price")}
        self.quantity = _wire(row["quantity"])[0]
        self.raws = {"raw_" + k: _wire(row[k])[1] for k in ITEM_MONEY}
        detail = {"unit_price": row["detail_unit_price"], "compare_at_unit_price": row["detail_compare_at_unit_price"],
                  **{c: row[c] for c in ol.QUANTITY_COLUMNS}}
        self.detail_prices = {k: _wire(detail[k])[0] for k in ("unit_price", "compare_at_unit_price")}
        self.detail_tail = {**{c: _wire(detail[c])[0] for c in ol.QUANTITY_COLUMNS},
                            **{"raw_" + k: _wire(detail[k])[1] for k in DETAIL_MONEY}}
        self.tail = {**{k: wire_number(v) for k, v in self.totals.items()},
                     **{"raw_" + k: {"value": str(v), "precision": 20} for k, v in self.totals.items()}}
        # the two tails as encoded members (`,"k":v,...}`): `_item_json` closes its objects with them
        self.detail_tail_json = b"," + dumps_str_keys(self.detail_tail)[1:]
        self.tail_json = b"," + dumps_str_keys(self.tail)[1:]


_WIRED: dict[Decimal, tuple[int | float, dict[str, Any]]] = {}
_WIRED_MAX = 4096


def _wire(value: Any) -> tuple[int | float | None, dict[str, Any] | None]:
    """An amount as `_raw` and the JSON encoder show it: (JSON number, `{value, precision}`), (None, None) if null.
    Memoized by value (tax rates and adjustment amounts repeat), zero apart: 0 and -0 are equal keys."""
    if value is None:
        return None, None
    found = _WIRED.get(value)
    if found is not None:
        return found
    v = value if value.__class__ is Decimal else ol.dec(value)
    found = (wire_number(v), {"value": str(ol.plain(v)), "precision": 20})
    if v and v.__class__ is value.__class__:
        if len(_WIRED) >= _WIRED_MAX:
            _WIRED.clear()
        _WIRED[v] = found
    return found


# `_TOTALS_MEMO`'s inputs plus the other amounts an item shows: one `_Line` per distinct line (bounded)
_LINES: dict[tuple[Any, ...], _Line] = {}
_LINES_MAX = 4096

# Medusa's timestamp as `euryale.http.json` writes a datetime: UTC, milliseconds (truncated, as PostgreSQL's `MS`
# and Python's isoformat both do), `Z`
_WIRE_TIMESTAMP: ColumnElement[str] = literal_column("""'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'""")
_UTC: ColumnElement[str] = literal_column("'UTC'")


def _wire_columns(query: Any, *, numerics: bool) -> Any:
    """`query` with its timestamp columns as the JSON text of the answer, and with `numerics` its numeric columns
    as their text: an order page's thousands of datetimes and Decimals are the most expensive values asyncpg
    decodes (then the timestamps went through the JSON encoder's callback one by one), and PostgreSQL writes
    them for less. Same column names, in the same order."""
    columns = []
    for c in query.selected_columns:
        element = c.element if isinstance(c, Label) else c
        if isinstance(c.type, DateTime):
            columns.append(func.to_char(func.timezone(_UTC, element), _WIRE_TIMESTAMP).label(c.name))
        elif numerics and isinstance(c.type, Numeric):
            columns.append(cast(element, Text).label(c.name))
        else:
            columns.append(c)
    return query.with_only_columns(*columns, maintain_column_froms=True)


# The records of an HTTP answer (`load_orders(wire=True)`): items with their amounts as text (an item's amounts go
# to the wire through its `_Line`, looked up by their texts, so a page only turns a distinct line's texts into
# Decimals), tax lines and adjustments with their amounts as Decimals (the `_wire` memo's keys)
_WIRE_ITEM_TAX_LINES = CompiledQuery(lambda: _wire_columns(ol.live_of(order_line_item_tax_line, "item_id"),
                                                           numerics=False))
_WIRE_ITEM_ADJUSTMENTS = CompiledQuery(lambda: _wire_columns(ol.live_of(order_line_item_adjustment, "item_id"),
                                                             numerics=False))
# the amounts of a `_WIRE_ITEMS` row an item's `_Line` reads, with `is_tax_inclusive`: its memo key's first part
_LINE_AMOUNTS = ("unit_price", "compare_at_unit_price", "detail_unit_price", "detail_compare_at_unit_price",
                 *ol.QUANTITY_COLUMNS)


def _wire_items_query() -> Any:
    """`ol.order_items_query` for the wire, with `line_amounts`: its `_LINE_AMOUNTS` and `is_tax_inclusive` in one
    text, the first part of the item's `_LINES` key (one value to read and hash instead of eleven). A numeric's
    text is exact (equal texts, equal Decimals) and never empty nor holding `|`; NULL is written as nothing."""
    typed = {c.name: c.element if isinstance(c, Label) else c for c in ol.order_items_query().selected_columns}
    pattern: ColumnElement[str] = literal_column("'" + "|".join(["%s"] * (1 + len(_LINE_AMOUNTS))) + "'")
    amounts = func.format(pattern, typed["is_tax_inclusive"], *[typed[k] for k in _LINE_AMOUNTS])
    query = _wire_columns(ol.order_items_query(), numerics=True)
    return query.add_columns(amounts.label("line_amounts"))


_WIRE_ITEMS = CompiledQuery(_wire_items_query)


async def _wire_grouped(conn: AsyncConnection, query: CompiledQuery,
                        ids: Sequence[str]) -> dict[str, list[Mapping[str, Any]]]:
    """The records of `query` grouped by `item_id` (read-only: `_wire_amounts` copies what it shows)."""
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    if ids:
        for r in await query.fetch(conn, ids=list(ids)):
            grouped[r["item_id"]].append(r)
    return grouped


def _line_key(row: Mapping[str, Any], taxes: Sequence[Mapping[str, Any]],
              adjs: Sequence[Mapping[str, Any]]) -> tuple[Any, ...]:
    """A `_WIRE_ITEMS` row's memo key: its amounts' texts (text is exact: equal texts, equal Decimals)."""
    return (row["line_amounts"], tuple(t["rate"] for t in taxes) if taxes else (),
            tuple(a["amount"] for a in adjs) if adjs else ())


def _line(key: tuple[Any, ...], row: Mapping[str, Any], taxes: Sequence[Mapping[str, Any]],
          adjs: Sequence[Mapping[str, Any]]) -> _Line:
    found = _LINES.get(key)
    if found is None:
        amounts: dict[str, Any] = {k: None if row[k] is None else Decimal(row[k]) for k in _LINE_AMOUNTS}
        amounts["is_tax_inclusive"] = row["is_tax_inclusive"]
        found = _Line(amounts, taxes, adjs)
        if len(_LINES) >= _LINES_MAX:
            _LINES.clear()
        _LINES[key] = found
    return found


def _wire_amounts(rows: Sequence[Mapping[str, Any]], key: str) -> list[dict[str, Any]]:
    """Tax lines / adjustments with their amount as a JSON number and its `raw_` companion."""
    out = []
    for r in rows:
        d = dict(r)
        d[key], d["raw_" + key] = _wire(d.get(key))
        out.append(d)
    return out


ItemLayout = tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]


def _item_layout(row: Mapping[str, Any]) -> ItemLayout:
    """The line-item columns of `order_items`' rows (its `detail` ones left out) and a getter of their values, in
    column order: decided once per page from its first row, all rows of one statement sharing their columns."""
    names = list(row.keys())
    kept = [n for n, name in enumerate(names) if name not in _DETAIL_COLUMNS and name != "line_amounts"]
    getter = itemgetter(*kept)
    return tuple(names[n] for n in kept), getter


def _item_head(row: Mapping[str, Any], line: _Line, taxes: Sequence[Mapping[str, Any]],
               adjs: Sequence[Mapping[str, Any]], layout: ItemLayout) -> dict[str, Any]:
    """An item's members up to its `detail`, in wire order (`_item_wire` and `_item_json` add the rest)."""
    item = dict(zip(layout[0], layout[1](row), strict=True))
    item.update(line.prices)  # existing keys: their place is kept
    item["product_type_id"] = item.get("product_type_id")
    item["quantity"] = line.quantity
    item["line_item_metadata"] = row["metadata"] or {}
    item["tax_lines"] = _wire_amounts(taxes, "rate") if taxes else []
    item["adjustments"] = _wire_amounts(adjs, "amount") if adjs else []
    item.update(line.raws)
    return item


def _detail_head(row: Mapping[str, Any], line: _Line) -> dict[str, Any]:
    """An item's `detail` up to its line-only tail."""
    return {"id": row["detail_id"], "version": row["detail_version"], "metadata": row["detail_metadata"] or {},
            "order_id": row["order_id"], "item_id": row["id"], **line.detail_prices,
            "created_at": row["detail_created_at"], "updated_at": row["detail_updated_at"], "deleted_at": None}


def _item_wire(row: Mapping[str, Any], line: _Line, taxes: Sequence[Mapping[str, Any]],
               adjs: Sequence[Mapping[str, Any]], layout: ItemLayout) -> dict[str, Any]:
    """`_item`'s record ready for the JSON encoder, the same bytes once encoded: amounts are JSON numbers and the
    companions are shared by equal lines, so nothing may edit it (HTTP answers only). `row` is an `order_items`
    record or dict, `layout` the `_item_layout` of its statement's rows."""
    item = _item_head(row, line, taxes, adjs, layout)
    item["detail"] = {**_detail_head(row, line), **line.detail_tail}
    item.update(line.tail)
    return item


def _item_json(row: Mapping[str, Any], line: _Line, taxes: Sequence[Mapping[str, Any]],
               adjs: Sequence[Mapping[str, Any]], layout: ItemLayout) -> orjson.Fragment:
    """`_item_wire`'s record already encoded (the same bytes): an item's 51 amounts and companions that only depend
    on its line are encoded once per distinct line (`_Line.tail_json`, `detail_tail_json`), not once per item."""
    item = _item_head(row, line, taxes, adjs, layout)
    item["detail"] = orjson.Fragment(dumps_str_keys(_detail_head(row, line))[:-1] + line.detail_tail_json)
    return orjson.Fragment(dumps_str_keys(item)[:-1] + line.tail_json)


class _Method:
    """A shipping method's amount and totals ready for the wire, and its exact totals."""

    __slots__ = ("totals", "amount", "raw_amount", "tail")

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.totals = ol.shipping_totals(row)
        self.amount, self.raw_amount = _wire(row["amount"])
        self.tail = {**{k: wire_number(v) for k, v in self.totals.items()},
                     **{"raw_" + k: {"value": str(v), "precision": 20} for k, v in self.totals.items()}}


_METHODS: dict[tuple[Any, ...], _Method] = {}
_METHODS_MAX = 1024


def _method_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    if "rates" in row:  # a `_METHOD_AMOUNTS` row
        return (row["amount"], row["is_tax_inclusive"], tuple(row["rates"] or ()), tuple(row["adjustments"] or ()))
    return (row["amount"], row["is_tax_inclusive"], tuple(t["rate"] for t in row.get("tax_lines", ())),
            tuple(a["amount"] for a in row.get("adjustments", ())))


def _amounts_of(table: Any, method_id: Any, column: str) -> Any:
    """The live `column` values of a shipping method's tax lines / adjustments, as an array (NULL: none)."""
    return (select(func.array_agg(table.c[column]))
            .where(table.c.shipping_method_id == method_id, table.c.deleted_at.is_(None)).scalar_subquery())


# When only the orders' totals need their shipping methods: what the totals read, in one statement instead of the
# methods, their tax lines and their adjustments (three)
_METHOD_AMOUNTS = CompiledQuery(lambda: (
    select(order_shipping.c.order_id, order_shipping_method.c.amount, order_shipping_method.c.is_tax_inclusive,
           _amounts_of(order_shipping_method_tax_line, order_shipping_method.c.id, "rate").label("rates"),
           _amounts_of(order_shipping_method_adjustment, order_shipping_method.c.id, "amount").label("adjustments"))
    .join(order_shipping, order_shipping.c.shipping_method_id == order_shipping_method.c.id)
    .where(any_param(order_shipping.c.order_id), order_shipping.c.deleted_at.is_(None),
           order_shipping_method.c.deleted_at.is_(None))
    .order_by(order_shipping_method.c.created_at, order_shipping_method.c.id)))


def _method(key: tuple[Any, ...], row: Mapping[str, Any]) -> _Method:
    found = _METHODS.get(key)
    if found is None:
        if "rates" in row:  # a `_METHOD_AMOUNTS` row: the shape `ol.shipping_totals` reads
            row = {"amount": row["amount"], "is_tax_inclusive": row["is_tax_inclusive"],
                   "tax_lines": [{"rate": r} for r in row["rates"] or ()],
                   "adjustments": [{"amount": a} for a in row["adjustments"] or ()]}
        found = _Method(row)
        if len(_METHODS) >= _METHODS_MAX:
            _METHODS.clear()
        _METHODS[key] = found
    return found


def _shipping_wire(row: Mapping[str, Any], method: _Method) -> dict[str, Any]:
    """`_shipping`'s record ready for the JSON encoder (see `_item_wire`)."""
    skip = _METHOD_DETAIL_COLUMNS
    m = {k: v for k, v in row.items() if k not in skip}
    m["tax_lines"] = _wire_amounts(row.get("tax_lines", ()), "rate")
    m["adjustments"] = _wire_amounts(row.get("adjustments", ()), "amount")
    m["amount"], m["raw_amount"] = method.amount, method.raw_amount
    m["detail"] = {"id": row["detail_id"], "version": row["detail_version"], "order_id": row["order_id"],
                   "return_id": row["return_id"], "exchange_id": row["exchange_id"], "claim_id": row["claim_id"],
                   "shipping_method_id": row["id"], "created_at": row["detail_created_at"],
                   "updated_at": row["detail_updated_at"], "deleted_at": None}
    m.update(method.tail)
    return m


# an order's totals depend only on its lines' and methods' keys and its credit lines (bounded memo)
_ORDER_TOTALS: dict[tuple[Any, ...], dict[str, Decimal]] = {}
_ORDER_TOTALS_MAX = 4096


def _order_totals(key: tuple[Any, ...], lines: Sequence[_Line], methods: Sequence[_Method],
                  credit: Decimal) -> dict[str, Decimal]:
    found = _ORDER_TOTALS.get(key)
    if found is None:
        found = ol.order_totals([{"totals": x.totals} for x in lines], [{"totals": x.totals} for x in methods],
                                credit)
        if len(_ORDER_TOTALS) >= _ORDER_TOTALS_MAX:
            _ORDER_TOTALS.clear()
        _ORDER_TOTALS[key] = found
    return found


def _wire_with_raw(values: Mapping[str, Decimal]) -> dict[str, Any]:
    """`ol.with_raw(values)` with the amounts as JSON numbers."""
    out: dict[str, Any] = {k: wire_number(v) for k, v in values.items()}
    for k, v in values.items():
        out["raw_" + k] = {"value": str(v), "precision": 20}
    return out


def _shipping(row: Mapping[str, Any]) -> dict[str, Any]:
    skip = _METHOD_DETAIL_COLUMNS
    m = {k: v for k, v in row.items() if k not in skip}
    m["tax_lines"] = [_raw(dict(t), ["rate"]) for t in row.get("tax_lines", [])]
    m["adjustments"] = [_raw(dict(a), ["amount"]) for a in row.get("adjustments", [])]
    _raw(m, ["amount"])
    m["detail"] = {"id": row["detail_id"], "version": row["detail_version"], "order_id": row["order_id"],
                   "return_id": row["return_id"], "exchange_id": row["exchange_id"], "claim_id": row["claim_id"],
                   "shipping_method_id": row["id"], "created_at": row["detail_created_at"],
                   "updated_at": row["detail_updated_at"], "deleted_at": None}
    m.update(ol.with_raw(ol.shipping_totals(row)))
    return m


def _collection(pc: Mapping[str, Any]) -> dict[str, Any]:
    out = _raw(dict(pc), ["amount", "authorized_amount", "captured_amount", "refunded_amount"])
    out["payments"] = [payment_view(p) for p in pc["payments"]]
    return out


def payment_view(p: Mapping[str, Any]) -> dict[str, Any]:
    """A payment as the admin API returns it (captures, refunds with their reason)."""
    out = _raw(dict(p), ["amount"])
    out["captures"] = [_raw(dict(c), ["amount"]) for c in p["captures"]]
    out["refunds"] = [_raw(dict(r), ["amount"]) for r in p["refunds"]]
    return out


def _fulfillment(f: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(f)
    out.setdefault("deleted_at", None)
    out["provider"] = {"id": f["provider_id"]} if f.get("provider_id") else None
    out["shipping_option"] = {"id": f["shipping_option_id"]} if f.get("shipping_option_id") else None
    out["items"] = [_raw({**i, "deleted_at": i.get("deleted_at")}, ["quantity"]) for i in f["items"]]
    out["labels"] = [{**lb, "deleted_at": lb.get("deleted_at")} for lb in f["labels"]]
    if f.get("delivery_address"):
        out["delivery_address"] = {**f["delivery_address"], "deleted_at": None}
    return out


# top-level keys of an order record and what each one needs loaded (the rest comes from the order row)
# (the names order_totals answers, read off an empty order so that the two never drift apart)
TOTAL_KEYS = frozenset(k for name in ol.order_totals([], []) for k in (name, "raw_" + name))
_NEEDS_ITEMS = frozenset({"items", "fulfillment_status", "summary"}) | TOTAL_KEYS
_NEEDS_METHODS = frozenset({"shipping_methods", "summary"}) | TOTAL_KEYS
_NEEDS_CREDITS = frozenset({"credit_lines", "summary"}) | TOTAL_KEYS
_NEEDS_FULFILLMENTS = frozenset({"fulfillments", "fulfillment_status"})
_NEEDS_PAYMENTS = frozenset({"payment_collections", "payment_status"})
_COMPUTED_KEYS = ("payment_status", "fulfillment_status", "summary", "items", "shipping_methods", "shipping_address",
                  "billing_address", "fulfillments", "payment_collections", "transactions", "credit_lines",
                  "customer", "sales_channel", "region")


async def load_orders(conn: AsyncConnection, *, order_ids: Sequence[str],
                      keys: AbstractSet[str] | None = None, item_variant: bool = True,
                      rows: Sequence[Mapping[str, Any]] | None = None, wire: bool = False) -> list[dict[str, Any]]:
    """Full admin order records for the given ids, in the given order (one statement per relation).

    `keys` (a `Fields.keys()` answer) limits the work to the top-level keys the caller keeps: a relation nobody
    asked for is not read, and totals are only computed when a totals key (or `summary`) is wanted. Items carry
    their `variant` (with its product) only with `item_variant`. `rows` are the order rows when the caller
    already read them (the list page: its records, `_count` column included). With `wire` the records are built
    for an HTTP answer only: amounts of items, shipping methods and totals as JSON numbers, companions shared
    (`_item_wire`), nothing to edit, and of the order row's columns only those in `keys`.
    """
    if not order_ids:
        return []
    ids = list(order_ids)

    def wants(*names: str) -> bool:
        return keys is None or any(n in keys for n in names)

    def needs(group: AbstractSet[str]) -> bool:
        return keys is None or not group.isdisjoint(keys)

    if rows is None:
        rows = list((await _by_id(conn, order_table, ids)).values())
    by_id = {r["id"]: r for r in rows}
    with_totals = needs(TOTAL_KEYS) or wants("summary")
    items: Sequence[Mapping[str, Any]] = []
    if needs(_NEEDS_ITEMS):
        # a wire answer copies what it keeps of each item: the driver's records are read as they come
        items = await (_WIRE_ITEMS.fetch(conn, ids=ids) if wire else ol.order_items(conn, order_ids=ids))
    layout = _item_layout(items[0]) if wire and items else None
    taxes: Mapping[str, Sequence[Mapping[str, Any]]] = {}
    adjs: Mapping[str, Sequence[Mapping[str, Any]]] = {}
    if (with_totals or wants("items")) and wire:
        item_ids = [i["id"] for i in items]
        taxes = await _wire_grouped(conn, _WIRE_ITEM_TAX_LINES, item_ids)
        adjs = await _wire_grouped(conn, _WIRE_ITEM_ADJUSTMENTS, item_ids)
    elif with_totals or wants("items"):
        taxes, adjs = await ol.item_relations(conn, item_ids=[i["id"] for i in items])
    methods: Sequence[Mapping[str, Any]] = []
    if wire and keys is not None and "shipping_methods" not in keys and needs(_NEEDS_METHODS):
        methods = await _METHOD_AMOUNTS.fetch(conn, ids=ids)  # the totals' inputs only
    elif needs(_NEEDS_METHODS):
        methods = await ol.shipping_methods(conn, order_ids=ids)
    txs = await ol.transactions(conn, order_ids=ids) if wants("summary", "transactions") else []
    credits = await ol.credit_lines(conn, order_ids=ids) if needs(_NEEDS_CREDITS) else []
    addresses: dict[str, dict[str, Any]] = {}
    if wants("shipping_address", "billing_address"):
        addr_ids = [a for r in rows for a in (r["shipping_address_id"], r["billing_address_id"]) if a]
        for a in (await _by_id(conn, order_address, addr_ids)).values():
            addresses[a["id"]] = {**a, "deleted_at": None}
    ful_links: dict[str, list[str]] = {}
    fuls: dict[str, dict[str, Any]] = {}
    if needs(_NEEDS_FULFILLMENTS):
        ful_links = await _linked(conn, order_fulfillment, "fulfillment_id", ids)
        ful_ids = [f for fs in ful_links.values() for f in fs]
        if ful_ids and wants("fulfillments"):
            fuls = {f["id"]: f for f in await retrieve_fulfillments(conn, ids=ful_ids)}
        elif ful_ids:  # the status only reads the fulfillment rows
            fuls = await _by_id(conn, fulfillment_table, ful_ids, live=True)
    pay_links: dict[str, list[str]] = {}
    pcs: dict[str, dict[str, Any]] = {}
    if needs(_NEEDS_PAYMENTS):
        pay_links = await _linked(conn, order_payment_collection, "payment_collection_id", ids)
        pc_ids = [p for ps in pay_links.values() for p in ps]
        if pc_ids and wants("payment_collections"):
            pcs = {p["id"]: p for p in await collections(conn, collection_ids=pc_ids)}
        elif pc_ids:  # the status only reads the collection rows, not their payments and sessions
            pcs = await _by_id(conn, payment_collection, pc_ids, live=True)
    with_variants = item_variant and wants("items")
    variants = (await _variants(conn, [i["variant_id"] for i in items if i["variant_id"]])
                if with_variants else {})
    customers = await _by_id(conn, customer, [r["customer_id"] for r in rows]) if wants("customer") else {}
    channels = (await _by_id(conn, sales_channel, [r["sales_channel_id"] for r in rows])
                if wants("sales_channel") else {})
    regions = await _by_id(conn, region, [r["region_id"] for r in rows]) if wants("region") else {}

    items_of: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for i in items:
        items_of[i["order_id"]].append(i)
    methods_of: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for m in methods:
        methods_of[m["order_id"]].append(m)
    credits_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in credits:
        credits_of[c["order_id"]].append(c)
    txs_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in txs:
        txs_of[t["order_id"]].append(t)
    no_rows: list[dict[str, Any]] = []

    # the keys decided once for the page, not once per order
    want = {k for k in _COMPUTED_KEYS if wants(k)}
    # the order row's columns an order record copies: a wire record only those that its projection keeps (an
    # order row has 40 columns, the benchmark's list keeps 6), never the list page's `_count`
    columns = [k for k in rows[0].keys() if k != "_count" and (not wire or keys is None or k in keys)] if rows else []
    kept = _kept_totals(keys)
    out: list[dict[str, Any]] = []
    for oid in ids:
        row = by_id.get(oid)
        if row is None:
            continue
        o_items = items_of.get(oid, no_rows)
        o_credits = credits_of.get(oid, no_rows)
        o_txs = txs_of.get(oid, no_rows)
        order = {k: row[k] for k in columns}
        if ("payment_status" in want):
            order["payment_status"] = payment_status([pcs[p] for p in pay_links.get(oid, []) if p in pcs])
        if ("fulfillment_status" in want):
            order["fulfillment_status"] = fulfillment_status(
                o_items, [fuls[f] for f in ful_links.get(oid, []) if f in fuls])
        totals: dict[str, Decimal] = {}
        credit = ol.ZERO
        if wire:
            # each distinct line's amounts and totals are computed once (memo), the order's from their keys
            o_methods = methods_of.get(oid, no_rows)
            line_keys = []
            lines = []
            views: list[Any] = []  # dicts (`_item_wire`) or encoded items (`_item_json`)
            for i in o_items:
                i_taxes, i_adjs = taxes.get(i["id"], no_rows), adjs.get(i["id"], no_rows)
                line_key = _line_key(i, i_taxes, i_adjs)
                line = _line(line_key, i, i_taxes, i_adjs)
                line_keys.append(line_key)
                lines.append(line)
                if "items" in want:
                    assert layout is not None  # set whenever there are items
                    views.append(_item_wire(i, line, i_taxes, i_adjs, layout) if with_variants
                                 else _item_json(i, line, i_taxes, i_adjs, layout))
            method_keys = [_method_key(m) for m in o_methods]
            methods_w = [_method(k, m) for k, m in zip(method_keys, o_methods, strict=True)]
            mviews = ([_shipping_wire(m, mw) for m, mw in zip(o_methods, methods_w, strict=True)]
                      if "shipping_methods" in want else [])
            if with_totals:
                credit = sum((c["amount"] for c in o_credits), ol.ZERO)
                totals = _order_totals((tuple(line_keys), tuple(method_keys), credit), lines, methods_w, credit)
        else:
            views = ([_item(i, taxes.get(i["id"], no_rows), adjs.get(i["id"], no_rows)) for i in o_items]
                     if with_totals or ("items" in want) else [])
            mviews = [_shipping(m) for m in methods_of.get(oid, no_rows)]
            if with_totals:
                credit = sum((c["amount"] for c in o_credits), ol.ZERO)
                totals = ol.order_totals([{"totals": v} for v in views], [{"totals": m} for m in mviews], credit)
        if totals and ("summary" in want):
            summary = ol.summary_totals(original_total=totals["original_total"], current_total=totals["total"],
                                        transactions=o_txs, credit_line_total=credit)
            order["summary"] = _wire_with_raw(summary) if wire else ol.with_raw(summary)
        if ("items" in want):
            if with_variants:
                for v in views:
                    v["variant"] = variants.get(v["variant_id"] or "")
            order["items"] = views
        if ("shipping_methods" in want):
            order["shipping_methods"] = mviews
        if ("shipping_address" in want):
            order["shipping_address"] = addresses.get(row["shipping_address_id"] or "")
        if ("billing_address" in want):
            order["billing_address"] = addresses.get(row["billing_address_id"] or "")
        if ("fulfillments" in want):
            order["fulfillments"] = [_fulfillment(fuls[f]) for f in ful_links.get(oid, []) if f in fuls]
        if ("payment_collections" in want):
            order["payment_collections"] = [_collection(pcs[p]) for p in pay_links.get(oid, []) if p in pcs]
        if ("transactions" in want):
            order["transactions"] = [_raw({**t, "return": None, "exchange": None, "claim": None}, ["amount"])
                                     for t in o_txs]
        if ("credit_lines" in want):
            order["credit_lines"] = [_raw({**c, "subtotal": c["amount"], "total": c["amount"]},
                                          ["amount", "subtotal", "total"]) for c in o_credits]
        if ("customer" in want):
            order["customer"] = customers.get(row["customer_id"] or "")
        if ("sales_channel" in want):
            order["sales_channel"] = channels.get(row["sales_channel_id"] or "")
        if ("region" in want):
            order["region"] = regions.get(row["region_id"] or "")
        if totals:
            order.update(_totals_kept(totals, keys, wire, kept))
        out.append(order)
    return out


_TOTAL_NAMES = tuple(ol.order_totals([], []))  # in the order `order_totals` answers them


def _kept_totals(keys: AbstractSet[str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The totals, then the totals whose `raw_` companion, the projection keeps (decided once per page)."""
    if keys is None:
        return _TOTAL_NAMES, _TOTAL_NAMES
    return (tuple(n for n in _TOTAL_NAMES if n in keys), tuple(n for n in _TOTAL_NAMES if "raw_" + n in keys))


def _totals_kept(totals: Mapping[str, Decimal], keys: AbstractSet[str] | None, wire: bool,
                 kept: tuple[tuple[str, ...], tuple[str, ...]]) -> dict[str, Any]:
    """`ol.with_raw(totals)` limited to the keys the projection keeps (`_kept_totals`: 4 of the 72 on the
    benchmark's list), in the same order; amounts as JSON numbers with `wire`."""
    if keys is None:
        return _wire_with_raw(totals) if wire else ol.with_raw(totals)
    names, raw_names = kept
    out: dict[str, Any] = {k: wire_number(totals[k]) for k in names} if wire else {k: totals[k] for k in names}
    for k in raw_names:
        out["raw_" + k] = {"value": str(totals[k]), "precision": 20}
    return out


_BY_ID: dict[tuple[Any, bool], CompiledQuery] = {}
_LINKED: dict[Any, CompiledQuery] = {}


async def _by_id(conn: AsyncConnection, table: Any, ids: Sequence[str | None], *,
                 live: bool = False) -> dict[str, dict[str, Any]]:
    """Rows of `table` by id (only those not soft-deleted with `live`), one compiled statement per table."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    query = _BY_ID.get((table, live))
    if query is None:
        query = _BY_ID[(table, live)] = CompiledQuery(lambda: select(table).where(
            any_param(table.c.id), *([table.c.deleted_at.is_(None)] if live else [])))
    return {r["id"]: dict(r) for r in await query.fetch(conn, ids=wanted)}


async def _variants(conn: AsyncConnection, variant_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Line items' variants with their product (`type`/`collection` as `{id}`), two queries per page."""
    variants = await _by_id(conn, product_variant, variant_ids)
    products = await _by_id(conn, product, [v["product_id"] for v in variants.values()])
    for v in variants.values():
        p = products.get(v["product_id"] or "")
        if p is not None:
            p = dict(p)
            p["type"] = {"id": p["type_id"]} if p.get("type_id") else None
            p["collection"] = {"id": p["collection_id"]} if p.get("collection_id") else None
        v["product"] = p
    return variants


async def _linked(conn: AsyncConnection, table: Any, right: str, order_ids: list[str]) -> dict[str, list[str]]:
    query = _LINKED.get(table)
    if query is None:
        query = _LINKED[table] = CompiledQuery(lambda: select(table.c.order_id, table.c[right])
                                               .where(any_param(table.c.order_id), table.c.deleted_at.is_(None))
                                               .order_by(table.c.created_at, table.c.id))
    out: dict[str, list[str]] = {}
    for oid, rid in await query.fetch(conn, ids=order_ids):
        out.setdefault(oid, []).append(rid)
    return out


async def retrieve_admin_order(conn: AsyncConnection, *, order_id: str, fields: str | None = None,
                               defaults: Sequence[str] | None = None, wire: bool = False) -> dict[str, Any]:
    """One order in the admin shape; 404 in Medusa's words. `defaults` limits the keys (and the relations read)
    when `fields` names none: the HTTP routes pass ORDER_DETAIL_DEFAULTS, internal callers want every key.
    `wire`: the record only goes to the JSON encoder (see `load_orders`)."""
    f = Fields(fields, ORDER_ALWAYS, defaults=defaults)
    item_variant = defaults is None or not f.explicit or "items.variant" in (fields or "")
    keys = f.keys()
    # `deleted_at` is read below; the projection drops it when it is not asked for
    found = await load_orders(conn, order_ids=[order_id], keys=None if defaults is None or keys is None
                              else keys | {"deleted_at"}, item_variant=item_variant, wire=wire)
    if not found or found[0]["deleted_at"] is not None:
        raise not_found(f"Order with id: {order_id} was not found")
    if defaults is None:
        return f.project(found[0])
    return medusa_nested(f.project(found[0]), fields, item_variant=not f.explicit)


_ORDERABLE = {"created_at", "updated_at", "display_id", "id", "email", "status", "currency_code"}


def _date_filter(column: ColumnElement[Any], spec: Any, name: str) -> list[ColumnElement[bool]]:
    ops = {"$gt": column.__gt__, "$gte": column.__ge__, "$lt": column.__lt__, "$lte": column.__le__}
    if not isinstance(spec, dict):
        raise invalid_data(f"Invalid request: Expected type: 'object' for field '{name}', got: 'string'")
    out: list[ColumnElement[bool]] = []
    for op, value in spec.items():
        if op not in ops:
            raise invalid_data(f"Invalid request: Unrecognized fields: '{op}'")
        out.append(ops[op](cast(value, order_table.c.created_at.type)))
    return out


_UNFILTERED_PAGES: dict[tuple[str, bool, frozenset[str] | None], CompiledQuery] = {}
_UNFILTERED_PAGES_MAX = 64  # `fields` choose the wire columns: a bounded number of statements
# the order row's columns `load_orders` reads, whatever the keys it keeps
_ORDER_ROW_READS = frozenset({"id", "customer_id", "sales_channel_id", "region_id", "shipping_address_id",
                              "billing_address_id"})


def _unfiltered_page(col_name: str, desc: bool, wire_keys: AbstractSet[str] | None = None) -> CompiledQuery:
    """Live non-draft orders sorted by `col_name` (then id), with the total count, `limit`/`offset` bound. With
    `wire_keys` (the keys of a wire answer) only the columns it keeps or `load_orders` reads, timestamps as their
    JSON text (`_wire_columns`): 6 of the 40 columns on the benchmark's list."""
    columns = None
    if wire_keys is not None:
        columns = frozenset(c.name for c in order_table.c if c.name in wire_keys or c.name in _ORDER_ROW_READS)
    query = _UNFILTERED_PAGES.get((col_name, desc, columns))
    if query is None:
        if columns is not None and len(_UNFILTERED_PAGES) >= _UNFILTERED_PAGES_MAX:
            return _unfiltered_page(col_name, desc)
        o = order_table
        col = o.c[col_name]
        kept = [c for c in o.c if columns is None or c.name in columns]

        def build() -> Any:
            page = (select(*kept, func.count().over().label("_count"))
                    .where(o.c.deleted_at.is_(None), o.c.is_draft_order.is_(False))
                    .order_by(col.desc() if desc else col.asc(), o.c.id.desc() if desc else o.c.id.asc())
                    .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))
            return page if columns is None else _wire_columns(page, numerics=False)

        query = _UNFILTERED_PAGES[(col_name, desc, columns)] = CompiledQuery(build)
    return query


async def list_admin_orders(conn: AsyncConnection, *, filters: Mapping[str, Any], limit: int, offset: int,
                            order: str | None, fields: str | None,
                            defaults: Sequence[str] | None = None,
                            wire: bool = False) -> tuple[list[dict[str, Any]], int]:
    """Orders matching Medusa's admin list filters, with the total count; `defaults` limits the keys when
    `fields` names none (the HTTP list passes ORDER_LIST_DEFAULTS; the CSV export wants every key). `wire`: the
    records only go to the JSON encoder (see `load_orders`)."""
    o = order_table
    cond: list[ColumnElement[bool]] = [o.c.deleted_at.is_(None), o.c.is_draft_order.is_(False)]
    for key in ("id", "status", "sales_channel_id", "region_id", "customer_id", "currency_code", "email"):
        values = filters.get(key)
        if values:
            cond.append(o.c[key].in_(list(values)))
    q = filters.get("q")
    if q:
        like = f"%{q}%"
        cond.append(or_(o.c.email.ilike(like), cast(o.c.display_id, String).ilike(like), o.c.id.ilike(like)))
    for key in ("created_at", "updated_at"):
        if filters.get(key) is not None:
            cond.extend(_date_filter(o.c[key], filters[key], key))
    sort = order or "-created_at"
    desc = sort.startswith("-")
    col_name = sort.lstrip("-")
    if col_name not in _ORDERABLE:
        col_name = "created_at"
    col = o.c[col_name]
    ordering = [col.desc() if desc else col.asc(), o.c.id.desc() if desc else o.c.id.asc()]
    # the page and the total count in one statement; past the last page no row carries the count
    page: Sequence[Any]  # asyncpg records or SQLAlchemy row mappings
    f = Fields(fields, ORDER_ALWAYS, defaults=defaults)
    keys = f.keys()
    if len(cond) == 2:  # no filter (the admin's order list as it opens): a statement compiled once per sort
        page = await _unfiltered_page(col_name, desc, keys if wire else None).fetch(conn, limit=limit, offset=offset)
    else:
        page = (await conn.execute(select(o, func.count().over().label("_count")).where(and_(*cond))
                                   .order_by(*ordering).limit(limit).offset(offset))).mappings().all()
    if page:
        count = int(page[0]["_count"])
    else:
        count = int((await conn.execute(select(func.count()).select_from(o).where(and_(*cond)))).scalar_one())
    rows: Sequence[Any] = page  # records or row mappings; `load_orders` leaves `_count` out
    # Medusa's list answers items without their variant unless `items.variant` is asked for: not read at all
    item_variant = defaults is None or "items.variant" in (fields or "")
    found = await load_orders(conn, order_ids=[r["id"] for r in rows], keys=keys, item_variant=item_variant,
                              rows=rows, wire=wire)
    if defaults is None:
        return [f.project(x) for x in found], count
    return [medusa_nested(f.project(x), fields, item_variant=False) for x in found], count


# ---------------------------------------------------------------------------------------------------- returns


async def load_returns(conn: AsyncConnection, *, return_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Returns with `items` (each with `item: {id}`, `detail` of the order item and `reason`)."""
    found = await _by_id(conn, return_table, return_ids)
    rows = [found[i] for i in return_ids if i in found and found[i]["deleted_at"] is None]
    ritems = await ol.return_items(conn, return_ids=[r["id"] for r in rows])
    order_ids = list({r["order_id"] for r in rows})
    details = {(i["order_id"], i["id"]): i for i in await ol.order_items(conn, order_ids=order_ids)}
    reason_ids = [i["reason_id"] for i in ritems if i["reason_id"]]
    reasons = await _by_id(conn, return_reason, reason_ids)
    out = []
    for r in rows:
        ret = _raw(dict(r), ["refund_amount"])
        its = []
        for i in ritems:
            if i["return_id"] != r["id"]:
                continue
            view = _raw(dict(i), ["quantity", "received_quantity", "damaged_quantity"])
            view["metadata"] = i["metadata"] or {}
            view["item"] = {"id": i["item_id"]}
            view["reason"] = reasons.get(i["reason_id"] or "")
            d = details.get((r["order_id"], i["item_id"]))
            view["detail"] = None if d is None else _raw({
                "id": d["detail_id"], "version": d["detail_version"], "metadata": d["detail_metadata"] or {},
                "order_id": d["order_id"], "item_id": d["id"], "unit_price": d["unit_price"],
                "compare_at_unit_price": d["compare_at_unit_price"], "created_at": d["detail_created_at"],
                "updated_at": d["detail_updated_at"], "deleted_at": None,
                **{c: d[c] for c in ol.QUANTITY_COLUMNS}}, DETAIL_MONEY)
            its.append(view)
        ret["items"] = its
        out.append(ret)
    return out


async def retrieve_return(conn: AsyncConnection, *, return_id: str, fields: str | None = None) -> dict[str, Any]:
    found = await load_returns(conn, return_ids=[return_id])
    if not found:
        raise not_found(f"Return with id: {return_id} was not found")
    return Fields(fields).project(found[0])


def money(value: Any) -> Decimal:
    return ol.dec(value)


async def order_preview(conn: AsyncConnection, *, order_id: str, return_id: str | None) -> dict[str, Any]:
    """The order as it would look after its pending change, with that change (`order_change`) and its actions
    (neither key without one)."""
    order = await retrieve_admin_order(conn, order_id=order_id)
    change = None
    for kind in ("return_receive", "return_request"):
        change = await ol.pending_change(conn, order_id=order_id, return_id=return_id, change_type=kind)
        if change:
            break
    if change is not None:
        change = dict(change)
        change["actions"] = [_raw(a, ["amount"]) for a in await ol.change_actions(conn, change_id=change["id"])]
        pending: dict[str, Decimal] = {}
        for a in change["actions"]:
            ref = a["details"].get("reference_id")
            pending[ref] = pending.get(ref, ol.ZERO) + ol.dec(a["details"].get("quantity"))
        for item in order["items"]:
            item["actions"] = [a for a in change["actions"] if a["details"].get("reference_id") == item["id"]]
        change.setdefault("carry_over_promotions", None)
        change.setdefault("no_notification", None)
        change["order"] = {
            "id": order["id"], "version": order["version"], "email": order["email"],
            "summary": [{"id": None, "totals": order["summary"]}],
            "items": [{**i["detail"], "item": {k: v for k, v in i.items() if k not in ("detail", "actions")}}
                      for i in order["items"]],
            "shipping_methods": [{**m["detail"], "shipping_method": {k: v for k, v in m.items() if k != "detail"},
                                  "return": None, "exchange": None, "claim": None}
                                 for m in order["shipping_methods"]],
            "transactions": order["transactions"], "credit_lines": [],
        }
        order["order_change"] = change
    # no active change: Medusa's preview is the order itself, without `order_change` or items' `actions`
    return order


async def order_shipping_options(conn: AsyncConnection, *, order_id: str, is_return: bool) -> list[dict[str, Any]]:
    """Shipping options an order can use (its channel's locations, its shipping address), priced in its currency."""
    order = await ol.get_order(conn, order_id=order_id)
    address = await ol.get_address(conn, address_id=order["shipping_address_id"])
    options = await fulfillment.list_shipping_options_for_context(
        conn, sales_channel_id=order["sales_channel_id"], address=address, is_return=is_return)
    prices = await fulfillment.shipping_option_prices(conn, option_ids=[o["id"] for o in options],
                                                      currency_code=order["currency_code"],
                                                      region_id=order["region_id"])
    out = []
    for o in options:
        amount = prices.get(o["id"])
        out.append({**o, "amount": amount, "calculated_price": None if amount is None else {
            "calculated_amount": amount, "is_calculated_price_tax_inclusive": False}})
    return out
