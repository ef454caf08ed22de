"""Fixture builders for stock, fulfillment, tax and promotion tests: unique names per call, real rows in PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.container import Container
from euryale.ids import generate_id
from euryale.links.models import location_fulfillment_set, sales_channel_stock_location, shipping_option_price_set
from euryale.modules.fulfillment import service as fulfillment
from euryale.modules.inventory import service as inventory
from euryale.modules.pricing.models import price, price_rule, price_set
from euryale.modules.sales_channel.models import sales_channel
from euryale.modules.stock_location import service as stock_locations
from tests.support import catalog


def uid(prefix: str = "t") -> str:
    """A short unique suffix for names/codes/SKUs shared across the run's single database."""
    return f"{prefix}-{generate_id('x')[-10:].lower()}"


def admin_headers(container: Container) -> dict[str, str]:
    """Bearer headers of a fresh admin user (actor `user`)."""
    return catalog.admin_headers(container.config)


async def make_sales_channel(conn: AsyncConnection) -> str:
    sc_id = generate_id("sc")
    await conn.execute(insert(sales_channel).values(id=sc_id, name=uid("sc")))
    return sc_id


async def make_location(conn: AsyncConnection, *, sales_channel_id: str | None = None,
                        country: str = "de") -> str:
    loc = await stock_locations.create_stock_location(conn, name=uid("loc"),
                                                      address={"address_1": "Lagerstr. 1", "country_code": country})
    if sales_channel_id:
        await conn.execute(insert(sales_channel_stock_location).values(
            id=generate_id("scloc"), sales_channel_id=sales_channel_id, stock_location_id=loc["id"]))
    return str(loc["id"])


async def make_item(conn: AsyncConnection, *, levels: dict[str, int]) -> str:
    [item] = await inventory.create_inventory_items(conn, items=[{
        "sku": uid("sku"), "title": "Item",
        "location_levels": [{"location_id": loc, "stocked_quantity": q} for loc, q in levels.items()]}])
    return str(item["id"])


async def make_shipping_option(conn: AsyncConnection, *, location_id: str, geo_zones: list[dict[str, Any]],
                               prices: list[dict[str, Any]], rules: list[dict[str, Any]] | None = None) -> str:
    """A fulfillment set at the location, one zone with `geo_zones`, one flat option priced by `prices`
    (`{currency_code, amount, region_id?}`)."""
    fs = await fulfillment.create_fulfillment_set(conn, name=uid("fs"), type="shipping", service_zones=[
        {"name": uid("zone"), "geo_zones": geo_zones}])
    await conn.execute(insert(location_fulfillment_set).values(
        id=generate_id("locfs"), stock_location_id=location_id, fulfillment_set_id=fs["id"]))
    profile = await fulfillment.create_shipping_profile(conn, name=uid("sp"), type="default")
    option_id = await fulfillment.create_shipping_option(conn, data={
        "name": uid("Standard"), "service_zone_id": fs["service_zones"][0]["id"],
        "shipping_profile_id": profile["id"], "provider_id": "manual_manual", "price_type": "flat",
        "type": {"label": "Standard", "code": "standard", "description": "2-3 days"}, "rules": rules or []})
    ps = generate_id("pset")
    await conn.execute(insert(price_set).values(id=ps))
    for p in prices:
        pid = generate_id("price")
        region = p.get("region_id")
        await conn.execute(insert(price).values(id=pid, price_set_id=ps, currency_code=p["currency_code"],
                                                amount=Decimal(str(p["amount"])), rules_count=1 if region else 0))
        if region:
            await conn.execute(insert(price_rule).values(id=generate_id("prule"), price_id=pid,
                                                         attribute="region_id", value=region, priority=0))
    await conn.execute(insert(shipping_option_price_set).values(
        id=generate_id("sops"), shipping_option_id=option_id, price_set_id=ps))
    return option_id
