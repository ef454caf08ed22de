"""Seed the benchmark dataset with bulk SQL (one multi-row INSERT per table, in one transaction).

The dataset Medusa 2.21.2 was measured on (issue 7): 200 products × 6 variants (Size × Color), prices in EUR and
USD, inventory at one stock location, 10 categories, 5 collections, tags, 2 images per product; two regions (EU
in EUR, US in USD) with `pp_system_default`; a sales channel with a publishable key; a flat shipping option in both
currencies. `--scale 10` makes 2,000 products (12,000 variants).

    python -m benchmarks.seed_dataset --database-url postgres://... [--scale 10]

It writes straight to the module tables (not through the services) so it seeds in seconds and does not depend on
which admin routes exist; rows match what the services write (ids with Medusa's prefixes, link rows).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import pkgutil
import secrets
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

import euryale.modules
from euryale.config import normalize_database_url
from euryale.db.schema import metadata
from euryale.ids import generate_id

SIZES = ("S", "M", "L")
COLORS = ("Black", "White")
EU_COUNTRIES = ("de", "fr", "it", "es", "nl")
US_COUNTRIES = ("us",)
CHUNK = 2000


def _load_models() -> None:
    for info in pkgutil.iter_modules(euryale.modules.__path__):
        try:
            importlib.import_module(f"euryale.modules.{info.name}.models")
        except ModuleNotFoundError:
            pass
    importlib.import_module("euryale.links.models")


def t(name: str) -> Table:
    return metadata.tables[name]


async def _insert(conn: AsyncConnection, table: str, rows: list[dict[str, Any]]) -> None:
    tbl = t(table)
    cols = set(tbl.c.keys())
    for i in range(0, len(rows), CHUNK):
        chunk = [{k: v for k, v in r.items() if k in cols} for r in rows[i:i + CHUNK]]
        if chunk:
            await conn.execute(insert(tbl).on_conflict_do_nothing(), chunk)


def _link(table: str, prefix: str, **cols: str) -> dict[str, Any]:
    return {"id": generate_id(prefix), **cols}


async def seed(conn: AsyncConnection, *, scale: int = 1, tag: str | None = None) -> dict[str, Any]:
    """Insert the dataset; returns the ids a benchmark needs (regions, key, shipping option, some variants)."""
    _load_models()
    tag = tag or secrets.token_hex(3)
    n_products = 200 * scale
    out: dict[str, Any] = {"tag": tag, "products": n_products, "variants": n_products * 6}

    await _insert(conn, "currency", [
        {"code": "eur", "symbol": "€", "symbol_native": "€", "name": "Euro", "decimal_digits": 2, "rounding": 0},
        {"code": "usd", "symbol": "$", "symbol_native": "$", "name": "US Dollar", "decimal_digits": 2, "rounding": 0},
    ])
    await _insert(conn, "payment_provider", [{"id": "pp_system_default", "is_enabled": True}])
    await _insert(conn, "fulfillment_provider", [{"id": "manual_manual", "is_enabled": True}])

    # sales channel + publishable key
    sc_id = generate_id("sc")
    await _insert(conn, "sales_channel", [{"id": sc_id, "name": f"Bench {tag}", "is_disabled": False}])
    token = "pk_" + secrets.token_hex(32)
    key_id = generate_id("apk")
    await _insert(conn, "api_key", [{"id": key_id, "token": token, "salt": "", "redacted": token[:6] + "***" + token[-3:],
                                     "title": f"Bench {tag}", "type": "publishable", "created_by": "benchmark"}])
    await _insert(conn, "publishable_api_key_sales_channel", [
        _link("publishable_api_key_sales_channel", "pksc", publishable_key_id=key_id, sales_channel_id=sc_id)])
    out["publishable_key"] = token
    out["sales_channel_id"] = sc_id

    # regions: EU (eur) and US (usd); countries come from the region migration's ISO list
    regions = {"eur": generate_id("reg"), "usd": generate_id("reg")}
    await _insert(conn, "region", [
        {"id": regions["eur"], "name": f"Europe {tag}", "currency_code": "eur", "automatic_taxes": True},
        {"id": regions["usd"], "name": f"United States {tag}", "currency_code": "usd", "automatic_taxes": True},
    ])
    for cur, countries in (("eur", EU_COUNTRIES), ("usd", US_COUNTRIES)):
        await conn.execute(text("UPDATE region_country SET region_id = :r WHERE iso_2 = ANY(:c) AND region_id IS NULL"),
                           {"r": regions[cur], "c": list(countries)})
    await _insert(conn, "region_payment_provider", [
        _link("region_payment_provider", "regpp", region_id=r, payment_provider_id="pp_system_default")
        for r in regions.values()])
    out["regions"] = regions

    # stock location with a shipping fulfillment set covering every country of both regions
    loc_id = generate_id("sloc")
    addr_id = generate_id("laddr")
    await _insert(conn, "stock_location_address", [{"id": addr_id, "address_1": "Lagerstr. 1", "city": "Berlin",
                                                     "country_code": "DE"}])
    await _insert(conn, "stock_location", [{"id": loc_id, "name": f"Warehouse {tag}", "address_id": addr_id}])
    await _insert(conn, "sales_channel_stock_location", [
        _link("sales_channel_stock_location", "scloc", sales_channel_id=sc_id, stock_location_id=loc_id)])
    await _insert(conn, "location_fulfillment_provider", [
        _link("location_fulfillment_provider", "locfp", stock_location_id=loc_id, fulfillment_provider_id="manual_manual")])
    profile_id = generate_id("sp")
    await _insert(conn, "shipping_profile", [{"id": profile_id, "name": f"Default {tag}", "type": "default"}])
    fset_id = generate_id("fuset")
    await _insert(conn, "fulfillment_set", [{"id": fset_id, "name": f"Shipping {tag}", "type": "shipping"}])
    await _insert(conn, "location_fulfillment_set", [
        _link("location_fulfillment_set", "locfs", stock_location_id=loc_id, fulfillment_set_id=fset_id)])
    zone_id = generate_id("serzo")
    await _insert(conn, "service_zone", [{"id": zone_id, "name": f"Zone {tag}", "fulfillment_set_id": fset_id}])
    await _insert(conn, "geo_zone", [{"id": generate_id("fgz"), "type": "country", "country_code": c,
                                      "service_zone_id": zone_id} for c in (*EU_COUNTRIES, *US_COUNTRIES)])
    type_id = generate_id("sotype")
    await _insert(conn, "shipping_option_type", [{"id": type_id, "label": "Standard", "description": "2-3 days",
                                                  "code": "standard"}])
    so_id = generate_id("so")
    await _insert(conn, "shipping_option", [{"id": so_id, "name": "Standard Shipping", "price_type": "flat",
                                             "service_zone_id": zone_id, "shipping_profile_id": profile_id,
                                             "provider_id": "manual_manual", "shipping_option_type_id": type_id,
                                             "data": None}])
    await _insert(conn, "shipping_option_rule", [
        {"id": generate_id("sorul"), "attribute": "enabled_in_store", "operator": "eq", "value": "true",
         "shipping_option_id": so_id},
        {"id": generate_id("sorul"), "attribute": "is_return", "operator": "eq", "value": "false",
         "shipping_option_id": so_id},
    ])
    so_pset = generate_id("pset")
    await _insert(conn, "price_set", [{"id": so_pset}])
    await _insert(conn, "price", [
        {"id": generate_id("price"), "price_set_id": so_pset, "currency_code": "eur", "amount": Decimal(10),
         "rules_count": 0},
        {"id": generate_id("price"), "price_set_id": so_pset, "currency_code": "usd", "amount": Decimal(12),
         "rules_count": 0},
    ])
    await _insert(conn, "shipping_option_price_set", [
        _link("shipping_option_price_set", "sops", shipping_option_id=so_id, price_set_id=so_pset)])
    out["shipping_option_id"] = so_id
    out["stock_location_id"] = loc_id

    # catalog: collections, categories, tags
    collections = [{"id": generate_id("pcol"), "title": name, "handle": f"{name.lower()}-{tag}"}
                   for name in ("Winter", "Summer", "Spring", "Autumn", "Essentials")]
    await _insert(conn, "product_collection", collections)
    categories = []
    for i in range(10):
        cid = generate_id("pcat")
        categories.append({"id": cid, "name": f"Category {i}", "handle": f"category-{i}-{tag}", "mpath": cid,
                           "is_active": True, "is_internal": False, "rank": i})
    await _insert(conn, "product_category", categories)
    tags = [{"id": generate_id("ptag"), "value": f"{v}-{tag}"} for v in ("new", "sale", "organic", "bestseller")]
    await _insert(conn, "product_tag", tags)

    products, options, values, variants, vopts, images = [], [], [], [], [], []
    cat_links, tag_links, sc_links, sp_links = [], [], [], []
    psets, prices, vps_links, inv_items, inv_levels, vinv_links = [], [], [], [], [], []
    for p in range(n_products):
        pid = generate_id("prod")
        handle = f"bench-{tag}-{p}"
        products.append({"id": pid, "title": f"Organic Hoodie {p}", "subtitle": f"Subtitle for Organic Hoodie {p}",
                         "description": f"Organic Hoodie {p} made from 100% cotton. Benchmark product #{p}.",
                         "handle": handle, "status": "published", "is_giftcard": False, "discountable": True,
                         "thumbnail": f"https://example.com/images/{handle}.png",
                         "collection_id": collections[p % len(collections)]["id"]})
        images += [{"id": generate_id("img"), "url": f"https://example.com/images/{handle}-{i}.png", "rank": i,
                    "product_id": pid} for i in range(2)]
        cat_links.append({"product_id": pid, "product_category_id": categories[p % len(categories)]["id"]})
        tag_links.append({"product_id": pid, "product_tag_id": tags[p % len(tags)]["id"]})
        sc_links.append(_link("product_sales_channel", "prodsc", product_id=pid, sales_channel_id=sc_id))
        sp_links.append(_link("product_shipping_profile", "prodsp", product_id=pid, shipping_profile_id=profile_id))
        size_opt, color_opt = generate_id("opt"), generate_id("opt")
        options += [{"id": size_opt, "title": "Size", "product_id": pid},
                    {"id": color_opt, "title": "Color", "product_id": pid}]
        size_vals = {s: generate_id("optval") for s in SIZES}
        color_vals = {c: generate_id("optval") for c in COLORS}
        values += [{"id": v, "value": s, "option_id": size_opt} for s, v in size_vals.items()]
        values += [{"id": v, "value": c, "option_id": color_opt} for c, v in color_vals.items()]
        rank = 0
        for s in SIZES:
            for c in COLORS:
                vid = generate_id("variant")
                sku = f"BENCH-{tag}-{p}-{s}-{c}".upper()
                variants.append({"id": vid, "title": f"{s} / {c}", "sku": sku, "product_id": pid,
                                 "manage_inventory": True, "allow_backorder": False, "variant_rank": rank})
                rank += 1
                vopts += [{"variant_id": vid, "option_value_id": size_vals[s]},
                          {"variant_id": vid, "option_value_id": color_vals[c]}]
                ps = generate_id("pset")
                psets.append({"id": ps})
                base = Decimal(20 + (p % 30))
                prices += [{"id": generate_id("price"), "price_set_id": ps, "currency_code": "eur", "amount": base,
                            "rules_count": 0},
                           {"id": generate_id("price"), "price_set_id": ps, "currency_code": "usd",
                            "amount": base + 5, "rules_count": 0}]
                vps_links.append(_link("product_variant_price_set", "pvps", variant_id=vid, price_set_id=ps))
                ii = generate_id("iitem")
                inv_items.append({"id": ii, "sku": sku, "title": f"{s} / {c}", "requires_shipping": True})
                inv_levels.append({"id": generate_id("ilev"), "inventory_item_id": ii, "location_id": loc_id,
                                   "stocked_quantity": 1_000_000, "reserved_quantity": 0, "incoming_quantity": 0})
                vinv_links.append(_link("product_variant_inventory_item", "pvitem", variant_id=vid,
                                        inventory_item_id=ii) | {"required_quantity": 1})
    for table, rows in (("product", products), ("image", images), ("product_option", options),
                        ("product_option_value", values), ("product_variant", variants),
                        ("product_variant_option", vopts), ("product_category_product", cat_links),
                        ("product_tags", tag_links), ("product_sales_channel", sc_links),
                        ("product_shipping_profile", sp_links), ("price_set", psets), ("price", prices),
                        ("product_variant_price_set", vps_links), ("inventory_item", inv_items),
                        ("inventory_level", inv_levels), ("product_variant_inventory_item", vinv_links)):
        await _insert(conn, table, rows)
    out["product_ids"] = [p["id"] for p in products[:50]]
    out["variant_ids"] = [v["id"] for v in variants[:60]]
    return out


async def seed_url(database_url: str, *, scale: int = 1) -> dict[str, Any]:
    """Seed the database at `database_url` in one transaction, then ANALYZE it.

    A live database has planner statistics (autovacuum analyzes after a bulk load, within a minute or so); without
    them a freshly seeded one plans the product page as if tables were empty (nested loops over 20,000 link rows:
    ~25 ms of PostgreSQL per uncached product page instead of ~2), which would measure the planner, not the server.
    """
    engine = create_async_engine(normalize_database_url(database_url))
    try:
        async with engine.begin() as conn:
            data = await seed(conn, scale=scale)
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        return data
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=int, default=1, help="10 → 2,000 products × 6 variants")
    args = parser.parse_args()
    info = asyncio.run(seed_url(args.database_url, scale=args.scale))
    print(json.dumps({k: v for k, v in info.items() if k not in ("product_ids", "variant_ids")}, indent=2))


if __name__ == "__main__":
    main()
