"""Carts, line items, shipping methods, adjustments, tax lines and addresses (cart tables only).

Reads are set-based: one statement per relation for any number of carts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, cast, func, insert, literal_column, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import crud, direct
from euryale.errors import not_found
from euryale.ids import generate_id
from euryale.modules.cart.models import (
    cart,
    cart_address,
    cart_credit_line,
    cart_line_item,
    cart_line_item_adjustment,
    cart_line_item_tax_line,
    cart_shipping_method,
    cart_shipping_method_adjustment,
    cart_shipping_method_tax_line,
)

ADDRESS_FIELDS = ("first_name", "last_name", "phone", "company", "address_1", "address_2", "city", "country_code",
                  "province", "postal_code", "metadata", "customer_id")
ITEM_FIELDS = ("title", "subtitle", "thumbnail", "quantity", "variant_id", "product_id", "product_title",
               "product_description", "product_subtitle", "product_type", "product_type_id", "product_collection",
               "product_handle", "variant_sku", "variant_barcode", "variant_title", "variant_option_values",
               "requires_shipping", "is_discountable", "is_tax_inclusive", "compare_at_unit_price", "unit_price",
               "metadata", "is_giftcard")


def cart_not_found(cart_id: str) -> Exception:
    return not_found(f"Cart with id '{cart_id}' not found")  # Medusa 2.21 wording


async def create_cart(conn: AsyncConnection, *, values: Mapping[str, Any]) -> str:
    """Insert a cart row (`currency_code` required); returns its id."""
    cart_id = generate_id("cart")
    await conn.execute(insert(cart).values(id=cart_id, **{k: v for k, v in values.items() if k in cart.c}))
    return cart_id


async def insert_cart(conn: AsyncConnection, *, values: Mapping[str, Any]) -> dict[str, Any]:
    """Insert a cart row (`currency_code` required); returns the row as stored."""
    return await direct.insert_one(conn, cart, {
        "id": generate_id("cart"), **{k: v for k, v in values.items() if k in cart.c and k != "id"}})


async def get_cart(conn: AsyncConnection, *, cart_id: str, for_update: bool = False) -> dict[str, Any]:
    """The cart row (404 `Cart with id 'x' not found` when missing); `for_update` locks it for the transaction."""
    row = await crud.get_row(conn, cart, cart_id, for_update=for_update)
    if row is None:
        raise cart_not_found(cart_id)
    return row


async def update_cart(conn: AsyncConnection, *, cart_id: str, values: Mapping[str, Any]) -> None:
    """Update cart columns (unknown keys ignored) and bump `updated_at`."""
    vals = {k: v for k, v in values.items() if k in cart.c and k != "id"}
    await conn.execute(update(cart).where(cart.c.id == cart_id).values(**vals, updated_at=func.now()))


async def set_cart(conn: AsyncConnection, *, cart_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Update cart columns (unknown keys ignored), bump `updated_at`; returns the changed columns as stored."""
    vals = {k: v for k, v in values.items() if k in cart.c and k not in ("id", "updated_at")}
    return await direct.update_one(conn, cart, cart_id, vals, returning=(*vals, "updated_at"))


async def insert_address(conn: AsyncConnection, *, address: Mapping[str, Any]) -> dict[str, Any]:
    """Insert a cart address; returns the row as stored."""
    return await direct.insert_one(conn, cart_address, {
        "id": generate_id("caaddr"), **{k: address.get(k) for k in ADDRESS_FIELDS if k in address}})


async def create_address(conn: AsyncConnection, *, address: Mapping[str, Any]) -> str:
    """Insert a cart address; returns its id."""
    address_id = generate_id("caaddr")
    await conn.execute(insert(cart_address).values(
        id=address_id, **{k: address.get(k) for k in ADDRESS_FIELDS if k in address}))
    return address_id


async def addresses(conn: AsyncConnection, *, address_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    ids = [i for i in address_ids if i]
    if not ids:
        return {}
    rows = await conn.execute(select(cart_address).where(cart_address.c.id.in_(ids)))
    return {r["id"]: dict(r) for r in rows.mappings()}


async def line_items(conn: AsyncConnection, *, cart_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Live items of the carts, each with `tax_lines` and `adjustments` (three statements in all)."""
    rows = [dict(r) for r in (await conn.execute(
        select(cart_line_item).where(cart_line_item.c.cart_id.in_(list(cart_ids)),
                                     cart_line_item.c.deleted_at.is_(None))
        .order_by(cart_line_item.c.created_at, cart_line_item.c.id))).mappings()]
    if not rows:
        return rows
    ids = [r["id"] for r in rows]
    taxes = await crud.grouped_by(conn, cart_line_item_tax_line, "item_id", ids,
                                  order=[cart_line_item_tax_line.c.created_at])
    adjs = await crud.grouped_by(conn, cart_line_item_adjustment, "item_id", ids,
                                 order=[cart_line_item_adjustment.c.created_at])
    for r in rows:
        r["tax_lines"] = taxes.get(r["id"], [])
        r["adjustments"] = adjs.get(r["id"], [])
    return rows


async def shipping_methods(conn: AsyncConnection, *, cart_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Live shipping methods of the carts with `tax_lines` and `adjustments`."""
    rows = [dict(r) for r in (await conn.execute(
        select(cart_shipping_method).where(cart_shipping_method.c.cart_id.in_(list(cart_ids)),
                                           cart_shipping_method.c.deleted_at.is_(None))
        .order_by(cart_shipping_method.c.created_at))).mappings()]
    if not rows:
        return rows
    ids = [r["id"] for r in rows]
    taxes = await crud.grouped_by(conn, cart_shipping_method_tax_line, "shipping_method_id", ids)
    adjs = await crud.grouped_by(conn, cart_shipping_method_adjustment, "shipping_method_id", ids)
    for r in rows:
        r["tax_lines"] = taxes.get(r["id"], [])
        r["adjustments"] = adjs.get(r["id"], [])
    return rows


async def add_line_items(conn: AsyncConnection, *, cart_id: str, items: Sequence[Mapping[str, Any]]) -> list[str]:
    """Insert line items (prices already resolved by the caller); returns their ids."""
    rows = []
    for it in items:
        rows.append({"id": generate_id("cali"), "cart_id": cart_id,
                     **{k: it[k] for k in ITEM_FIELDS if k in it}})
    if rows:
        await conn.execute(insert(cart_line_item), rows)
    return [r["id"] for r in rows]


async def insert_line_items(conn: AsyncConnection, *, cart_id: str, items: Sequence[Mapping[str, Any]]
                            ) -> list[dict[str, Any]]:
    """Insert line items (prices already resolved) in one statement; returns the new rows as stored."""
    rows = [{"id": generate_id("cali"), "cart_id": cart_id, **{k: it[k] for k in ITEM_FIELDS if k in it}}
            for it in items]
    if not rows:
        return []
    if len(rows) == 1:  # the usual add: a statement compiled once
        return [await direct.insert_one(conn, cart_line_item, rows[0])]
    result = await conn.execute(insert(cart_line_item).returning(*cart_line_item.c, sort_by_parameter_order=True),
                                rows)
    return [dict(r) for r in result.mappings()]


async def set_line_item(conn: AsyncConnection, *, item_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Update a line item's columns; returns the changed columns and `updated_at` as stored."""
    vals = {k: v for k, v in values.items() if k in ITEM_FIELDS}
    return await direct.update_one(conn, cart_line_item, item_id, vals, returning=(*vals, "updated_at"))


def set_line_item_later(conn: AsyncConnection, *, item_id: str, values: Mapping[str, Any],
                        now: datetime) -> dict[str, Any]:
    """`set_line_item` riding with the transaction's next statement (`direct.update_later`): the same answer, the
    changed columns and `updated_at` (`now`: the transaction's `now()`, as the UPDATE sets it). The caller holds the
    cart's lock and read the line under it."""
    vals = {k: v for k, v in values.items() if k in ITEM_FIELDS}
    direct.update_later(conn, cart_line_item, item_id, vals)
    return {**vals, "updated_at": now}


async def update_line_item(conn: AsyncConnection, *, item_id: str, values: Mapping[str, Any]) -> None:
    vals = {k: v for k, v in values.items() if k in ITEM_FIELDS}
    await conn.execute(update(cart_line_item).where(cart_line_item.c.id == item_id)
                       .values(**vals, updated_at=func.now()))


async def delete_line_items(conn: AsyncConnection, *, item_ids: Sequence[str], tax_lines: bool = True,
                            adjustments: bool = True) -> None:
    """Soft-delete items together with their tax lines and adjustments (`tax_lines=False` / `adjustments=False`:
    the caller knows the items have none, nothing to update there): one statement."""
    ids = list(item_ids)
    if not ids:
        return
    owned = [(t, "item_id") for t, has in ((cart_line_item_tax_line, tax_lines),
                                           (cart_line_item_adjustment, adjustments)) if has]
    await direct.soft_delete_owners(conn, cart_line_item, owned, ids)


def _shipping_method_rows(cart_id: str, methods: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": generate_id("casm"), "cart_id": cart_id, "name": m["name"], "amount": m["amount"],
             "is_tax_inclusive": bool(m.get("is_tax_inclusive")), "shipping_option_id": m.get("shipping_option_id"),
             "data": m.get("data") or {}, "description": m.get("description"), "metadata": m.get("metadata")}
            for m in methods]


async def replace_shipping_methods(conn: AsyncConnection, *, cart_id: str,
                                   methods: Sequence[Mapping[str, Any]]) -> list[str]:
    """Drop the cart's shipping methods and insert `methods`; returns the new ids."""
    old = [r[0] for r in await conn.execute(select(cart_shipping_method.c.id).where(
        cart_shipping_method.c.cart_id == cart_id, cart_shipping_method.c.deleted_at.is_(None)))]
    await delete_shipping_methods(conn, method_ids=old)
    rows = _shipping_method_rows(cart_id, methods)
    if rows:
        await conn.execute(insert(cart_shipping_method), rows)
    return [r["id"] for r in rows]


async def insert_shipping_methods(conn: AsyncConnection, *, cart_id: str, methods: Sequence[Mapping[str, Any]]
                                  ) -> list[dict[str, Any]]:
    """Insert shipping methods; returns the rows as stored."""
    rows = _shipping_method_rows(cart_id, methods)
    if not rows:
        return []
    if len(rows) == 1:
        return [await direct.insert_one(conn, cart_shipping_method, rows[0])]
    result = await conn.execute(
        insert(cart_shipping_method).returning(*cart_shipping_method.c, sort_by_parameter_order=True), rows)
    return [dict(r) for r in result.mappings()]


async def delete_shipping_methods(conn: AsyncConnection, *, method_ids: Sequence[str], tax_lines: bool = True,
                                  adjustments: bool = True) -> None:
    """Soft-delete shipping methods with their tax lines and adjustments (see `delete_line_items` for the flags)."""
    ids = list(method_ids)
    if not ids:
        return
    owned = [(t, "shipping_method_id") for t, has in ((cart_shipping_method_tax_line, tax_lines),
                                                      (cart_shipping_method_adjustment, adjustments)) if has]
    await direct.soft_delete_owners(conn, cart_shipping_method, owned, ids)


Owned = Mapping[str, Sequence[Mapping[str, Any]]]


async def _replace_owned(conn: AsyncConnection, *, item_table: Any, shipping_table: Any, item_prefix: str,
                         shipping_prefix: str, items: Owned, shipping: Owned,
                         values: Callable[[Mapping[str, Any]], dict[str, Any]]) -> None:
    """Soft-delete the live rows of the given owners (line items / shipping methods, the mapping keys) and insert
    the given ones: one update and one multi-row insert per table."""
    for table, key, prefix, by_owner in ((item_table, "item_id", item_prefix, items),
                                         (shipping_table, "shipping_method_id", shipping_prefix, shipping)):
        owners = list(by_owner)
        if not owners:
            continue
        await conn.execute(update(table).where(table.c[key].in_(owners), table.c.deleted_at.is_(None))
                           .values(deleted_at=func.now()))
        rows = [{"id": generate_id(prefix), key: owner, **values(entry)}
                for owner, entries in by_owner.items() for entry in entries]
        if rows:
            await conn.execute(insert(table), rows)


async def replace_owned_rows(conn: AsyncConnection, *, kind: str, owner_kind: str, stale_owners: Sequence[str],
                             rows_by_owner: Owned) -> dict[str, list[dict[str, Any]]]:
    """Soft-delete the live tax lines / adjustments (`kind` "tax_lines" / "adjustments") of `stale_owners` (line
    items or shipping methods: `owner_kind` "items" / "shipping_methods") and insert `rows_by_owner`: at most one
    UPDATE and one INSERT. Returns the inserted rows by owner, as stored."""
    table, key, prefix = _OWNED[(kind, owner_kind)]
    values = _tax_line_values if kind == "tax_lines" else _adjustment_values
    if stale_owners:
        await direct.soft_delete(conn, table, key, stale_owners)
    rows = [{"id": generate_id(prefix), key: owner, **values(entry)}
            for owner, entries in rows_by_owner.items() for entry in entries]
    inserted: dict[str, list[dict[str, Any]]] = {}
    if len(rows) == 1:  # one line, one rate: a statement compiled once
        inserted[rows[0][key]] = [await direct.insert_one(conn, table, rows[0])]
    elif rows:
        result = await conn.execute(insert(table).returning(*table.c, sort_by_parameter_order=True), rows)
        for r in result.mappings():
            inserted.setdefault(r[key], []).append(dict(r))
    return inserted


def _tax_line_values(ln: Mapping[str, Any]) -> dict[str, Any]:
    return {"code": ln["code"], "rate": ln["rate"], "description": ln.get("description") or ln.get("name"),
            "provider_id": ln.get("provider_id"), "tax_rate_id": ln.get("tax_rate_id")}


def _adjustment_values(a: Mapping[str, Any]) -> dict[str, Any]:
    return {"amount": a["amount"], "code": a.get("code"), "promotion_id": a.get("promotion_id"),
            "description": a.get("description"), "provider_id": a.get("provider_id"),
            "is_tax_inclusive": bool(a.get("is_tax_inclusive"))}


async def replace_tax_lines(conn: AsyncConnection, *, item_lines: Owned, shipping_lines: Owned) -> None:
    """Set the tax lines of the given items / shipping methods (keys) to exactly the given lines."""
    await _replace_owned(conn, item_table=cart_line_item_tax_line, shipping_table=cart_shipping_method_tax_line,
                         item_prefix="calitxl", shipping_prefix="casmtxl", items=item_lines,
                         shipping=shipping_lines, values=_tax_line_values)


async def replace_adjustments(conn: AsyncConnection, *, item_adjustments: Owned, shipping_adjustments: Owned) -> None:
    """Set the promotion adjustments of the given items / shipping methods to exactly the given ones."""
    await _replace_owned(conn, item_table=cart_line_item_adjustment, shipping_table=cart_shipping_method_adjustment,
                         item_prefix="caliadj", shipping_prefix="casmadj", items=item_adjustments,
                         shipping=shipping_adjustments, values=_adjustment_values)


_OWNED: dict[tuple[str, str], tuple[Any, str, str]] = {
    ("tax_lines", "items"): (cart_line_item_tax_line, "item_id", "calitxl"),
    ("tax_lines", "shipping_methods"): (cart_shipping_method_tax_line, "shipping_method_id", "casmtxl"),
    ("adjustments", "items"): (cart_line_item_adjustment, "item_id", "caliadj"),
    ("adjustments", "shipping_methods"): (cart_shipping_method_adjustment, "shipping_method_id", "casmadj"),
}


async def mark_completed(conn: AsyncConnection, *, cart_id: str) -> None:
    await conn.execute(update(cart).where(cart.c.id == cart_id).values(completed_at=func.now(),
                                                                         updated_at=func.now()))


def credit_lines_column(cart_id: Any) -> Any:
    """A scalar subquery: the cart's live credit lines as one jsonb array (amount as text, timestamps as epoch
    seconds), for the statement that reads the cart row, so they cost no statement of their own."""
    t = cart_credit_line
    def key(name: str) -> Any:  # a literal, not a bind parameter processed on every execution of the cart read
        return literal_column(f"'{name}'")
    line = func.jsonb_build_object(
        key("id"), t.c.id, key("cart_id"), t.c.cart_id, key("reference"), t.c.reference, key("reference_id"),
        t.c.reference_id, key("amount"), cast(t.c.amount, Text), key("metadata"), t.c.metadata,
        key("created_at"), func.extract("epoch", t.c.created_at), key("updated_at"),
        func.extract("epoch", t.c.updated_at))
    return (select(func.coalesce(func.jsonb_agg(aggregate_order_by(line, t.c.created_at, t.c.id)),
                                 literal_column("'[]'::jsonb")))
            .where(t.c.cart_id == cart_id, t.c.deleted_at.is_(None)).scalar_subquery())


def credit_lines_of(value: Any) -> list[dict[str, Any]]:
    """The `credit_lines_column` value as credit line dicts (Decimal amounts, aware datetimes)."""
    if isinstance(value, str):
        value = json.loads(value)
    out = []
    for c in value or []:  # idempotent: a cart dict may go through this twice
        c = dict(c)
        c["amount"] = Decimal(str(c["amount"]))
        for k in ("created_at", "updated_at"):
            if c.get(k) is not None and not isinstance(c[k], datetime):
                c[k] = datetime.fromtimestamp(float(c[k]), UTC)
        c["deleted_at"] = None
        out.append(c)
    return out


async def create_credit_lines(conn: AsyncConnection, *, lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Insert credit lines `{cart_id, amount, reference?, reference_id?, metadata?}`; returns the stored rows."""
    if not lines:
        return []
    rows = [{"id": generate_id("cacl"), "cart_id": ln["cart_id"], "amount": Decimal(str(ln["amount"])),
             "reference": ln.get("reference"), "reference_id": ln.get("reference_id"),
             "metadata": dict(ln["metadata"]) if ln.get("metadata") is not None else None} for ln in lines]
    result = await conn.execute(insert(cart_credit_line).returning(*cart_credit_line.c), rows)
    return [dict(r) for r in result.mappings()]


async def delete_credit_lines(conn: AsyncConnection, *, ids: Sequence[str]) -> list[str]:
    """Soft-delete credit lines; returns the ids deleted."""
    if not ids:
        return []
    t = cart_credit_line
    result = await conn.execute(update(t).where(t.c.id.in_(list(ids)), t.c.deleted_at.is_(None))
                                .values(deleted_at=func.now()).returning(t.c.id))
    return [str(r[0]) for r in result]
