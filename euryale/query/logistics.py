"""Read resources of the logistics modules: stock locations, inventory, fulfillment, tax and promotions.

Each relation is loaded once per page (set-based); the module services' `expand_*` helpers are reused where one
call already builds a nested relation (a shipping option's zone → set → location, a promotion's rules).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.links.models import (
    location_fulfillment_provider,
    location_fulfillment_set,
    product_variant_inventory_item,
    sales_channel_stock_location,
    shipping_option_price_set,
)
from euryale.modules.fulfillment import service as fulfillment_service
from euryale.modules.fulfillment.models import (
    fulfillment_provider,
    fulfillment_set,
    geo_zone,
    service_zone,
    shipping_option,
    shipping_option_rule,
    shipping_option_type,
    shipping_profile,
)
from euryale.modules.inventory.models import inventory_item, inventory_level, reservation_item
from euryale.modules.pricing import service as pricing_service
from euryale.modules.product.models import product_variant
from euryale.modules.promotion import service as promotion_service
from euryale.modules.promotion.models import promotion, promotion_campaign
from euryale.modules.sales_channel.models import sales_channel
from euryale.modules.stock_location.models import stock_location, stock_location_address
from euryale.modules.tax import service as tax_service
from euryale.modules.tax.models import tax_rate, tax_region
from euryale.query.catalog import children_loader, link_loader
from euryale.query.engine import Loader, Resource, Row
from euryale.query.fields import FieldSelection

Expand = Callable[[AsyncConnection, list[Row]], Awaitable[list[Row]]]


def cols(table: Any, skip: tuple[str, ...] = ()) -> list[str]:
    """Every column of a table except `skip`."""
    return [c.name for c in table.c if c.name not in skip]


def expand_loader(name: str, expand: Expand) -> Loader:
    """A loader that runs a service `expand_*` once per page (cached in ctx) and copies relation `name`."""
    async def load(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
        key = (id(expand), tuple(r["id"] for r in rows))
        cache: dict[Any, list[Row]] = ctx.setdefault("__expanded__", {})
        if key not in cache:
            cache[key] = await expand(conn, [dict(r) for r in rows])
        by_id = {e["id"]: e for e in cache[key]}
        for r in rows:
            r[name] = by_id.get(r["id"], {}).get(name)
    return load


# ---------------------------------------------------------------- stock locations

SALES_CHANNEL_COLS = ["id", "name", "description", "is_disabled", "metadata", "created_at", "updated_at",
                      "deleted_at"]


async def _location_address(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    ids = [r["address_id"] for r in rows if r.get("address_id")]
    found: dict[str, Row] = {}
    if ids:
        t = stock_location_address
        found = {a["id"]: dict(a) for a in (await conn.execute(select(t).where(t.c.id.in_(ids)))).mappings()}
    for r in rows:
        r["address"] = found.get(r.get("address_id") or "")


async def _zone_options(conn: AsyncConnection, zone_ids: list[str], sel: FieldSelection,
                        ctx: dict[str, Any]) -> dict[str, list[Row]]:
    """Live shipping options per zone, with only the option relations `sel` asks for (one expansion per page)."""
    t = shipping_option
    rows = [dict(o) for o in (await conn.execute(select(t).where(
        t.c.service_zone_id.in_(zone_ids), t.c.deleted_at.is_(None)).order_by(t.c.created_at, t.c.id))).mappings()]
    wanted = [name for name in SO_RELATIONS if name in sel.relations]
    if wanted and rows:
        expanded = {o["id"]: o for o in await _expand_options(conn, [dict(r) for r in rows])}
        for r in rows:
            for name in wanted:
                r[name] = expanded[r["id"]][name]
    for r in rows:
        # Medusa 2.21.2 answers the unselected many-to-one references of a nested option as `{id}`
        r.setdefault("type", {"id": r["shipping_option_type_id"]})
        r.setdefault("provider", {"id": r["provider_id"]} if r["provider_id"] else None)
    prices_sel = sel.relations.get("prices")
    if prices_sel is not None and rows:
        await _option_prices(conn, rows, prices_sel, ctx)
        if "price_rules" not in prices_sel.relations:  # `*...prices` is the price rows alone in Medusa 2.21.2
            for r in rows:
                r["prices"] = [{k: v for k, v in p.items() if k != "price_rules"} for p in r["prices"]]
    grouped: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        grouped[r["service_zone_id"]].append(r)
    return grouped


async def _attach_zones(conn: AsyncConnection, sets: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    """`service_zones` of fulfillment sets (whole live rows), with `geo_zones` / `shipping_options` when `sel`
    selects them: one statement per relation per page, as Medusa 2.21.2 answers `*...service_zones[.rel]`."""
    z = service_zone
    zones = [dict(r) for r in (await conn.execute(select(z).where(
        z.c.fulfillment_set_id.in_([s["id"] for s in sets]), z.c.deleted_at.is_(None))
        .order_by(z.c.created_at, z.c.id))).mappings()] if sets else []
    zone_ids = [r["id"] for r in zones]
    if "geo_zones" in sel.relations:
        g = geo_zone
        geos: dict[str, list[Row]] = defaultdict(list)
        if zone_ids:
            for r in (await conn.execute(select(g).where(g.c.service_zone_id.in_(zone_ids), g.c.deleted_at.is_(None))
                                         .order_by(g.c.created_at, g.c.id))).mappings():
                geos[r["service_zone_id"]].append(dict(r))
        for zone in zones:
            zone["geo_zones"] = geos.get(zone["id"], [])
    options_sel = sel.relations.get("shipping_options")
    if options_sel is not None:
        options = await _zone_options(conn, zone_ids, options_sel, ctx) if zone_ids else {}
        for zone in zones:
            zone["shipping_options"] = options.get(zone["id"], [])
    by_set: dict[str, list[Row]] = defaultdict(list)
    for zone in zones:
        by_set[zone["fulfillment_set_id"]].append(zone)
    for fs in sets:
        fs["service_zones"] = by_set.get(fs["id"], [])


async def _set_zones(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    await _attach_zones(conn, rows, sel, ctx)


async def _location_sets(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    """A location's fulfillment sets (whole live rows); their zones only when selected."""
    t = location_fulfillment_set
    pairs = [(a, b) for a, b in await conn.execute(select(t.c.stock_location_id, t.c.fulfillment_set_id).where(
        t.c.stock_location_id.in_([r["id"] for r in rows]), t.c.deleted_at.is_(None)))]
    set_rows = [dict(s) for s in (await conn.execute(select(fulfillment_set).where(
        fulfillment_set.c.id.in_([b for _, b in pairs]), fulfillment_set.c.deleted_at.is_(None))
        .order_by(fulfillment_set.c.created_at))).mappings()] if pairs else []
    zones_sel = sel.relations.get("service_zones")
    if zones_sel is not None:
        await _attach_zones(conn, set_rows, zones_sel, ctx)
    by_id = {s["id"]: s for s in set_rows}
    grouped: dict[str, list[Row]] = defaultdict(list)
    for loc, fs in pairs:
        if fs in by_id:
            grouped[loc].append(by_id[fs])
    for r in rows:
        r["fulfillment_sets"] = grouped.get(r["id"], [])


LOCATION_ADDRESS = ("id", "address_1", "address_2", "city", "country_code", "phone", "province", "postal_code",
                    "metadata")


def stock_location_resource() -> Resource:
    return Resource(
        name="Stock location", table=stock_location, columns=cols(stock_location),
        # Medusa 2.21.2's defaults; clients ask for sets, channels and providers with `fields`
        defaults=["id", "name", "metadata", "created_at", "updated_at", *(f"address.{c}" for c in LOCATION_ADDRESS)],
        relations={
            "address": _location_address,
            "sales_channels": link_loader(sales_channel_stock_location, "stock_location_id", "sales_channel_id",
                                          sales_channel, SALES_CHANNEL_COLS, "sales_channels"),
            "fulfillment_providers": link_loader(location_fulfillment_provider, "stock_location_id",
                                                 "fulfillment_provider_id", fulfillment_provider,
                                                 ["id", "is_enabled", "created_at", "updated_at", "deleted_at"],
                                                 "fulfillment_providers"),
            "fulfillment_sets": _location_sets,
        },
        searchable=("name",), filterable=("id", "name", "address_id", "created_at", "updated_at"),
    )


# ---------------------------------------------------------------- inventory

LEVEL_COLS = ["id", "inventory_item_id", "location_id", "stocked_quantity", "reserved_quantity", "incoming_quantity",
              "metadata", "created_at", "updated_at", "deleted_at"]


def _level_transform(r: Row) -> None:
    if "stocked_quantity" in r and "reserved_quantity" in r:
        r["available_quantity"] = int(r["stocked_quantity"]) - int(r["reserved_quantity"])


async def _item_levels(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    await children_loader(inventory_level, LEVEL_COLS, "inventory_item_id", "location_levels")(conn, rows, sel, ctx)
    for r in rows:
        for lv in r["location_levels"]:
            _level_transform(lv)
            # `*location_levels` is the whole model in Medusa 2.21.2: its BigNumber columns come along
            for name in ("stocked_quantity", "reserved_quantity", "incoming_quantity"):
                if name in lv:
                    lv["raw_" + name] = pricing_service.raw(lv[name])


async def _item_totals(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    """Computed `stocked_quantity` / `reserved_quantity` of an item: sums over its levels."""
    if not rows or not (sel.star or sel.has("stocked_quantity") or sel.has("reserved_quantity")):
        return
    t = inventory_level
    sums = {a: (int(b), int(c)) for a, b, c in await conn.execute(
        select(t.c.inventory_item_id, func.coalesce(func.sum(t.c.stocked_quantity), 0),
               func.coalesce(func.sum(t.c.reserved_quantity), 0))
        .where(t.c.inventory_item_id.in_([r["id"] for r in rows]), t.c.deleted_at.is_(None))
        .group_by(t.c.inventory_item_id))}
    for r in rows:
        stocked, reserved = sums.get(r["id"], (0, 0))
        r["stocked_quantity"] = stocked
        r["reserved_quantity"] = reserved


VARIANT_COLS = ["id", "title", "sku", "barcode", "ean", "upc", "product_id", "manage_inventory", "allow_backorder",
                "variant_rank", "metadata", "created_at", "updated_at"]
ITEM_DEFAULTS = ["id", "sku", "title", "description", "thumbnail", "origin_country", "hs_code", "requires_shipping",
                 "mid_code", "material", "unit_of_measure", "weight", "length", "height", "width", "metadata",
                 "reserved_quantity", "stocked_quantity", "created_at", "updated_at", "*location_levels"]


def inventory_item_resource() -> Resource:
    return Resource(
        name="Inventory item", table=inventory_item, columns=cols(inventory_item), defaults=ITEM_DEFAULTS,
        relations={"location_levels": _item_levels,
                   "variants": link_loader(product_variant_inventory_item, "inventory_item_id", "variant_id",
                                           product_variant, VARIANT_COLS, "variants")},
        after=_item_totals,
        searchable=("sku", "title", "description"), computed=("stocked_quantity", "reserved_quantity"),
        filterable=("id", "sku", "origin_country", "mid_code", "hs_code", "material", "requires_shipping", "weight",
                    "length", "height", "width", "title", "created_at", "updated_at"),
        filters={"location_levels": lambda v: _levels_filter(v)},
    )


def _levels_filter(value: Any) -> Any:
    loc = value.get("location_id") if isinstance(value, dict) else None
    locs = loc if isinstance(loc, list) else [loc] if loc else []
    return inventory_item.c.id.in_(select(inventory_level.c.inventory_item_id).where(
        inventory_level.c.location_id.in_(locs), inventory_level.c.deleted_at.is_(None)))


def inventory_level_resource() -> Resource:
    return Resource(
        name="Inventory level", table=inventory_level, columns=LEVEL_COLS,
        defaults=["id", "inventory_item_id", "location_id", "stocked_quantity", "reserved_quantity",
                  "incoming_quantity", "available_quantity", "metadata", "created_at", "updated_at"],
        transform=_level_transform, computed=("available_quantity",),
        filterable=("id", "location_id", "inventory_item_id", "stocked_quantity", "reserved_quantity",
                    "incoming_quantity", "created_at", "updated_at"),
    )


async def _reservation_item(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    ids = list({r["inventory_item_id"] for r in rows})
    items = [dict(i) for i in (await conn.execute(select(inventory_item).where(inventory_item.c.id.in_(ids))))
             .mappings()]
    for i in items:
        i.pop("deleted_at", None)
    await _item_totals(conn, items, FieldSelection(star=True), ctx)
    by_id = {i["id"]: i for i in items}
    for r in rows:
        r["inventory_item"] = by_id.get(r["inventory_item_id"])


def reservation_resource() -> Resource:
    return Resource(
        name="Reservation", table=reservation_item, columns=cols(reservation_item),
        defaults=["id", "location_id", "inventory_item_id", "quantity", "line_item_id", "description", "metadata",
                  "created_at", "updated_at", "*inventory_item"],
        relations={"inventory_item": _reservation_item},
        filterable=("id", "location_id", "inventory_item_id", "line_item_id", "quantity", "description",
                    "created_by", "created_at", "updated_at"),
    )


# ---------------------------------------------------------------- fulfillment

async def _expand_options(conn: AsyncConnection, rows: list[Row]) -> list[Row]:
    """Admin shipping options' relations in Medusa 2.21.2's default shape: the whole related records (live rows:
    `deleted_at` null) and the zone's fulfillment set as `{id}` only."""
    options = await fulfillment_service.expand_shipping_options(conn, rows)
    for o in options:
        zone = o["service_zone"]
        if zone is not None:
            zone["deleted_at"] = None
            if zone["fulfillment_set"] is not None:
                zone["fulfillment_set"]["deleted_at"] = None
        for name in ("type", "shipping_profile"):
            if o[name] is not None:
                o[name]["deleted_at"] = None
        for rule in o["rules"]:
            rule["deleted_at"] = None
    return options


async def _option_prices(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    t = shipping_option_price_set
    links = {a: b for a, b in await conn.execute(select(t.c.shipping_option_id, t.c.price_set_id).where(
        t.c.shipping_option_id.in_([r["id"] for r in rows]), t.c.deleted_at.is_(None)))}
    prices = await pricing_service.list_prices(conn, price_set_ids=list(links.values())) if links else {}
    rule_rows = await pricing_service.price_rule_rows(conn, [p for ps in prices.values() for p in ps])
    raw = pricing_service.raw
    for r in rows:
        out = []
        for p in prices.get(links.get(r["id"], ""), []):
            p.pop("rules", None)
            out.append({**p, "raw_amount": raw(p.get("amount")), "raw_min_quantity": raw(p.get("min_quantity")),
                        "raw_max_quantity": raw(p.get("max_quantity")), "price_list": None,
                        "price_rules": rule_rows.get(p["id"], [])})
        r["prices"] = out


SO_RELATIONS = ("service_zone", "type", "provider", "shipping_profile", "rules")


async def _option_zone(conn: AsyncConnection, rows: list[Row], sel: FieldSelection, ctx: dict[str, Any]) -> None:
    """An option's `service_zone`; its fulfillment set is `{id}` unless selected (Medusa 2.21.2's default)."""
    await expand_loader("service_zone", _expand_options)(conn, rows, sel, ctx)
    if "fulfillment_set" in sel.relations:
        return
    for r in rows:
        zone = r["service_zone"]
        if zone is not None:
            r["service_zone"] = {**zone, "fulfillment_set": {"id": zone["fulfillment_set_id"]}}


def shipping_option_resource() -> Resource:
    relations: dict[str, Loader] = {name: expand_loader(name, _expand_options) for name in SO_RELATIONS}
    relations["service_zone"] = _option_zone
    relations["prices"] = _option_prices
    return Resource(
        name="Shipping option", table=shipping_option, columns=cols(shipping_option),
        defaults=["id", "name", "price_type", "data", "metadata", "created_at", "updated_at", "service_zone_id",
                  "shipping_profile_id", "provider_id", "*rules", "*type", "*prices",
                  "*service_zone", "*shipping_profile", "*provider"],
        relations=relations, searchable=("name",),
        filterable=("id", "name", "service_zone_id", "shipping_profile_id", "provider_id", "price_type",
                    "shipping_option_type_id", "created_at", "updated_at"),
        filters={"stock_location_id": _option_location_filter, "is_return": _option_rule_filter("is_return"),
                 "admin_only": _option_admin_only},
    )


def _option_location_filter(value: Any) -> Any:
    locs = value if isinstance(value, list) else [value]
    lfs = location_fulfillment_set
    return shipping_option.c.service_zone_id.in_(
        select(service_zone.c.id).where(service_zone.c.fulfillment_set_id.in_(
            select(lfs.c.fulfillment_set_id).where(lfs.c.stock_location_id.in_(locs), lfs.c.deleted_at.is_(None)))))


def _option_rule_filter(attribute: str) -> Callable[[Any], Any]:
    r = shipping_option_rule

    def make(value: Any) -> Any:
        wanted = str(value).lower()
        sub = select(r.c.shipping_option_id).where(r.c.attribute == attribute, r.c.deleted_at.is_(None),
                                                   func.lower(func.jsonb_build_array(r.c.value).op("->>")(0)) == wanted)
        return shipping_option.c.id.in_(sub)
    return make


def _option_admin_only(value: Any) -> Any:
    # admin_only=true ⇔ enabled_in_store=false
    flipped = "false" if str(value).lower() == "true" else "true"
    return _option_rule_filter("enabled_in_store")(flipped)


def shipping_profile_resource() -> Resource:
    return Resource(name="Shipping profile", table=shipping_profile, columns=cols(shipping_profile),
                    defaults=["id", "name", "type", "metadata", "created_at", "updated_at"],
                    searchable=("name",), filterable=("id", "name", "type", "created_at", "updated_at"))


def shipping_option_type_resource() -> Resource:
    return Resource(name="Shipping option type", table=shipping_option_type, columns=cols(shipping_option_type),
                    defaults=["id", "label", "code", "description", "created_at", "updated_at"],
                    searchable=("label", "code"), filterable=("id", "label", "code", "created_at", "updated_at"))


def fulfillment_provider_resource() -> Resource:
    return Resource(name="Fulfillment provider", table=fulfillment_provider, columns=["id", "is_enabled"],
                    defaults=["id", "is_enabled"], soft_delete=False, default_order="id",
                    filterable=("id", "is_enabled"), searchable=("id",),
                    filters={"stock_location_id": _provider_location_filter})


def _provider_location_filter(value: Any) -> Any:
    locs = value if isinstance(value, list) else [value]
    t = location_fulfillment_provider
    return fulfillment_provider.c.id.in_(select(t.c.fulfillment_provider_id).where(
        t.c.stock_location_id.in_(locs), t.c.deleted_at.is_(None)))


def fulfillment_set_resource() -> Resource:
    return Resource(name="Fulfillment set", table=fulfillment_set, columns=cols(fulfillment_set),
                    # Medusa 2.21.2's defaults (no metadata)
                    defaults=["id", "name", "type", "created_at", "updated_at", "deleted_at", "*service_zones",
                              "*service_zones.geo_zones"],
                    relations={"service_zones": _set_zones},
                    filterable=("id", "name", "type"))


# ---------------------------------------------------------------- tax

def _rate_transform(r: Row) -> None:
    if r.get("rate") is not None:
        r["rate"] = Decimal(str(r["rate"]))


async def _expand_tax_regions(conn: AsyncConnection, rows: list[Row]) -> list[Row]:
    return await tax_service.expand_regions(conn, rows)


async def _expand_tax_rates(conn: AsyncConnection, rows: list[Row]) -> list[Row]:
    return await tax_service.expand_rates(conn, rows)


def tax_region_resource() -> Resource:
    return Resource(
        name="TaxRegion", table=tax_region, columns=cols(tax_region),
        defaults=["id", "country_code", "province_code", "parent_id", "provider_id", "created_by", "created_at",
                  "updated_at", "deleted_at", "metadata", "*tax_rates", "*tax_rates.rules", "*parent", "*children",
                  "*children.tax_rates", "*children.tax_rates.rules"],
        relations={n: expand_loader(n, _expand_tax_regions) for n in ("tax_rates", "parent", "children")},
        searchable=("country_code", "province_code"),
        filterable=("id", "country_code", "province_code", "parent_id", "provider_id", "created_by", "created_at",
                    "updated_at"),
    )


def tax_rate_resource() -> Resource:
    return Resource(
        name="TaxRate", table=tax_rate, columns=cols(tax_rate),
        defaults=["id", "rate", "is_default", "is_combinable", "name", "code", "tax_region_id", "metadata",
                  "created_at", "updated_at", "deleted_at", "created_by", "*tax_region", "*rules"],
        relations={n: expand_loader(n, _expand_tax_rates) for n in ("tax_region", "rules")},
        transform=_rate_transform, searchable=("name", "code"),
        filterable=("id", "tax_region_id", "name", "code", "is_default", "is_combinable", "created_by",
                    "created_at", "updated_at"),
    )


# ---------------------------------------------------------------- promotions

async def _expand_promotions(conn: AsyncConnection, rows: list[Row]) -> list[Row]:
    promos = await promotion_service.expand_promotions(conn, rows)
    for p in promos:
        am = p["application_method"]
        if am is not None:
            # Medusa 2.21.2 answers the BigNumber column beside the number, and the live row's deleted_at
            am["raw_value"] = pricing_service.raw(am.get("value"))
            am["deleted_at"] = None
    return promos


async def _expand_campaigns(conn: AsyncConnection, rows: list[Row]) -> list[Row]:
    return await promotion_service.expand_campaigns(conn, rows)


def promotion_resource() -> Resource:
    return Resource(
        name="Promotion", table=promotion, columns=cols(promotion),
        defaults=["id", "code", "is_automatic", "is_tax_inclusive", "type", "status", "campaign_id", "limit", "used",
                  "metadata", "created_at", "updated_at", "deleted_at", "*campaign", "*campaign.budget",
                  "*application_method", "*application_method.buy_rules", "*application_method.target_rules",
                  "*rules"],
        relations={n: expand_loader(n, _expand_promotions) for n in ("campaign", "application_method", "rules")},
        searchable=("code",),
        filterable=("id", "code", "campaign_id", "is_automatic", "type", "status", "created_at", "updated_at"),
    )


def campaign_resource() -> Resource:
    return Resource(
        name="Campaign", table=promotion_campaign, columns=cols(promotion_campaign),
        defaults=["id", "name", "description", "campaign_identifier", "starts_at", "ends_at", "created_at",
                  "updated_at", "deleted_at", "*budget", "*promotions"],
        relations={n: expand_loader(n, _expand_campaigns) for n in ("budget", "promotions")},
        searchable=("name", "campaign_identifier"),
        filterable=("id", "name", "campaign_identifier", "created_at", "updated_at"),
    )
