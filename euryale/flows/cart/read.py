"""The store cart response: the cart with Medusa 2.21's default fields and totals, read set-based."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    Numeric,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param, json_decoded, json_decoders, json_rows
from euryale.links.models import cart_payment_collection, cart_promotion
from euryale.modules.cart import service as carts
from euryale.modules.cart.models import cart as cart_table
from euryale.modules.cart.models import (
    cart_address,
    cart_line_item,
    cart_line_item_adjustment,
    cart_line_item_tax_line,
    cart_shipping_method,
    cart_shipping_method_adjustment,
    cart_shipping_method_tax_line,
)
from euryale.modules.customer.models import customer, customer_group_customer
from euryale.modules.payment import service as payments
from euryale.modules.product.models import product, product_category_product, product_tags
from euryale.modules.promotion.models import promotion, promotion_application_method
from euryale.modules.region.models import region, region_country
from euryale.query.fields import parse_fields, split_tokens
from euryale.totals import cart_totals, line_item_totals, to_decimal

CART_DEFAULTS = (
    "id", "currency_code", "email", "locale", "region_id", "created_at", "updated_at", "completed_at", "total",
    "subtotal", "tax_total", "discount_total", "discount_subtotal", "discount_tax_total", "original_total",
    "original_tax_total", "item_total", "item_subtotal", "item_tax_total", "item_discount_total",
    "original_item_total", "original_item_subtotal", "original_item_tax_total", "shipping_total",
    "shipping_subtotal", "shipping_tax_total", "shipping_discount_total", "original_shipping_tax_total",
    "original_shipping_subtotal", "original_shipping_total", "credit_line_subtotal", "credit_line_tax_total",
    "credit_line_total", "metadata", "sales_channel_id", "shipping_address_id", "billing_address_id", "customer_id",
    "*items", "*items.tax_lines", "*items.adjustments", "*items.product", "*shipping_methods",
    "*shipping_methods.tax_lines", "*shipping_methods.adjustments", "*shipping_address", "*billing_address",
    "*credit_lines", "*customer", "*region", "*region.countries", "*promotions", "*promotions.application_method",
)
STORE_RELATIONS_LIMIT = 3  # Medusa's `http.storeRelationsLimit` default
RELATIONS = ("items", "shipping_methods", "shipping_address", "billing_address", "credit_lines", "customer",
             "region", "promotions", "payment_collection")

ITEM_KEYS = ("id", "thumbnail", "variant_id", "product_id", "is_giftcard", "product_type_id", "product_title",
             "product_description", "product_subtitle", "product_type", "product_collection", "product_handle",
             "variant_sku", "variant_barcode", "variant_title", "requires_shipping", "metadata", "created_at",
             "updated_at", "title", "quantity", "unit_price", "compare_at_unit_price", "is_tax_inclusive")
ADDRESS_KEYS = ("id", "first_name", "last_name", "company", "address_1", "address_2", "city", "postal_code",
                "country_code", "province", "phone")
TAX_LINE_KEYS = ("id", "code", "rate", "description", "provider_id", "tax_rate_id", "created_at", "updated_at")
# Medusa 2.21.2's cart adjustment keys (compare_with_medusa.py more_promo_add)
ADJ_KEYS = ("id", "code", "amount", "promotion_id", "is_tax_inclusive")
# what `fields=*items` adds: the rest of the line item model, and the BigNumber twins of its amounts
WHOLE_ITEM_KEYS = ("cart_id", "subtitle", "is_discountable", "variant_option_values", "deleted_at")
RAW_ITEM_KEYS = ("unit_price", "compare_at_unit_price", "subtotal", "total", "tax_total", "discount_total",
                 "discount_subtotal", "discount_tax_total", "original_total", "original_tax_total",
                 "original_subtotal")


def _raw(value: Any) -> dict[str, Any] | None:
    return None if value is None else {"value": format(to_decimal(value).normalize(), "f"), "precision": 20}


def _asks_whole(fields: str, relation: str) -> bool:
    """Whether `fields` names `*relation` (Medusa then answers the whole model, not the default keys)."""
    return any(t.lstrip("+") in (f"*{relation}", f"{relation}.*") for t in split_tokens(fields))


def _address(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {k: row.get(k) for k in ADDRESS_KEYS}


_COUNTRY_KEYS = ("iso_2", "iso_3", "num_code", "name", "display_name", "region_id", "metadata", "created_at",
                 "updated_at", "deleted_at")
# a region with its countries: one row per country (the region's columns repeated), one statement
_REGION_WITH_COUNTRIES = CompiledQuery(lambda: (
    select(region.c.id, region.c.name.label("region_name"), region.c.currency_code, region.c.automatic_taxes,
           *(region_country.c[k].label(f"country_{k}") for k in _COUNTRY_KEYS))
    .select_from(region.outerjoin(region_country, region_country.c.region_id == region.c.id))
    .where(region.c.id == bindparam("region_id"))
    .order_by(region_country.c.num_code)))


def region_countries_lateral(region_id: Any) -> Any:
    """The countries of region `region_id` (a column of the outer statement) as one row of arrays, one per
    country key in `_REGION_WITH_COUNTRIES`' order (metadata as text): joined to the cart row, the answer's region
    costs no statement of its own."""
    rc = region_country
    return (select(*(func.array_agg(aggregate_order_by(cast(rc.c[k], Text) if k == "metadata" else rc.c[k],
                                                       rc.c.num_code),
                                    type_=ARRAY(Text if k == "metadata" else rc.c[k].type)).label(f"rc__{k}")
                     for k in _COUNTRY_KEYS))
            .where(rc.c.region_id == region_id).lateral("region_countries"))


def pop_region_ref(c: dict[str, Any]) -> None:
    """Turn the region columns of a cart row read with `region_countries_lateral` (`region__*`, `rc__*`) into
    `c["region_ref"]`, the answer's region (None when the region is gone)."""
    rid, name, currency = c.pop("region__id"), c.pop("region__name"), c.pop("region__currency_code")
    columns = [c.pop(f"rc__{k}") or [] for k in _COUNTRY_KEYS]
    if rid is None:
        c["region_ref"] = None
        return
    countries = []
    for values in zip(*columns, strict=True):
        country = dict(zip(_COUNTRY_KEYS, values, strict=True))
        if country["metadata"] is not None:
            country["metadata"] = orjson.loads(country["metadata"])
        countries.append(country)
    c["region_ref"] = {"id": rid, "name": name, "currency_code": currency, "automatic_taxes": c["automatic_taxes"],
                       "countries": countries}


async def _region(conn: AsyncConnection, region_id: str | None,
                  known: dict[str, Any] | None = None) -> dict[str, Any] | None:
    if not region_id:
        return None
    if known is not None and known["id"] == region_id:  # read with the cart row, and the region did not change
        return known
    out: dict[str, Any] | None = None
    for r in await _REGION_WITH_COUNTRIES.fetch(conn, region_id=region_id):
        if out is None:
            out = {"id": r["id"], "name": r["region_name"], "currency_code": r["currency_code"],
                   "automatic_taxes": r["automatic_taxes"], "countries": []}
        if r["country_iso_2"] is not None:
            out["countries"].append({k: r[f"country_{k}"] for k in _COUNTRY_KEYS})
    return out


def pop_customer_ref(c: dict[str, Any]) -> None:
    """Turn the customer columns of a cart row read with its customer (`customer__*`) into `c["customer_ref"]`,
    the answer's customer (None when the cart has none or it is gone)."""
    cid, email, group_ids = c.pop("customer__id"), c.pop("customer__email"), c.pop("customer__group_ids")
    c["customer_ref"] = None if cid is None else {"id": cid, "email": email,
                                                  "groups": [{"id": g} for g in group_ids or []]}
    c["customer_ref_of"] = c["customer_id"]  # a write that gives the cart another customer makes the ref stale


def customer_ref_current(c: Mapping[str, Any]) -> bool:
    """Whether `c["customer_ref"]` is the answer's customer for the cart's current `customer_id` (read with the
    row, or set by the write that gave the cart its customer): nothing to read."""
    return "customer_ref" in c and c["customer_ref_of"] == c["customer_id"]


_CART_CUSTOMER = CompiledQuery(lambda: select(
    customer.c.id, customer.c.email,
    func.array(select(customer_group_customer.c.customer_group_id)
               .where(customer_group_customer.c.customer_id == customer.c.id).scalar_subquery(),
               type_=ARRAY(Text)).label("group_ids"),
).where(customer.c.id == bindparam("customer_id")))


_cat, _tag = product_category_product, product_tags
# what the default cart shows of an item's product, all products in one statement (category/tag ids as arrays)
_ITEM_PRODUCTS = CompiledQuery(lambda: select(
    product.c.id, product.c.collection_id, product.c.type_id,
    func.array(select(_cat.c.product_category_id).where(_cat.c.product_id == product.c.id).scalar_subquery(),
               type_=ARRAY(Text)).label("category_ids"),
    func.array(select(_tag.c.product_tag_id).where(_tag.c.product_id == product.c.id).scalar_subquery(),
               type_=ARRAY(Text)).label("tag_ids"),
).where(any_param(product.c.id)))


async def _products(conn: AsyncConnection, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    return {r["id"]: {"id": r["id"], "collection_id": r["collection_id"], "type_id": r["type_id"],
                      "categories": [{"id": c} for c in r["category_ids"]], "tags": [{"id": t} for t in r["tag_ids"]]}
            for r in await _ITEM_PRODUCTS.fetch(conn, ids=ids)}


async def cart_promotions(conn: AsyncConnection, *, cart_id: str, promotion_ids: list[str] | None = None,
                          whole: bool = False) -> list[dict[str, Any]]:
    """Promotions linked to the cart with their application method (store default fields, or with `whole` every
    promotion column and `campaign` as `{id}`, as `fields=*promotions` answers); `promotion_ids`: the linked ids
    when the caller already knows them (no statement at all for a cart without promotions)."""
    ids = promotion_ids if promotion_ids is not None else [r[0] for r in await conn.execute(
        select(cart_promotion.c.promotion_id).where(cart_promotion.c.cart_id == cart_id,
                                                    cart_promotion.c.deleted_at.is_(None)))]
    if not ids:
        return []
    methods = {m["promotion_id"]: m for m in (await conn.execute(select(promotion_application_method).where(
        promotion_application_method.c.promotion_id.in_(ids),
        promotion_application_method.c.deleted_at.is_(None)))).mappings()}
    out = []
    for p in (await conn.execute(select(promotion).where(promotion.c.id.in_(ids), promotion.c.deleted_at.is_(None))
                                 .order_by(promotion.c.code))).mappings():
        m = methods.get(p["id"])
        extra = {**dict(p), "campaign": {"id": p["campaign_id"]} if p["campaign_id"] else None} if whole else {}
        out.append({**extra, "id": p["id"], "code": p["code"], "is_automatic": p["is_automatic"],
                    "is_tax_inclusive": p.get("is_tax_inclusive", False),
                    "application_method": None if m is None else {  # Medusa 2.21.2's store keys
                        "id": m["id"], "value": m["value"], "type": m["type"], "currency_code": m["currency_code"]}})
    return out


async def cart_payment_collection_id(conn: AsyncConnection, *, cart_id: str) -> str | None:
    row = (await conn.execute(select(cart_payment_collection.c.payment_collection_id).where(
        cart_payment_collection.c.cart_id == cart_id, cart_payment_collection.c.deleted_at.is_(None)))).first()
    return row[0] if row else None


_ITEM_PRODUCT_KEYS = ("product_ref_id", "product_ref_collection_id", "product_ref_type_id",
                      "product_ref_category_ids", "product_ref_tag_ids")


def _item_columns(li: Any = cart_line_item, prod: Any = product) -> list[Any]:
    """A line item's columns and what the answer shows of its product (`product_ref_*`); `li`, `prod`: the line
    item and product tables or aliases of them."""
    cat, tag = product_category_product, product_tags
    return [
        *li.c, prod.c.id.label("product_ref_id"), prod.c.collection_id.label("product_ref_collection_id"),
        prod.c.type_id.label("product_ref_type_id"),
        func.array(select(cat.c.product_category_id).where(cat.c.product_id == prod.c.id).scalar_subquery(),
                   type_=ARRAY(Text)).label("product_ref_category_ids"),
        func.array(select(tag.c.product_tag_id).where(tag.c.product_id == prod.c.id).scalar_subquery(),
                   type_=ARRAY(Text)).label("product_ref_tag_ids")]


_ITEMS_FROM = cart_line_item.outerjoin(product, product.c.id == cart_line_item.c.product_id)


def _items_query() -> Any:
    """The cart's live items, each with what the answer shows of its product (`product_ref_*` columns)."""
    li = cart_line_item
    return (select(*_item_columns()).select_from(_ITEMS_FROM)
            .where(li.c.cart_id == bindparam("cart_id"), li.c.deleted_at.is_(None))
            .order_by(li.c.created_at, li.c.id))


# tax lines and adjustments of the cart's items and shipping methods: one UNION ALL over the four tables, each
# row tagged with its kind and owner; columns a table lacks are typed NULLs
_OWNED_TABLES = (
    ("tax_lines", "items", cart_line_item_tax_line, "item_id"),
    ("adjustments", "items", cart_line_item_adjustment, "item_id"),
    ("tax_lines", "shipping_methods", cart_shipping_method_tax_line, "shipping_method_id"),
    ("adjustments", "shipping_methods", cart_shipping_method_adjustment, "shipping_method_id"),
)
_OWNED_COLUMNS: dict[str, Any] = {"id": Text, "description": Text, "code": Text, "rate": Numeric, "amount": Numeric,
                  "provider_id": Text, "metadata": JSONB, "tax_rate_id": Text, "promotion_id": Text,
                  "is_tax_inclusive": Boolean, "created_at": DateTime(timezone=True),
                  "updated_at": DateTime(timezone=True), "deleted_at": DateTime(timezone=True)}


def _owned_query() -> Any:
    owners = {"items": cart_line_item, "shipping_methods": cart_shipping_method}
    parts = []
    for kind, owner_kind, table, key in _OWNED_TABLES:
        owner = owners[owner_kind]
        parts.append(select(
            literal_column(f"'{kind}'", Text).label("kind"), literal_column(f"'{owner_kind}'", Text).label("owner_kind"),
            table.c[key].label("owner_id"),
            *((table.c[name] if name in table.c else cast(null(), type_)).label(name)
              for name, type_ in _OWNED_COLUMNS.items()))
            .where(table.c[key].in_(select(owner.c.id).where(owner.c.cart_id == bindparam("cart_id"),
                                                               owner.c.deleted_at.is_(None))),
                   table.c.deleted_at.is_(None)))
    return union_all(*parts).order_by("created_at")


# --- the relations as JSON columns of the statement that reads the cart row ----------------------------------------
# A cart write read its row, then its items, then their tax lines and adjustments: three round trips, each costing
# the server more CPU (driver, event loop) than PostgreSQL spent. The statement that reads the row (after the lock,
# see `mutations._LOCKED_CART`; the GET's) brings the relations as JSON arrays instead. Values keep the types the
# row statements give: timestamps travel as UTC text, numerics as text.

def relations_columns(cart_id: Any) -> list[Any]:
    """Columns for the statement that reads the cart row (`cart_id`: its id column): the cart's live items (as
    `_ITEMS` reads them), shipping methods and the items' / methods' tax lines and adjustments, each a JSON array;
    `pop_relations` decodes them for `load_cart_relations`.

    Tables under short aliases: the statements that carry these stay well under asyncpg's largest cached
    statement (a longer one is prepared again on every execution; `tests/api/store/test_cart_statements.py`)."""
    li, prod, sm = cart_line_item.alias("li"), product.alias("p"), cart_shipping_method.alias("sm")
    columns = [
        json_rows(_item_columns(li, prod), li.outerjoin(prod, prod.c.id == li.c.product_id),
                  [li.c.cart_id == cart_id, li.c.deleted_at.is_(None)], [li.c.created_at, li.c.id])
        .label("rel__items"),
        json_rows(list(sm.c), sm, [sm.c.cart_id == cart_id, sm.c.deleted_at.is_(None)],
                  [sm.c.created_at, sm.c.id]).label("rel__shipping_methods")]
    for n, (kind, owner_kind, table, key) in enumerate(_OWNED_TABLES):
        owned = table.alias(f"o{n}")
        owner = (cart_line_item if owner_kind == "items" else cart_shipping_method).alias(f"w{n}")
        columns.append(json_rows(
            list(owned.c), owned.join(owner, owner.c.id == owned.c[key]),
            [owner.c.cart_id == cart_id, owner.c.deleted_at.is_(None), owned.c.deleted_at.is_(None)],
            [owned.c.created_at, owned.c.id]).label(f"rel__{kind}__{owner_kind}"))
    return columns


_RELATION_DECODERS = {"items": json_decoders(_item_columns()),
                      "shipping_methods": json_decoders(list(cart_shipping_method.c)),
                      **{f"{kind}__{owner_kind}": json_decoders(list(table.c))
                         for kind, owner_kind, table, _ in _OWNED_TABLES}}


def pop_relations(c: dict[str, Any]) -> None:
    """Turn the `relations_columns` of a cart row into `c["relations"]` (what `load_cart_relations` reads)."""
    c["relations"] = {name: json_decoded(c.pop(f"rel__{name}"), decoders)
                      for name, decoders in _RELATION_DECODERS.items()}


# the cart's relations, each statement compiled once and run straight on asyncpg (see euryale.db.compiled)
_ITEMS = CompiledQuery(_items_query)
_METHODS = CompiledQuery(lambda: select(cart_shipping_method).where(
    cart_shipping_method.c.cart_id == bindparam("cart_id"), cart_shipping_method.c.deleted_at.is_(None))
    .order_by(cart_shipping_method.c.created_at))
_OWNED = CompiledQuery(_owned_query)
_ADDRESSES = CompiledQuery(lambda: select(cart_address).where(any_param(cart_address.c.id)))
_OWNED_KEYS = {(kind, owner_kind): (key, tuple(c.name for c in table.c))
               for kind, owner_kind, table, key in _OWNED_TABLES}


def _item_of_row(row: Any) -> dict[str, Any]:
    item = dict(row)
    ref_id, collection_id, type_id, category_ids, tag_ids = (item.pop(k) for k in _ITEM_PRODUCT_KEYS)
    item["product_ref"] = None if ref_id is None else {
        "id": ref_id, "collection_id": collection_id, "type_id": type_id,
        "categories": [{"id": c} for c in category_ids], "tags": [{"id": t} for t in tag_ids]}
    return item


async def load_cart_relations(conn: AsyncConnection, c: dict[str, Any], *, totals: bool = True) -> dict[str, Any]:
    """Add items, shipping methods, addresses and (unless `totals=False`: a write computes them once it is done)
    computed totals to a cart row `c` (in place; returned).

    Items carry `product_ref`, what the answer shows of their product. No statement for a row read with
    `relations_columns` (`pop_relations`); else four (three with neither address, one fewer when the cart row says
    it has no shipping method), whatever the cart holds.
    """
    pre = c.pop("relations", None)  # read with the cart row (`relations_columns`): no statement
    has_methods = c.pop("has_shipping_methods", True)
    if pre is not None:
        items = [_item_of_row(r) for r in pre["items"]]
        methods = pre["shipping_methods"]
    else:
        items = [_item_of_row(r) for r in await _ITEMS.fetch(conn, cart_id=c["id"])]
        # a cart row read with `has_shipping_methods` (the store routes' cart statement) says when there is none
        methods = [dict(r) for r in await _METHODS.fetch(conn, cart_id=c["id"])] if has_methods else []
    owners = {"items": {i["id"]: i for i in items}, "shipping_methods": {m["id"]: m for m in methods}}
    for o in (*items, *methods):
        o["tax_lines"], o["adjustments"] = [], []
    if pre is not None:
        for kind, owner_kind, _, key in _OWNED_TABLES:
            for r in pre[f"{kind}__{owner_kind}"]:
                owner = owners[owner_kind].get(r[key])
                if owner is not None:
                    owner[kind].append(r)
    elif items or methods:
        for r in await _OWNED.fetch(conn, cart_id=c["id"]):
            key, names = _OWNED_KEYS[(r["kind"], r["owner_kind"])]
            owner = owners[r["owner_kind"]].get(r["owner_id"])
            if owner is not None:
                owner[r["kind"]].append({name: r["owner_id"] if name == key else r[name] for name in names})
    c["items"], c["shipping_methods"] = items, methods
    kinds = [k for k in ("shipping_address", "billing_address") if k not in c]  # else read with the cart row
    address_ids = [c[f"{k}_id"] for k in kinds if c[f"{k}_id"]]
    addrs = {r["id"]: dict(r) for r in await _ADDRESSES.fetch(conn, ids=address_ids)} if address_ids else {}
    for kind in kinds:
        c[kind] = addrs.get(c[f"{kind}_id"] or "")
    c["credit_lines"] = carts.credit_lines_of(c.get("credit_lines"))
    if totals:
        c["totals"] = cart_totals(c["items"], c["shipping_methods"], c["credit_lines"])
    return c


# the cart row with its credit lines (one statement), for flows that load the whole cart
_STATE_ROW = select(cart_table, carts.credit_lines_column(cart_table.c.id).label("credit_lines")).where(
    cart_table.c.id == bindparam("cart_id"), cart_table.c.deleted_at.is_(None))


async def load_cart_state(conn: AsyncConnection, *, cart_id: str, for_update: bool = False) -> dict[str, Any]:
    """Raw cart with items, shipping methods, addresses and credit lines, plus computed totals (used by flows)."""
    stmt = _STATE_ROW.with_for_update(of=cart_table) if for_update else _STATE_ROW
    row = (await conn.execute(stmt, {"cart_id": cart_id})).mappings().first()
    if row is None:
        raise carts.cart_not_found(cart_id)
    return await load_cart_relations(conn, dict(row))


async def retrieve_store_cart(conn: AsyncConnection, *, cart_id: str, fields: str | None = None,
                              state: dict[str, Any] | None = None) -> dict[str, Any]:
    """`{cart}` body of the store cart routes (defaults of Medusa 2.21; `fields` narrows or extends them).

    `state`: the cart as a write just left it in this transaction (`load_cart_state`'s shape, totals current, and
    `promotion_ids` when known), so the answer is built without reading the cart again.
    """
    c = state if state is not None else await load_cart_state(conn, cart_id=cart_id)
    sel = parse_fields(fields, defaults=CART_DEFAULTS, relation_names=RELATIONS,
                       max_relation_depth=STORE_RELATIONS_LIMIT) if fields else None
    # items read with the cart carry their product's summary; only lines added without it need a statement
    product_map = await _products(conn, list({i["product_id"] for i in c["items"]
                                              if i["product_id"] and "product_ref" not in i}))
    whole_items = bool(fields) and _asks_whole(fields or "", "items")
    items = []
    for i in c["items"]:
        d = {k: i.get(k) for k in ITEM_KEYS}
        d["metadata"] = i.get("metadata") if i.get("metadata") is not None else {}
        d["tax_lines"] = [{**{k: t.get(k) for k in TAX_LINE_KEYS}, "item_id": i["id"]} for t in i["tax_lines"]]
        d["adjustments"] = [{k: a.get(k) for k in ADJ_KEYS} for a in i["adjustments"]]
        d["product"] = i["product_ref"] if "product_ref" in i else product_map.get(i["product_id"] or "")
        if fields:
            # item totals are not default fields in 2.21 but storefronts ask for them (`+items.total`)
            d.update(line_item_totals(i))
        if whole_items:
            d.update({k: i.get(k) for k in WHOLE_ITEM_KEYS})
            d["is_custom_price"] = False  # a store cart's prices always come from the price sets here
            d.update({"raw_" + k: _raw(d.get(k)) for k in RAW_ITEM_KEYS})
        items.append(d)
    methods = []
    for m in c["shipping_methods"]:
        md = {"amount": m["amount"], "is_tax_inclusive": m["is_tax_inclusive"],
              "shipping_option_id": m["shipping_option_id"], "id": m["id"],
              "tax_lines": [{k: t.get(k) for k in TAX_LINE_KEYS} for t in m["tax_lines"]],
              "adjustments": [{k: a.get(k) for k in ADJ_KEYS} for a in m["adjustments"]]}
        if fields:
            # not default fields in 2.21; storefronts ask for them (`+shipping_methods.name`)
            md.update(name=m["name"], data=m["data"])
        methods.append(md)
    body: dict[str, Any] = {
        "id": c["id"], "currency_code": c["currency_code"], "email": c["email"], "locale": c["locale"],
        "region_id": c["region_id"], "created_at": c["created_at"], "updated_at": c["updated_at"],
        "completed_at": c["completed_at"], **c["totals"], "metadata": c["metadata"],
        "sales_channel_id": c["sales_channel_id"],
    }
    # Medusa 2.21 leaves a null address id out of the default cart (sample 004 / the reference server)
    for key in ("shipping_address_id", "billing_address_id"):
        if c[key]:
            body[key] = c[key]
    body["customer_id"] = c["customer_id"]
    body["items"] = items
    body["shipping_methods"] = methods
    body["shipping_address"] = _address(c["shipping_address"])
    body["billing_address"] = _address(c["billing_address"])
    body["credit_lines"] = [
        {"id": cl["id"], "cart_id": cl["cart_id"], "reference": cl["reference"], "reference_id": cl["reference_id"],
         "amount": cl["amount"], "raw_amount": _raw(cl["amount"]), "metadata": cl["metadata"],
         "created_at": cl["created_at"], "updated_at": cl["updated_at"], "deleted_at": None}
        for cl in c.get("credit_lines") or []]
    if c["customer_id"] and customer_ref_current(c):
        # read with the cart row, and the write did not give the cart another customer
        if c["customer_ref"] is not None:
            body["customer"] = c["customer_ref"]
    elif c["customer_id"]:
        found = await _CART_CUSTOMER.fetch(conn, customer_id=c["customer_id"])
        if found:
            cust = found[0]
            body["customer"] = {"id": cust["id"], "email": cust["email"],
                                "groups": [{"id": g} for g in cust["group_ids"]]}
    body["region"] = await _region(conn, c["region_id"], c.get("region_ref"))
    body["promotions"] = await cart_promotions(conn, cart_id=cart_id, promotion_ids=c.get("promotion_ids"),
                                               whole=bool(fields) and _asks_whole(fields or "", "promotions"))
    if sel is not None and sel.relation("payment_collection") is not None:
        pc_id = c["payment_collection_id"] if "payment_collection_id" in c else \
            await cart_payment_collection_id(conn, cart_id=cart_id)
        body["payment_collection"] = (await payments.retrieve_payment_collection(
            conn, payment_collection_id=pc_id)) if pc_id else None
    if sel is not None:
        body = sel.project(body)
    return body


def group_by(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r[key]].append(r)
    return out
