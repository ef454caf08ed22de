"""Read resources of the catalog modules other than products: regions, currencies, collections, categories, tags,
types, options, sales channels, api keys, stores, price lists and price preferences."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from euryale.db.compiled import CompiledQuery, decodes_as_driver
from euryale.db.sql import any_param
from euryale.http.query import as_list
from euryale.links.models import product_sales_channel, publishable_api_key_sales_channel, region_payment_provider
from euryale.modules.api_key.models import api_key
from euryale.modules.currency.models import currency
from euryale.modules.payment.models import payment_provider
from euryale.modules.pricing.models import price, price_list, price_list_rule, price_preference
from euryale.modules.product.models import (
    product,
    product_category,
    product_category_product,
    product_collection,
    product_option,
    product_option_value,
    product_tag,
    product_type,
)
from euryale.modules.region.models import region, region_country
from euryale.modules.sales_channel.models import sales_channel
from euryale.modules.store.models import store, store_currency
from euryale.query.engine import Resource, Row
from euryale.query.fields import FieldSelection
from euryale.query.products import (
    CATEGORY_COLS,
    COLLECTION_COLS,
    OPTION_COLS,
    SALES_CHANNEL_COLS,
    TAG_COLS,
    VALUE_COLS,
)

COUNTRY_COLS = ["iso_2", "iso_3", "num_code", "name", "display_name", "region_id", "metadata", "created_at",
                "updated_at", "deleted_at"]
REGION_COLS = ["id", "name", "currency_code", "automatic_taxes", "metadata", "created_at", "updated_at", "deleted_at"]
CURRENCY_COLS = ["code", "symbol", "symbol_native", "name", "decimal_digits", "rounding", "created_at", "updated_at",
                 "deleted_at"]
API_KEY_COLS = ["id", "token", "redacted", "title", "type", "last_used_at", "created_by", "created_at", "updated_at",
                "revoked_by", "revoked_at", "deleted_at"]
STORE_COLS = ["id", "name", "default_sales_channel_id", "default_region_id", "default_location_id", "metadata",
              "created_at", "updated_at", "deleted_at"]
PRICE_LIST_COLS = ["id", "title", "description", "status", "type", "starts_at", "ends_at", "rules_count", "metadata",
                   "created_at", "updated_at", "deleted_at"]
PREFERENCE_COLS = ["id", "attribute", "value", "is_tax_inclusive", "created_at", "updated_at", "deleted_at"]


def _cols(table: Any, names: list[str]) -> list[Any]:
    return [table.c[n] for n in names if n in table.c]


# the statements of children loaders without extra conditions, by (table, columns, foreign key, order)
_CHILDREN: dict[tuple[Any, ...], CompiledQuery | None] = {}


def _children_query(conn: AsyncConnection, table: Any, cols: list[str], fk: str, order: str) -> CompiledQuery | None:
    """The loader's statement compiled once (ids as one array parameter), or None when a column's type decodes
    differently through SQLAlchemy than as asyncpg returns it (a result processor): such loaders stay on
    SQLAlchemy. Building and running the statement through SQLAlchemy on each request (`in_` with a bind per id,
    cache key, result rows) cost ~150 us of CPU on `GET /store/regions`."""
    key = (table.name, tuple(cols), fk, order)
    if key not in _CHILDREN:
        selected = [table.c[fk], *_cols(table, cols)]
        dialect = conn.dialect
        plain = all(decodes_as_driver(c, dialect) for c in selected)

        def build() -> Any:
            conds = [any_param(table.c[fk])]
            if "deleted_at" in table.c:
                conds.append(table.c.deleted_at.is_(None))
            return select(table.c[fk].label("__fk"), *_cols(table, cols)).where(*conds).order_by(table.c[order])
        _CHILDREN[key] = CompiledQuery(build) if plain else None
    return _CHILDREN[key]


def children_loader(table: Any, cols: list[str], fk: str, name: str, *, parent_key: str = "id",
                    order: str = "created_at", extra: Any = ()) -> Any:
    """Loader for a one-to-many relation stored as a foreign key on the child table."""
    async def load(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
        ids = list({r[parent_key] for r in rows})
        grouped: dict[str, list[Row]] = defaultdict(list)
        query = None if extra else _children_query(conn, table, cols, fk, order)
        if query is not None:
            for record in await query.fetch(conn, ids=ids):
                d = dict(record)
                grouped[d.pop("__fk")].append(d)
            for r in rows:
                r[name] = grouped.get(r[parent_key], [])
            return
        conds = [table.c[fk].in_(ids), *extra]
        if "deleted_at" in table.c:
            conds.append(table.c.deleted_at.is_(None))
        for m in (await conn.execute(select(table.c[fk].label("__fk"), *_cols(table, cols)).where(*conds)
                                     .order_by(table.c[order]))).mappings():
            d = dict(m)
            grouped[d.pop("__fk")].append(d)
        for r in rows:
            r[name] = grouped.get(r[parent_key], [])
    return load


def link_loader(link: Any, left: str, right: str, table: Any, cols: list[str], name: str) -> Any:
    """Loader for a many-to-many relation through a link table (`left` = this side's id column)."""
    async def load(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
        ids = [r["id"] for r in rows]
        conds = [link.c[left].in_(ids), table.c.id == link.c[right]]
        if "deleted_at" in link.c:
            conds.append(link.c.deleted_at.is_(None))
        if "deleted_at" in table.c:
            conds.append(table.c.deleted_at.is_(None))
        grouped: dict[str, list[Row]] = defaultdict(list)
        order = table.c.created_at if "created_at" in table.c else table.c.id
        for m in (await conn.execute(select(link.c[left].label("__fk"), *_cols(table, cols))
                                     .where(*conds).order_by(order))).mappings():
            d = dict(m)
            grouped[d.pop("__fk")].append(d)
        for r in rows:
            r[name] = grouped.get(r["id"], [])
    return load


def region_resource(*, store: bool) -> Resource:
    """Regions with countries and payment providers."""
    defaults = (["id", "name", "currency_code", "created_at", "updated_at", "deleted_at", "metadata", "*countries"]
                if store else ["id", "name", "currency_code", "automatic_taxes", "created_at", "updated_at",
                               "deleted_at", "metadata", "*countries"])  # payment_providers on request (2.21.2)
    return Resource(
        name="Region", table=region, columns=REGION_COLS, defaults=defaults,
        relations={
            "countries": children_loader(region_country, COUNTRY_COLS, "region_id", "countries", order="iso_2"),
            "payment_providers": link_loader(region_payment_provider, "region_id", "payment_provider_id",
                                             payment_provider, ["id", "is_enabled"], "payment_providers"),
        },
        searchable=("name",), filterable=("id", "name", "currency_code", "created_at", "updated_at"),
        max_depth=3,
    )


def currency_resource() -> Resource:
    """Currencies (primary key `code`)."""
    return Resource(name="Currency", table=currency, columns=CURRENCY_COLS, pk="code", default_order="code",
                    # no timestamps by default in Medusa 2.21.2 (admin and store)
                    defaults=["code", "name", "symbol", "symbol_native", "decimal_digits", "rounding"],
                    searchable=("code", "name"), filterable=("code",), max_depth=3)


def _collection_products(conn: Any, rows: Any, sel: Any, ctx: Any) -> Any:
    return children_loader(product, ["id", "title", "handle", "status", "thumbnail", "created_at", "updated_at"],
                           "collection_id", "products")(conn, rows, sel, ctx)


def collection_resource(*, store: bool) -> Resource:
    """Product collections (with `products` on request)."""
    return Resource(name="Product collection", table=product_collection, columns=COLLECTION_COLS,
                    # Medusa 2.21.2's defaults: the store's without metadata, neither with deleted_at
                    defaults=["id", "title", "handle", "external_id", "created_at", "updated_at"]
                    + ([] if store else ["metadata"]),
                    relations={"products": _collection_products},
                    searchable=("title", "handle"),
                    filterable=("id", "title", "handle", "created_at", "updated_at", "deleted_at"), max_depth=3)


def _category_children(conn: Any, rows: Any, sel: Any, ctx: Any) -> Any:
    extra = [product_category.c.is_active.is_(True), product_category.c.is_internal.is_(False)] \
        if ctx.get("store") else []
    return children_loader(product_category, CATEGORY_COLS, "parent_category_id", "category_children",
                           order="rank", extra=extra)(conn, rows, sel, ctx)


async def _category_parent(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    ids = list({r.get("parent_category_id") for r in rows if r.get("parent_category_id")})
    found: dict[str, Row] = {}
    if ids:
        for m in (await conn.execute(select(*_cols(product_category, CATEGORY_COLS))
                                     .where(product_category.c.id.in_(ids)))).mappings():
            found[m["id"]] = dict(m)
    for r in rows:
        r["parent_category"] = found.get(r.get("parent_category_id") or "")


async def _category_trees(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    """`include_descendants_tree` / `include_ancestors_tree`: whole subtrees / parent chains, one statement each."""
    if not rows or not (ctx.get("descendants") or ctx.get("ancestors")):
        return
    pc = product_category
    visible = [pc.c.deleted_at.is_(None)]
    if ctx.get("store"):
        visible += [pc.c.is_active.is_(True), pc.c.is_internal.is_(False)]
    mpaths = {r["id"]: str(r.get("mpath") or r["id"]) for r in rows}
    if ctx.get("descendants"):
        from sqlalchemy import or_
        found = [dict(m) for m in (await conn.execute(select(*_cols(pc, CATEGORY_COLS)).where(
            or_(*[pc.c.mpath.like(f"{mp}.%") for mp in mpaths.values()]), *visible)
            .order_by(pc.c.rank, pc.c.id))).mappings()]
        children: dict[str, list[Row]] = defaultdict(list)
        for c in found:
            children[c["parent_category_id"]].append(c)

        def attach(node: Row) -> None:
            node["category_children"] = children.get(node["id"], [])
            for child in node["category_children"]:
                attach(child)
        for r in rows:
            attach(r)
            if not ctx.get("ancestors"):
                r.pop("parent_category", None)  # a descendants tree answers no parent (Medusa 2.21.2)
    if ctx.get("ancestors"):
        ancestor_ids = {a for mp in mpaths.values() for a in mp.split(".")[:-1]}
        found_by_id = {m["id"]: dict(m) for m in (await conn.execute(select(*_cols(pc, CATEGORY_COLS)).where(
            pc.c.id.in_(list(ancestor_ids)), *visible))).mappings()} if ancestor_ids else {}
        for r in rows:
            node = r
            while node.get("parent_category_id"):
                parent = found_by_id.get(node["parent_category_id"])
                if parent is None:
                    break
                node["parent_category"] = dict(parent)
                node = node["parent_category"]


def _category_products_filter(value: Any) -> ColumnElement[bool]:
    return exists(select(1).where(product_category_product.c.product_category_id == product_category.c.id,
                                  product_category_product.c.product_id.in_(as_list(value))))


def category_resource(*, store: bool) -> Resource:
    """Product categories with parent/children (and the tree parameters)."""
    defaults = ["id", "name", "description", "handle", "rank", "external_id", "parent_category_id", "created_at",
                "updated_at", "metadata", "*parent_category", "*category_children"]
    if not store:
        defaults = [*defaults[:4], "is_active", "is_internal", *defaults[4:]]
    return Resource(
        name="Product category", table=product_category, columns=CATEGORY_COLS, defaults=defaults,
        relations={
            "parent_category": _category_parent,
            "category_children": _category_children,
            "products": link_loader(product_category_product, "product_category_id", "product_id", product,
                                    ["id", "title", "handle", "status", "thumbnail"], "products"),
        },
        searchable=("name", "handle", "description"),
        filterable=("id", "name", "handle", "parent_category_id", "is_active", "is_internal", "created_at",
                    "updated_at", "deleted_at", "description"),
        filters={"product_id": _category_products_filter},
        default_order="rank", max_depth=3, after=_category_trees,
    )


def tag_resource() -> Resource:
    """Product tags."""
    return Resource(name="Product tag", table=product_tag, columns=TAG_COLS,
                    defaults=["id", "value", "created_at", "updated_at", "deleted_at", "metadata"],
                    searchable=("value",), filterable=("id", "value", "created_at", "updated_at", "deleted_at"),
                    max_depth=3)


def type_resource() -> Resource:
    """Product types."""
    return Resource(name="Product type", table=product_type, columns=TAG_COLS,
                    defaults=["id", "value", "created_at", "updated_at", "deleted_at", "metadata"],
                    searchable=("value",), filterable=("id", "value", "created_at", "updated_at", "deleted_at"),
                    max_depth=3)


OPTION_DEFAULTS = ("id", "title", "is_exclusive", "metadata", "created_at", "updated_at", "deleted_at", "*values")


def option_resource(defaults: Sequence[str] = OPTION_DEFAULTS) -> Resource:
    """Product options with their values (`GET /admin/products/:id/options` passes Medusa's `id,title`)."""
    return Resource(name="Product option", table=product_option, columns=[*OPTION_COLS, "product_id"],
                    defaults=defaults,
                    relations={"values": children_loader(product_option_value, VALUE_COLS, "option_id", "values")},
                    searchable=("title",), filterable=("id", "title", "product_id", "is_exclusive", "created_at",
                                                       "updated_at"), max_depth=3)


def option_value_resource() -> Resource:
    """Values of a product option."""
    return Resource(name="Product option value", table=product_option_value, columns=VALUE_COLS,
                    defaults=VALUE_COLS, searchable=("value",), filterable=("id", "value", "option_id"))


def sales_channel_resource() -> Resource:
    """Sales channels (with `products` on request)."""
    return Resource(name="Sales channel", table=sales_channel, columns=SALES_CHANNEL_COLS,
                    defaults=["id", "name", "description", "is_disabled", "metadata", "created_at", "updated_at",
                              "deleted_at"],
                    relations={"products": link_loader(product_sales_channel, "sales_channel_id", "product_id",
                                                       product, ["id", "title", "handle", "status"], "products")},
                    searchable=("name", "description"),
                    filterable=("id", "name", "is_disabled", "created_at", "updated_at", "deleted_at"))


def _api_key_transform(row: Row) -> None:
    # secret keys are never shown again after creation: only the redacted form
    if row.get("type") == "secret" and "token" in row:
        row["token"] = ""


def api_key_resource() -> Resource:
    """API keys with the sales channels of publishable keys (secret tokens never shown)."""
    return Resource(name="API Key", table=api_key, columns=[c for c in API_KEY_COLS if c in api_key.c],
                    defaults=["id", "token", "redacted", "title", "type", "last_used_at", "updated_at",
                              "created_at", "created_by", "revoked_at", "revoked_by", "sales_channels.id",
                              "sales_channels.name"],  # only these two in Medusa 2.21.2
                    relations={"sales_channels": link_loader(publishable_api_key_sales_channel, "publishable_key_id",
                                                             "sales_channel_id", sales_channel, SALES_CHANNEL_COLS,
                                                             "sales_channels")},
                    searchable=("title", "redacted"),
                    filterable=("id", "title", "type", "token", "created_at", "updated_at", "revoked_at"),
                    soft_delete=False, transform=_api_key_transform)


_store_currencies = children_loader(store_currency, ["id", "currency_code", "is_default", "store_id", "created_at",
                                                    "updated_at", "deleted_at"], "store_id", "supported_currencies")


async def _supported_currencies(conn: AsyncConnection, rows: list[Row], sel: FieldSelection,
                                ctx: dict[str, Any]) -> None:
    """Store currencies with their `currency` and the tax-inclusive preference of that currency."""
    await _store_currencies(conn, rows, sel, ctx)
    codes = list({c["currency_code"] for r in rows for c in r["supported_currencies"]})
    if not codes:
        return
    currencies = {m["code"]: dict(m) for m in (await conn.execute(
        select(*_cols(currency, CURRENCY_COLS)).where(currency.c.code.in_(codes)))).mappings()}
    inclusive = {m.value: m.is_tax_inclusive for m in await conn.execute(
        select(price_preference.c.value, price_preference.c.is_tax_inclusive).where(
            price_preference.c.attribute == "currency_code", price_preference.c.value.in_(codes),
            price_preference.c.deleted_at.is_(None)))}
    for r in rows:
        for c in r["supported_currencies"]:
            c["currency"] = currencies.get(c["currency_code"])
            c["is_tax_inclusive"] = bool(inclusive.get(c["currency_code"], False))


def store_resource() -> Resource:
    """Stores with supported currencies."""
    return Resource(name="Store", table=store, columns=STORE_COLS,
                    defaults=["id", "name", "default_sales_channel_id", "default_region_id", "default_location_id",
                              "metadata", "created_at", "updated_at", "*supported_currencies",
                              "*supported_currencies.currency"],
                    relations={"supported_currencies": _supported_currencies},
                    searchable=("name",), filterable=("id", "name"))


async def _price_list_prices(conn: AsyncConnection, rows: list[Row], sel: FieldSelection,
                             ctx: dict[str, Any]) -> None:
    from euryale.links.models import product_variant_price_set as pvps
    ids = [r["id"] for r in rows]
    grouped: dict[str, list[Row]] = defaultdict(list)
    for m in (await conn.execute(
            select(price.c.id, price.c.price_list_id, price.c.currency_code, price.c.amount, price.c.min_quantity,
                   price.c.max_quantity, price.c.price_set_id, price.c.created_at, price.c.updated_at,
                   price.c.deleted_at, pvps.c.variant_id)
            .select_from(price.outerjoin(pvps, (pvps.c.price_set_id == price.c.price_set_id)
                                         & pvps.c.deleted_at.is_(None)))
            .where(price.c.price_list_id.in_(ids), price.c.deleted_at.is_(None))
            .order_by(price.c.created_at))).mappings():
        d = dict(m)
        d["rules"] = {}
        grouped[d["price_list_id"]].append(d)
    for r in rows:
        r["prices"] = grouped.get(r["id"], [])


async def _price_list_rules(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    ids = [r["id"] for r in rows]
    grouped: dict[str, dict[str, Any]] = defaultdict(dict)
    for m in (await conn.execute(select(price_list_rule.c.price_list_id, price_list_rule.c.attribute,
                                        price_list_rule.c.value)
                                 .where(price_list_rule.c.price_list_id.in_(ids),
                                        price_list_rule.c.deleted_at.is_(None)))):
        grouped[m.price_list_id][m.attribute] = m.value
    for r in rows:
        r["rules"] = grouped.get(r["id"], {})


def price_list_resource() -> Resource:
    """Price lists with prices (and their variant) and rules."""
    return Resource(name="Price list", table=price_list, columns=PRICE_LIST_COLS,
                    # Medusa 2.21.2's defaults: the prices only with `fields` (the dashboard lists them apart)
                    defaults=["id", "title", "description", "status", "type", "starts_at", "ends_at", "metadata",
                              "created_at", "updated_at", "deleted_at", "rules"],
                    relations={"prices": _price_list_prices, "rules": _price_list_rules},
                    searchable=("title", "description"),
                    filterable=("id", "title", "status", "type", "starts_at", "ends_at", "created_at", "updated_at"))


def price_preference_resource() -> Resource:
    """Price preferences."""
    return Resource(name="Price preference", table=price_preference, columns=PREFERENCE_COLS,
                    defaults=["id", "attribute", "value", "is_tax_inclusive", "created_at", "updated_at",
                              "deleted_at"],
                    filterable=("id", "attribute", "value", "is_tax_inclusive"))
