"""Catalog data for commerce tests: a shop in one call (region, channel, publishable key, products with prices and
stock, a flat shipping option, the system payment provider, optional tax rate). Everything is uniquely named.

Rows are inserted straight into the modules' tables (fast, no HTTP), linked as the link tables expect. Other
engineers may reuse `make_shop`; it never assumes a table is empty.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.container import Container
from euryale.ids import generate_id
from euryale.links.models import (
    location_fulfillment_provider,
    location_fulfillment_set,
    product_sales_channel,
    product_variant_inventory_item,
    product_variant_price_set,
    publishable_api_key_sales_channel,
    region_payment_provider,
    sales_channel_stock_location,
    shipping_option_price_set,
)
from euryale.modules.api_key.models import api_key
from euryale.modules.fulfillment.models import (
    fulfillment_set,
    geo_zone,
    service_zone,
    shipping_option,
    shipping_option_rule,
    shipping_option_type,
    shipping_profile,
)
from euryale.modules.inventory.models import inventory_item, inventory_level
from euryale.modules.pricing.models import price, price_set
from euryale.modules.product.models import product, product_variant
from euryale.modules.region.models import region
from euryale.modules.sales_channel.models import sales_channel
from euryale.modules.stock_location.models import stock_location
from euryale.modules.tax.models import tax_rate, tax_region

COUNTRIES = {"fr": ("fra", "250", "FRANCE", "France"), "de": ("deu", "276", "GERMANY", "Germany"),
             "us": ("usa", "840", "UNITED STATES", "United States"), "jp": ("jpn", "392", "JAPAN", "Japan")}


@dataclass
class Variant:
    id: str
    product_id: str
    price: Decimal
    inventory_item_id: str | None
    sku: str


@dataclass
class Shop:
    """Ids of everything `make_shop` created."""

    tag: str
    region_id: str
    currency_code: str
    country_code: str
    sales_channel_id: str
    publishable_key: str
    location_id: str
    shipping_option_id: str
    shipping_price: Decimal
    variants: list[Variant] = field(default_factory=list)
    tax_rate: Decimal | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"x-publishable-api-key": self.publishable_key}


def uid() -> str:
    return uuid.uuid4().hex[:10]


async def _price_set(conn: AsyncConnection, amounts: dict[str, Decimal], region_id: str | None = None) -> str:
    ps = generate_id("pset")
    await conn.execute(insert(price_set).values(id=ps))
    for currency, amount in amounts.items():
        pid = generate_id("price")
        await conn.execute(insert(price).values(id=pid, price_set_id=ps, currency_code=currency, amount=amount,
                                                rules_count=0))
    return ps


async def add_variant(conn: AsyncConnection, shop: Shop, *, price_amount: Decimal | int | str,
                      stock: int | None = 100, manage_inventory: bool = True, allow_backorder: bool = False,
                      title: str | None = None) -> Variant:
    """A published product with one variant priced in the shop's currency, stocked at the shop's location."""
    tag = uid()
    prod_id, var_id = generate_id("prod"), generate_id("variant")
    await conn.execute(insert(product).values(id=prod_id, title=title or f"Product {tag}", handle=f"product-{tag}",
                                              status="published", is_giftcard=False, discountable=True,
                                              thumbnail=f"https://example.com/{tag}.png", subtitle=None))
    await conn.execute(insert(product_variant).values(
        id=var_id, product_id=prod_id, title=f"Variant {tag}", sku=f"SKU-{tag}", manage_inventory=manage_inventory,
        allow_backorder=allow_backorder, variant_rank=0))
    await conn.execute(insert(product_sales_channel).values(id=generate_id("prodsc"), product_id=prod_id,
                                                            sales_channel_id=shop.sales_channel_id))
    amount = Decimal(str(price_amount))
    ps = await _price_set(conn, {shop.currency_code: amount})
    await conn.execute(insert(product_variant_price_set).values(id=generate_id("pvps"), variant_id=var_id,
                                                                price_set_id=ps))
    inv_id = None
    if manage_inventory:
        inv_id = generate_id("iitem")
        await conn.execute(insert(inventory_item).values(id=inv_id, sku=f"SKU-{tag}", requires_shipping=True))
        await conn.execute(insert(product_variant_inventory_item).values(
            id=generate_id("pvitem"), variant_id=var_id, inventory_item_id=inv_id, required_quantity=1))
        if stock is not None:
            await conn.execute(insert(inventory_level).values(
                id=generate_id("ilev"), inventory_item_id=inv_id, location_id=shop.location_id,
                stocked_quantity=stock, reserved_quantity=0, incoming_quantity=0))
    v = Variant(id=var_id, product_id=prod_id, price=amount, inventory_item_id=inv_id, sku=f"SKU-{tag}")
    shop.variants.append(v)
    return v


async def make_shop(container: Container, *, currency_code: str = "eur", country_code: str = "fr",
                    prices: list[Decimal | int | str] = (Decimal(32),),  # type: ignore[assignment]
                    stock: int | None = 100, shipping_price: Decimal | int | str = 10,
                    tax_rate_percent: Decimal | int | str | None = None, automatic_taxes: bool | None = None) -> Shop:
    """Create a complete, isolated shop and return its ids.

    Taxes are computed automatically only for shops given a `tax_rate_percent` (unless `automatic_taxes` says
    otherwise), so that tax regions other tests create for the same country cannot change these totals.
    """
    if automatic_taxes is None:
        automatic_taxes = tax_rate_percent is not None
    tag = uid()
    async with container.database().transaction() as conn:
        region_id, sc_id = generate_id("reg"), generate_id("sc")
        await conn.execute(insert(region).values(id=region_id, name=f"Region {tag}", currency_code=currency_code,
                                                 automatic_taxes=automatic_taxes))
        iso3, num, name, display = COUNTRIES[country_code]
        # countries are a shared ISO table keyed by iso_2: attach when free, else insert a fresh row is impossible,
        # so tests pick a country per shop and reassign it to this region
        from sqlalchemy import text

        await conn.execute(text(
            "INSERT INTO region_country (iso_2, iso_3, num_code, name, display_name, region_id) "
            "VALUES (:i2, :i3, :num, :name, :dn, :rid) "
            "ON CONFLICT (iso_2) DO UPDATE SET region_id = EXCLUDED.region_id"),
            {"i2": country_code, "i3": iso3, "num": num, "name": name, "dn": display, "rid": region_id})
        await conn.execute(insert(sales_channel).values(id=sc_id, name=f"Channel {tag}", is_disabled=False))
        key_id, token = generate_id("apk"), f"pk_{uuid.uuid4().hex}"
        await conn.execute(insert(api_key).values(id=key_id, token=token, salt="", redacted=token[:6] + "***",
                                                  title=f"Key {tag}", type="publishable", created_by="test"))
        await conn.execute(insert(publishable_api_key_sales_channel).values(
            id=generate_id("pksc"), publishable_key_id=key_id, sales_channel_id=sc_id))
        await conn.execute(insert(region_payment_provider).values(
            id=generate_id("regpp"), region_id=region_id, payment_provider_id="pp_system_default"))
        loc_id = generate_id("sloc")
        await conn.execute(insert(stock_location).values(id=loc_id, name=f"Warehouse {tag}"))
        await conn.execute(insert(sales_channel_stock_location).values(
            id=generate_id("scloc"), sales_channel_id=sc_id, stock_location_id=loc_id))
        await conn.execute(insert(location_fulfillment_provider).values(
            id=generate_id("locfp"), stock_location_id=loc_id, fulfillment_provider_id="manual_manual"))
        fs_id, sz_id = generate_id("fuset"), generate_id("serzo")
        await conn.execute(insert(fulfillment_set).values(id=fs_id, name=f"Shipping {tag}", type="shipping"))
        await conn.execute(insert(location_fulfillment_set).values(
            id=generate_id("locfs"), stock_location_id=loc_id, fulfillment_set_id=fs_id))
        await conn.execute(insert(service_zone).values(id=sz_id, name=f"Zone {tag}", fulfillment_set_id=fs_id))
        await conn.execute(insert(geo_zone).values(id=generate_id("fgz"), type="country", country_code=country_code,
                                                   service_zone_id=sz_id))
        sp_id, sot_id, so_id = generate_id("sp"), generate_id("sotype"), generate_id("so")
        await conn.execute(insert(shipping_profile).values(id=sp_id, name=f"Profile {tag}", type="default"))
        await conn.execute(insert(shipping_option_type).values(id=sot_id, label="Standard", code=f"std-{tag}",
                                                               description="Ships in 2-3 days."))
        await conn.execute(insert(shipping_option).values(
            id=so_id, name="Standard Shipping", price_type="flat", service_zone_id=sz_id, shipping_profile_id=sp_id,
            provider_id="manual_manual", shipping_option_type_id=sot_id))
        for attr, value in (("enabled_in_store", "true"), ("is_return", "false")):
            await conn.execute(insert(shipping_option_rule).values(
                id=generate_id("sorul"), attribute=attr, operator="eq", value=value, shipping_option_id=so_id))
        ship_ps = await _price_set(conn, {currency_code: Decimal(str(shipping_price))})
        await conn.execute(insert(shipping_option_price_set).values(
            id=generate_id("sops"), shipping_option_id=so_id, price_set_id=ship_ps))
        if tax_rate_percent is not None:
            tr_id = generate_id("txreg")
            # one live tax region per country: retire an earlier one (soft delete, as Medusa)
            await conn.execute(text("UPDATE tax_region SET deleted_at = now() WHERE country_code = :c "
                                    "AND province_code IS NULL AND deleted_at IS NULL"), {"c": country_code})
            await conn.execute(insert(tax_region).values(id=tr_id, country_code=country_code, created_by="test"))
            await conn.execute(insert(tax_rate).values(id=generate_id("txr"), rate=Decimal(str(tax_rate_percent)),
                                                       code="VAT", name="VAT", is_default=True, is_combinable=False,
                                                       tax_region_id=tr_id, created_by="test"))
        shop = Shop(tag=tag, region_id=region_id, currency_code=currency_code, country_code=country_code,
                    sales_channel_id=sc_id, publishable_key=token, location_id=loc_id, shipping_option_id=so_id,
                    shipping_price=Decimal(str(shipping_price)),
                    tax_rate=Decimal(str(tax_rate_percent)) if tax_rate_percent is not None else None)
        for p in prices:
            await add_variant(conn, shop, price_amount=p, stock=stock)
    return shop


ADDRESS = {"first_name": "Ada", "last_name": "Lovelace", "address_1": "Teststr. 1", "city": "Berlin",
           "postal_code": "10115", "phone": "+49301234567"}


def address(country_code: str) -> dict[str, Any]:
    return {**ADDRESS, "country_code": country_code}
