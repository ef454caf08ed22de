"""Demo data: a store, a sales channel with a publishable key, two regions, a warehouse that ships to them with a
flat "Standard Shipping" option, and 8 products with priced, stocked variants.

`seed_demo(container)` is idempotent: a second call finds the seeded store and returns the same summary.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.flows.catalog import ensure_payment_provider
from euryale.flows.products import create_products_in
from euryale.ids import generate_id
from euryale.links import service as links
from euryale.links.models import product_variant_inventory_item
from euryale.modules.api_key import service as api_keys
from euryale.modules.api_key.models import api_key
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
from euryale.modules.inventory.models import inventory_level
from euryale.modules.pricing.service import create_price_sets
from euryale.modules.product import service as product_service
from euryale.modules.product.models import product, product_variant
from euryale.modules.product.service import slugify
from euryale.modules.region import service as regions
from euryale.modules.region.models import region_country
from euryale.modules.sales_channel import service as channels
from euryale.modules.stock_location.models import stock_location, stock_location_address
from euryale.modules.store import service as stores
from euryale.modules.store.models import store

SEED_LOCK = 0x5EED_0001
SEED_MARK = "euryale_demo"
EUROPE = ["gb", "de", "dk", "se", "fr", "es", "it"]
NORTH_AMERICA = ["us", "ca"]
PRODUCTS: list[tuple[str, str, str, list[str], Decimal, Decimal]] = [
    ("Medusa T-Shirt", "t-shirt", "Shirts", ["S", "M", "L", "XL"], Decimal("15"), Decimal("17")),
    ("Medusa Sweatshirt", "sweatshirt", "Sweatshirts", ["S", "M", "L", "XL"], Decimal("29"), Decimal("33")),
    ("Medusa Sweatpants", "sweatpants", "Pants", ["S", "M", "L", "XL"], Decimal("25"), Decimal("29")),
    ("Medusa Shorts", "shorts", "Pants", ["S", "M", "L", "XL"], Decimal("19.5"), Decimal("22")),
    ("Medusa Hoodie", "hoodie", "Sweatshirts", ["S", "M", "L"], Decimal("35"), Decimal("39")),
    ("Medusa Cap", "cap", "Accessories", ["One Size"], Decimal("12"), Decimal("14")),
    ("Medusa Mug", "mug", "Accessories", ["Small", "Large"], Decimal("9.5"), Decimal("11")),
    ("Medusa Socks", "socks", "Accessories", ["S/M", "L/XL"], Decimal("7"), Decimal("8")),
]


async def _summary(conn: AsyncConnection, store_row: Any) -> dict[str, Any]:
    meta = dict(store_row.metadata or {}).get(SEED_MARK) or {}
    key = (await conn.execute(select(api_key.c.token).where(api_key.c.id == meta.get("publishable_key_id")))).first()
    return {**meta, "store_id": store_row.id, "publishable_key": key.token if key else None}


async def _free_countries(conn: AsyncConnection, codes: list[str]) -> list[str]:
    rows = await conn.execute(select(region_country.c.iso_2).where(region_country.c.iso_2.in_(codes),
                                                                    region_country.c.region_id.is_(None)))
    free = {r[0] for r in rows}
    return [c for c in codes if c in free]


async def _shipping(conn: AsyncConnection, *, sales_channel_id: str, countries: list[str]) -> dict[str, str]:
    """Warehouse location linked to the channel, a fulfillment set → service zone → geo zones, a default shipping
    profile and a flat "Standard Shipping" option priced in eur and usd."""
    address_id = generate_id("laddr")
    await conn.execute(insert(stock_location_address).values(id=address_id, address_1="Demo Street 1",
                                                             city="Copenhagen", country_code="dk"))
    location_id = generate_id("sloc")
    await conn.execute(insert(stock_location).values(id=location_id, name="European Warehouse",
                                                     address_id=address_id))
    await links.create_links(conn, "sales_channel_stock_location", [(sales_channel_id, location_id)])
    await conn.execute(pg_insert(fulfillment_provider).values(id="manual_manual", is_enabled=True)
                       .on_conflict_do_nothing(index_elements=["id"]))
    await links.create_links(conn, "location_fulfillment_provider", [(location_id, "manual_manual")])
    fset_id = generate_id("fuset")
    await conn.execute(insert(fulfillment_set).values(id=fset_id, name=f"European Warehouse delivery {fset_id[-6:]}",
                                                      type="shipping"))
    await links.create_links(conn, "location_fulfillment_set", [(location_id, fset_id)])
    zone_id = generate_id("serzo")
    await conn.execute(insert(service_zone).values(id=zone_id, name=f"Demo zone {zone_id[-6:]}",
                                                   fulfillment_set_id=fset_id))
    if countries:
        await conn.execute(insert(geo_zone), [{"id": generate_id("fgz"), "type": "country", "country_code": c,
                                               "service_zone_id": zone_id} for c in countries])
    profile = (await conn.execute(select(shipping_profile.c.id).where(shipping_profile.c.type == "default",
                                                                      shipping_profile.c.deleted_at.is_(None))
                                  .limit(1))).first()
    profile_id = profile.id if profile is not None else generate_id("sp")
    if profile is None:
        await conn.execute(insert(shipping_profile).values(id=profile_id, name="Default Shipping Profile",
                                                           type="default"))
    type_id = generate_id("sotype")
    await conn.execute(insert(shipping_option_type).values(id=type_id, label="Standard",
                                                           description="Ship in 2-3 days.", code="standard"))
    option_id = generate_id("so")
    await conn.execute(insert(shipping_option).values(id=option_id, name="Standard Shipping", price_type="flat",
                                                      service_zone_id=zone_id, shipping_profile_id=profile_id,
                                                      provider_id="manual_manual", data={},
                                                      shipping_option_type_id=type_id))
    await conn.execute(insert(shipping_option_rule), [
        {"id": generate_id("sorul"), "attribute": "enabled_in_store", "operator": "eq", "value": "true",
         "shipping_option_id": option_id},
        {"id": generate_id("sorul"), "attribute": "is_return", "operator": "eq", "value": "false",
         "shipping_option_id": option_id},
    ])
    [pset] = await create_price_sets(conn, price_sets=[[{"currency_code": "eur", "amount": 10},
                                                        {"currency_code": "usd", "amount": 10}]])
    await links.create_links(conn, "shipping_option_price_set", [(option_id, pset)])
    return {"stock_location_id": location_id, "shipping_profile_id": profile_id, "shipping_option_id": option_id,
            "fulfillment_set_id": fset_id}


async def _stock(conn: AsyncConnection, *, product_ids: list[str], location_id: str) -> None:
    """100 units at the warehouse for each variant's inventory item (created with the product)."""
    link = product_variant_inventory_item
    items = [r[0] for r in await conn.execute(
        select(link.c.inventory_item_id).join(product_variant, product_variant.c.id == link.c.variant_id)
        .where(product_variant.c.product_id.in_(product_ids), link.c.deleted_at.is_(None)))]
    if items:
        await conn.execute(insert(inventory_level), [
            {"id": generate_id("ilev"), "inventory_item_id": i, "location_id": location_id, "stocked_quantity": 100}
            for i in items])


async def seed_demo(container: Any) -> dict[str, Any]:
    """Seed the demo shop once; returns `{publishable_key, sales_channel_id, region_ids, product_ids, ...}`."""
    async with container.database().transaction() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEED_LOCK})
        rows = (await conn.execute(select(store).where(store.c.deleted_at.is_(None)))).all()
        for row in rows:
            if SEED_MARK in (row.metadata or {}):
                return await _summary(conn, row)
        [sc_id] = await channels.create_sales_channels(conn, data=[{"name": "Default Sales Channel",
                                                                    "description": "Created by Euryale"}])
        key = await api_keys.create_api_key(conn, title="Webshop", type="publishable", created_by="seed")
        await links.create_links(conn, "publishable_api_key_sales_channel", [(key["id"], sc_id)])
        await ensure_payment_provider(conn, "pp_system_default")
        europe_countries = await _free_countries(conn, EUROPE)
        na_countries = await _free_countries(conn, NORTH_AMERICA)
        europe = await regions.create_region(conn, data={"name": "Europe", "currency_code": "eur",
                                                         "countries": europe_countries})
        america = await regions.create_region(conn, data={"name": "North America", "currency_code": "usd",
                                                          "countries": na_countries})
        await links.create_links(conn, "region_payment_provider", [(europe, "pp_system_default"),
                                                                   (america, "pp_system_default")])
        shipping = await _shipping(conn, sales_channel_id=sc_id, countries=europe_countries + na_countries)
        taken = {r[0] for r in await conn.execute(select(product.c.handle).where(
            product.c.handle.in_([p[1] for p in PRODUCTS]), product.c.deleted_at.is_(None)))}
        category_ids: dict[str, str] = {}
        for name in dict.fromkeys(p[2] for p in PRODUCTS):
            handle = f"{slugify(name)}-{sc_id[-6:].lower()}"
            category_ids[name] = await product_service.create_row(conn, "category", {
                "name": name, "handle": handle, "is_active": True, "is_internal": False})
        collection_id = await product_service.create_row(conn, "collection", {
            "title": "Latest Drops", "handle": f"latest-drops-{sc_id[-6:].lower()}"})
        items = []
        for title, handle, category, sizes, eur, usd in PRODUCTS:
            items.append({
                "title": title, "handle": handle if handle not in taken else f"{handle}-{sc_id[-6:].lower()}", "status": "published",
                "description": f"Reimagine the feeling of a classic {handle}.",
                "thumbnail": f"https://medusa-public-images.s3.eu-west-1.amazonaws.com/{handle}.png",
                "images": [{"url": f"https://medusa-public-images.s3.eu-west-1.amazonaws.com/{handle}.png"}],
                "weight": 400, "discountable": True,
                "options": [{"title": "Size", "values": sizes}],
                "variants": [{"title": size, "sku": f"DEMO-{handle.upper()}-{size.replace('/', '').upper()}",
                              "options": {"Size": size}, "manage_inventory": True,
                              "prices": [{"currency_code": "eur", "amount": eur},
                                         {"currency_code": "usd", "amount": usd}]} for size in sizes],
                "sales_channels": [{"id": sc_id}],
                "categories": [{"id": category_ids[category]}], "collection_id": collection_id,
                "shipping_profile_id": shipping["shipping_profile_id"],
            })
        product_ids = await create_products_in(conn, items)
        await _stock(conn, product_ids=product_ids, location_id=shipping["stock_location_id"])
        summary = {"sales_channel_id": sc_id, "publishable_key_id": key["id"], "collection_id": collection_id,
                   "category_ids": list(category_ids.values()),
                   "region_ids": {"eur": europe, "usd": america}, "product_ids": product_ids, **shipping}
        store_row = rows[0] if rows else None
        if store_row is None:
            store_id = await stores.create_store(conn, data={
                "name": "Euryale Store", "default_sales_channel_id": sc_id, "default_region_id": europe,
                "default_location_id": shipping["stock_location_id"], "metadata": {SEED_MARK: summary},
                "supported_currencies": [{"currency_code": "eur", "is_default": True}, {"currency_code": "usd"}]})
        else:
            store_id = store_row.id
            await stores.update_store(conn, store_id=store_id, data={
                "default_sales_channel_id": sc_id, "default_region_id": europe,
                "default_location_id": shipping["stock_location_id"],
                "metadata": {**(store_row.metadata or {}), SEED_MARK: summary},
                "supported_currencies": [{"currency_code": "eur", "is_default": True}, {"currency_code": "usd"}]})
    from euryale.query.cache import bump_catalog_version
    await bump_catalog_version(container)  # a running server must not keep serving the pre-seed catalog
    return {**summary, "store_id": store_id, "publishable_key": key["token"]}
