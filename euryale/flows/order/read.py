"""Orders as the store answers them: the order module's shape plus payment collections and item variants."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param
from euryale.links.models import order_payment_collection
from euryale.modules.order import service as orders
from euryale.modules.payment import service as payments
from euryale.modules.product.models import product, product_variant
from euryale.query.fields import FieldSelection, parse_fields

VARIANT_KEYS = ("id", "title", "sku", "barcode", "ean", "upc", "allow_backorder", "manage_inventory", "hs_code",
                "origin_country", "mid_code", "material", "weight", "length", "height", "width", "metadata",
                "variant_rank", "thumbnail", "product_id")
PRODUCT_KEYS = ("id", "title", "handle", "subtitle", "description", "is_giftcard", "status", "thumbnail", "weight",
                "length", "height", "width", "origin_country", "hs_code", "mid_code", "material", "discountable",
                "external_id", "metadata", "type_id")
COLLECTION_KEYS = ("id", "currency_code", "completed_at", "status", "metadata", "raw_amount", "raw_authorized_amount",
                   "raw_captured_amount", "raw_refunded_amount", "created_at", "updated_at", "deleted_at", "amount",
                   "authorized_amount", "captured_amount", "refunded_amount")
LIST_KEYS = ("id", "status", "summary", "display_id", "custom_display_id", "total", "currency_code", "metadata",
             "created_at", "updated_at")


# read on every order answer (complete-cart, GET /store/orders/:id): compiled once (euryale.db.compiled)
# the variants with their product's columns (`p_*`) beside each: one statement
_VARIANTS = CompiledQuery(lambda: select(product_variant, *(c.label(f"p_{c.name}") for c in product.c))
                          .select_from(product_variant.outerjoin(product, product.c.id == product_variant.c.product_id))
                          .where(any_param(product_variant.c.id)))
_VARIANT_COLUMNS = tuple(c.name for c in product_variant.c)
_PRODUCT_PREFIXED = tuple((f"p_{c.name}", c.name) for c in product.c)
_COLLECTION_LINKS = CompiledQuery(lambda: select(
    order_payment_collection.c.order_id, order_payment_collection.c.payment_collection_id).where(
    any_param(order_payment_collection.c.order_id), order_payment_collection.c.deleted_at.is_(None)))


async def _variants(conn: AsyncConnection, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    out = {}
    for record in await _VARIANTS.fetch(conn, ids=list(ids)):
        r = {k: record[k] for k in _VARIANT_COLUMNS}
        p = {name: record[label] for label, name in _PRODUCT_PREFIXED} if record["p_id"] is not None else None
        v = {k: r.get(k) for k in VARIANT_KEYS}
        if p is not None:
            pd = {k: p.get(k) for k in PRODUCT_KEYS}
            pd.update({"type": {"id": p["type_id"]} if p["type_id"] else None, "collection_id": p["collection_id"],
                       "collection": {"id": p["collection_id"]} if p["collection_id"] else None,
                       "created_at": p["created_at"], "updated_at": p["updated_at"], "deleted_at": p["deleted_at"]})
            v["product"] = pd
        v.update({"created_at": r["created_at"], "updated_at": r["updated_at"], "deleted_at": r["deleted_at"]})
        out[r["id"]] = v
    return out


async def _collections(conn: AsyncConnection, order_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    pairs = [(r["order_id"], r["payment_collection_id"]) for r in await _COLLECTION_LINKS.fetch(conn, ids=order_ids)]
    if not pairs:
        return {}
    pcs = {pc["id"]: pc for pc in await payments.list_payment_collections(
        conn, ids=[p[1] for p in pairs], with_sessions=False)}
    out: dict[str, list[dict[str, Any]]] = {}
    for oid, pcid in pairs:
        if pcid in pcs:
            out.setdefault(oid, []).append({k: pcs[pcid][k] for k in COLLECTION_KEYS})
    return out


async def retrieve_store_order(conn: AsyncConnection, *, order_id: str, fields: str | None = None
                               ) -> dict[str, Any]:
    """`GET /store/orders/:id` body (Medusa 2.21 default fields)."""
    order = await orders.retrieve_order(conn, order_id=order_id)
    return await store_order_body(conn, order, (await _collections(conn, [order_id])).get(order_id, []),
                                  fields=fields)


async def placed_store_order(conn: AsyncConnection, *, written: dict[str, Any],
                             collections: list[dict[str, Any]]) -> dict[str, Any]:
    """The store body of an order just written by `orders.create_order_from_cart(..., written=...)` with its
    payment `collections` rows as just refreshed: what `retrieve_store_order` answers once it is committed, with
    one statement (the items' variants) instead of nine."""
    pcs = [{k: pc[k] for k in COLLECTION_KEYS} for pc in map(payments.collection_dict, collections)]
    return await store_order_body(conn, orders.order_of_written(written), pcs)


async def store_order_body(conn: AsyncConnection, order: dict[str, Any], pcs: list[dict[str, Any]],
                           fields: str | None = None) -> dict[str, Any]:
    """The store body of `order` (as `orders.retrieve_order` answers it) with its payment collections `pcs`;
    reads the items' variants."""
    variants = await _variants(conn, [i["variant_id"] for i in order["items"] if i["variant_id"]])
    for item in order["items"]:
        item["variant"] = variants.get(item["variant_id"] or "")
    store_keys = [k for k in order if k not in ("customer_id", "sales_channel_id", "metadata", "locale",
                                                "canceled_at", "version")]
    body = {k: order[k] for k in store_keys}
    body["payment_collections"] = pcs
    sel = _selection(fields, tuple(body))
    if sel is not None:
        body = sel.project(body)
    # handlers pop this to check ownership; it is not part of the wire shape
    body["_customer_id"] = order["customer_id"]
    return body


ORDER_RELATIONS = ("items", "shipping_methods", "shipping_address", "billing_address", "payment_collections",
                   "summary", "credit_lines")
STORE_RELATIONS_LIMIT = 3


def _selection(fields: str | None, defaults: tuple[str, ...]) -> FieldSelection | None:
    if not fields:
        return None
    return parse_fields(fields, defaults=defaults, relation_names=ORDER_RELATIONS,
                        max_relation_depth=STORE_RELATIONS_LIMIT)


async def list_store_orders(conn: AsyncConnection, *, customer_id: str, limit: int, offset: int,
                            fields: str | None = None, order_by: str | None = None
                            ) -> tuple[list[dict[str, Any]], int]:
    """`GET /store/orders`: the customer's orders (list default fields; `fields` / `order` as Medusa)."""
    sel = _selection(fields, LIST_KEYS)
    found, count = await orders.list_orders(conn, customer_id=customer_id, limit=limit, offset=offset,
                                            detailed=sel is not None, order_by=order_by or "-created_at")
    if sel is None:
        return [{k: o[k] for k in LIST_KEYS} for o in found], count
    return [sel.project(o) for o in found], count
