"""Logistics workflows spanning modules: stock locations ↔ sales channels / fulfillment sets / providers (links),
shipping options ↔ prices (fulfillment + pricing + link), store shipping options priced for a cart.

Each runs inside the caller's transaction, so a failure rolls every module's rows back together.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Text, bindparam, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db.compiled import CompiledQuery
from euryale.errors import invalid_data, not_found
from euryale.links import service as links
from euryale.links.models import location_fulfillment_set, sales_channel_stock_location, shipping_option_price_set
from euryale.modules.cart.models import cart, cart_address
from euryale.modules.fulfillment import service as fulfillment
from euryale.modules.fulfillment.models import (
    fulfillment_provider,
    fulfillment_set,
    service_zone,
    shipping_option,
    shipping_option_rule,
    shipping_option_type,
)
from euryale.modules.pricing import service as pricing
from euryale.modules.region.models import region
from euryale.modules.sales_channel.models import sales_channel
from euryale.modules.stock_location import service as stock_locations
from euryale.modules.stock_location.models import stock_location, stock_location_address
from euryale.query.json_sql import json_array, json_object, loads

# ---------------------------------------------------------------- stock locations

async def _options_in_zones(conn: AsyncConnection, zone_ids: Sequence[str]) -> list[str]:
    if not zone_ids:
        return []
    rows = await conn.execute(select(shipping_option.c.id).where(
        shipping_option.c.service_zone_id.in_(list(zone_ids)), shipping_option.c.deleted_at.is_(None)))
    return [r[0] for r in rows]


async def _retire_option_prices(conn: AsyncConnection, option_ids: Sequence[str]) -> None:
    """The price sets (pricing) and links of shipping options being deleted with their zone or set."""
    if not option_ids:
        return
    set_ids = await fulfillment.shipping_option_price_sets(conn, option_ids=option_ids)
    await links.dismiss_all(conn, "shipping_option_price_set", left_ids=list(option_ids))
    await pricing.delete_price_sets(conn, price_set_ids=list(set_ids.values()))


async def delete_service_zone(conn: AsyncConnection, *, fulfillment_set_id: str, zone_id: str) -> None:
    """Delete a zone, its geo zones and shipping options, and the options' prices."""
    await fulfillment.retrieve_service_zone(conn, fulfillment_set_id=fulfillment_set_id, service_zone_id=zone_id)
    await _retire_option_prices(conn, await _options_in_zones(conn, [zone_id]))
    await fulfillment.delete_service_zones(conn, ids=[zone_id])


async def delete_fulfillment_sets(conn: AsyncConnection, *, ids: Sequence[str]) -> None:
    """Delete sets with their zones and options (and the options' prices), and their location links."""
    zones = [r[0] for r in await conn.execute(select(service_zone.c.id).where(
        service_zone.c.fulfillment_set_id.in_(list(ids)), service_zone.c.deleted_at.is_(None)))]
    await _retire_option_prices(conn, await _options_in_zones(conn, zones))
    await fulfillment.delete_fulfillment_sets(conn, ids=ids)
    await links.dismiss_all(conn, "location_fulfillment_set", right_ids=list(ids))


async def delete_stock_location(conn: AsyncConnection, *, location_id: str) -> None:
    """Delete a location with its links and the fulfillment sets that belong to it."""
    await stock_locations.retrieve_stock_location(conn, location_id=location_id)
    sets = (await links.linked(conn, "location_fulfillment_set", left_ids=[location_id])).get(location_id, [])
    await delete_fulfillment_sets(conn, ids=sets)
    for name in ("location_fulfillment_set", "location_fulfillment_provider"):
        await links.dismiss_all(conn, name, left_ids=[location_id])
    await links.dismiss_all(conn, "sales_channel_stock_location", right_ids=[location_id])
    await stock_locations.delete_stock_locations(conn, ids=[location_id])


async def update_location_sales_channels(conn: AsyncConnection, *, location_id: str, add: Sequence[str],
                                         remove: Sequence[str]) -> None:
    """Link / unlink sales channels (link sales_channel_stock_location)."""
    await stock_locations.retrieve_stock_location(conn, location_id=location_id)
    if add:
        found = {r[0] for r in await conn.execute(select(sales_channel.c.id).where(
            sales_channel.c.id.in_(list(add)), sales_channel.c.deleted_at.is_(None)))}
        missing = [i for i in add if i not in found]
        if missing:
            raise not_found(f"Sales channel with id: {missing[0]} was not found")
    await links.create_links(conn, "sales_channel_stock_location", [(sc, location_id) for sc in add])
    await links.dismiss_links(conn, "sales_channel_stock_location", [(sc, location_id) for sc in remove])


async def update_location_providers(conn: AsyncConnection, *, location_id: str, add: Sequence[str],
                                    remove: Sequence[str]) -> None:
    """Link / unlink fulfillment providers (link location_fulfillment_provider)."""
    await stock_locations.retrieve_stock_location(conn, location_id=location_id)
    if add:
        found = {r[0] for r in await conn.execute(select(fulfillment_provider.c.id).where(
            fulfillment_provider.c.id.in_(list(add))))}
        missing = [i for i in add if i not in found]
        if missing:
            raise not_found(f"FulfillmentProvider with id: {missing[0]} was not found")
    await links.create_links(conn, "location_fulfillment_provider", [(location_id, p) for p in add])
    await links.dismiss_links(conn, "location_fulfillment_provider", [(location_id, p) for p in remove])


async def create_location_fulfillment_set(conn: AsyncConnection, *, location_id: str, name: str,
                                          type: str) -> str:
    """`POST /admin/stock-locations/:id/fulfillment-sets`: a new set linked to the location."""
    await stock_locations.retrieve_stock_location(conn, location_id=location_id)
    fs = await fulfillment.create_fulfillment_set(conn, name=name, type=type)
    await links.create_links(conn, "location_fulfillment_set", [(location_id, fs["id"])])
    return str(fs["id"])


# ---------------------------------------------------------------- shipping options and their prices

async def _price_rows(conn: AsyncConnection, prices: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Medusa's shipping option price input (`{currency_code, amount}` or `{region_id, amount}`) → pricing rows."""
    region_ids = [p["region_id"] for p in prices if p.get("region_id")]
    currencies: dict[str, str] = {}
    if region_ids:
        currencies = {a: b for a, b in await conn.execute(select(region.c.id, region.c.currency_code).where(
            region.c.id.in_(region_ids), region.c.deleted_at.is_(None)))}
    rows = []
    for p in prices:
        row: dict[str, Any] = {"amount": Decimal(str(p["amount"])), "rules": dict(p.get("rules") or {})}
        if p.get("id"):
            row["id"] = p["id"]
        if p.get("region_id"):
            if p["region_id"] not in currencies:
                raise not_found(f"Region with id: {p['region_id']} was not found")
            row["currency_code"] = currencies[p["region_id"]]
            row["rules"]["region_id"] = p["region_id"]
        elif p.get("currency_code"):
            row["currency_code"] = str(p["currency_code"]).lower()
        elif not p.get("id"):
            raise invalid_data("Invalid request: a price needs either currency_code or region_id")
        rows.append(row)
    return rows


async def create_shipping_option(conn: AsyncConnection, *, data: dict[str, Any]) -> str:
    """Create the option (fulfillment) and its price set (pricing), linked by shipping_option_price_set."""
    prices = list(data.pop("prices", None) or [])
    if data.get("price_type", "flat") == "flat" and not prices:
        raise invalid_data("Shipping options of type `flat` require prices")
    option_id = await fulfillment.create_shipping_option(conn, data=data)
    [set_id] = await pricing.create_price_sets(conn, price_sets=[await _price_rows(conn, prices)])
    await links.create_links(conn, "shipping_option_price_set", [(option_id, set_id)])
    return option_id


async def update_shipping_option(conn: AsyncConnection, *, option_id: str, data: dict[str, Any]) -> None:
    """Update the option; `prices` given replaces its base prices (by id: update, new: create, others: delete)."""
    prices = data.pop("prices", None)
    await fulfillment.update_shipping_option(conn, option_id=option_id, data=data)
    if prices is not None:
        set_id = (await fulfillment.shipping_option_price_sets(conn, option_ids=[option_id])).get(option_id)
        rows = await _price_rows(conn, prices)
        if set_id is None:
            [set_id] = await pricing.create_price_sets(conn, price_sets=[rows])
            await links.create_links(conn, "shipping_option_price_set", [(option_id, set_id)])
        else:
            await pricing.replace_prices(conn, price_set_id=set_id, prices=rows)


async def delete_shipping_option(conn: AsyncConnection, *, option_id: str) -> None:
    """Delete the option, its price set and the link."""
    await fulfillment.retrieve_shipping_option(conn, option_id=option_id)
    set_ids = await fulfillment.shipping_option_price_sets(conn, option_ids=[option_id])
    await fulfillment.delete_shipping_options(conn, ids=[option_id])
    await links.dismiss_all(conn, "shipping_option_price_set", left_ids=[option_id])
    await pricing.delete_price_sets(conn, price_set_ids=list(set_ids.values()))


# ---------------------------------------------------------------- store: options for a cart

# read on every GET /store/shipping-options?cart_id=: compiled once (euryale.db.compiled)
# the cart's pricing context with the shipping address fields the geo zones are matched on: one statement
_CART_FOR_OPTIONS = CompiledQuery(lambda: select(
    cart.c.sales_channel_id, cart.c.currency_code, cart.c.region_id, cart_address.c.country_code,
    cart_address.c.province, cart_address.c.city, cart_address.c.postal_code,
).select_from(cart.outerjoin(cart_address, cart_address.c.id == cart.c.shipping_address_id))
    .where(cart.c.id == bindparam("id", type_=String), cart.c.deleted_at.is_(None)))

_STORE_OPTIONS: dict[tuple[bool, bool, bool], CompiledQuery] = {}
_OPTION_COLS = ("id", "name", "price_type", "service_zone_id", "shipping_profile_id", "provider_id", "data",
                "shipping_option_type_id")


def _store_options_query(shape: tuple[bool, bool, bool]) -> CompiledQuery:
    """The options serving a sales channel (`channel`) at an address of `shape`, with everything the store answer
    shows of their zone, set, location (and its address), type, provider, rules and price set: one statement
    where the generic option expansion takes eight."""
    if shape not in _STORE_OPTIONS:
        def build() -> Any:
            so, sz, fs, lfs = shipping_option, service_zone, fulfillment_set, location_fulfillment_set
            rule, sops, sot = shipping_option_rule, shipping_option_price_set, shipping_option_type
            scl = sales_channel_stock_location
            locs = select(scl.c.stock_location_id).where(scl.c.sales_channel_id == bindparam("channel"),
                                                         scl.c.deleted_at.is_(None))
            served_sets = select(lfs.c.fulfillment_set_id).where(lfs.c.stock_location_id.in_(locs),
                                                                 lfs.c.deleted_at.is_(None))
            zone_ids = fulfillment.zones_serving(served_sets, fulfillment.geo_zone_condition(shape))
            set_lfs = lfs.alias("set_location")
            # correlated explicitly: inside the address subquery below, the set is two levels up
            location_id = (select(set_lfs.c.stock_location_id)
                           .where(set_lfs.c.fulfillment_set_id == fs.c.id, set_lfs.c.deleted_at.is_(None))
                           .limit(1).correlate(fs).scalar_subquery())
            addr = stock_location_address
            location_address = (select(json_object(addr, [c.name for c in addr.c]))
                                .select_from(stock_location.join(addr, addr.c.id == stock_location.c.address_id))
                                .where(stock_location.c.id == location_id, addr.c.deleted_at.is_(None))
                                .scalar_subquery())
            rules = (select(json_array(func.json_build_object(
                literal_column("'attribute'"), rule.c.attribute, literal_column("'value'"), rule.c.value,
                literal_column("'operator'"), rule.c.operator), rule.c.created_at, rule.c.id))
                .where(rule.c.shipping_option_id == so.c.id, rule.c.deleted_at.is_(None)).scalar_subquery())
            price_set_id = (select(sops.c.price_set_id)
                            .where(sops.c.shipping_option_id == so.c.id, sops.c.deleted_at.is_(None))
                            .limit(1).scalar_subquery())
            return (select(*(so.c[n] for n in _OPTION_COLS), sz.c.fulfillment_set_id, fs.c.type.label("fs_type"),
                           location_id.label("location_id"), location_address.cast(Text).label("location_address"),
                           sot.c.id.label("type_id"), sot.c.label.label("type_label"),
                           sot.c.description.label("type_description"), sot.c.code.label("type_code"),
                           fulfillment_provider.c.id.label("p_id"), fulfillment_provider.c.is_enabled,
                           rules.cast(Text).label("rules"), price_set_id.label("price_set_id"))
                    .select_from(so.join(sz, sz.c.id == so.c.service_zone_id)
                                 .join(fs, fs.c.id == sz.c.fulfillment_set_id)
                                 .outerjoin(sot, sot.c.id == so.c.shipping_option_type_id)
                                 .outerjoin(fulfillment_provider, fulfillment_provider.c.id == so.c.provider_id))
                    .where(so.c.service_zone_id.in_(zone_ids), so.c.deleted_at.is_(None))
                    .order_by(so.c.created_at))
        _STORE_OPTIONS[shape] = CompiledQuery(build)
    return _STORE_OPTIONS[shape]


async def store_shipping_options(conn: AsyncConnection, *, cart_id: str, is_return: bool = False,
                                 option_id: str | None = None) -> list[dict[str, Any]]:
    """`GET /store/shipping-options?cart_id=`: the cart's options with `calculated_price`, `prices`, `amount`,
    `is_tax_inclusive`, `insufficient_inventory`, in Medusa 2.21's store shape.

    Four statements (five when a price has rules): the cart with its address, the options with their relations,
    the calculated prices and the prices (`fulfillment.list_shipping_options_for_context` answers the same
    options for other callers)."""
    found = await _CART_FOR_OPTIONS.fetch(conn, id=cart_id)
    if not found:
        raise not_found(f"Cart with id: {cart_id} was not found")
    c = found[0]
    # no address (or no country) → no options, as Medusa
    if not c["country_code"] or not c["sales_channel_id"]:
        return []
    values, shape = fulfillment.address_geo_shape(dict(c))
    ctx = {"enabled_in_store": "true", "is_return": "true" if is_return else "false"}
    options = []
    for o in await _store_options_query(shape).fetch(conn, channel=c["sales_channel_id"], **values):
        if option_id is not None and o["id"] != option_id:
            continue
        rules = loads(o["rules"])
        if all(fulfillment.rule_holds(r, ctx) for r in rules):
            options.append((o, rules))
    if not options:
        return []
    set_ids = [o["price_set_id"] for o, _ in options if o["price_set_id"]]
    calculated = await pricing.calculate_prices(conn, price_set_ids=set_ids, context={
        "currency_code": c["currency_code"], "region_id": c["region_id"]})
    all_prices = await pricing.list_prices(conn, price_set_ids=set_ids)
    rule_rows = await pricing.price_rule_rows(conn, [p for ps in all_prices.values() for p in ps])
    out = []
    for o, rules in options:
        set_id = o["price_set_id"]
        calc = calculated.get(set_id or "")
        if calc is None:
            continue  # no price in the cart's currency: Medusa leaves the option out
        prices = []
        for p in all_prices.get(set_id or "", []):
            prices.append({
                "id": p["id"], "title": p.get("title"), "currency_code": p["currency_code"],
                "rules_count": p.get("rules_count", 0), "price_set_id": p["price_set_id"],
                "price_list_id": p.get("price_list_id"), "price_list": None, "raw_amount": pricing.raw(p["amount"]),
                "raw_min_quantity": pricing.raw(p.get("min_quantity")),
                "raw_max_quantity": pricing.raw(p.get("max_quantity")), "created_at": p.get("created_at"),
                "updated_at": p.get("updated_at"), "deleted_at": p.get("deleted_at"),
                "price_rules": rule_rows.get(p["id"], []),
                "amount": p["amount"], "min_quantity": p.get("min_quantity"), "max_quantity": p.get("max_quantity")})
        location_address = loads(o["location_address"]) if o["location_address"] is not None else None
        out.append({
            "id": o["id"], "name": o["name"], "price_type": o["price_type"], "service_zone_id": o["service_zone_id"],
            "shipping_profile_id": o["shipping_profile_id"], "provider_id": o["provider_id"], "data": o["data"],
            "shipping_option_type_id": o["shipping_option_type_id"],
            "service_zone": {"fulfillment_set_id": o["fulfillment_set_id"], "id": o["service_zone_id"],
                             "fulfillment_set": {"type": o["fs_type"], "id": o["fulfillment_set_id"],
                                                 "location": {"id": o["location_id"], "address": location_address}}},
            # the store's option type and provider are these keys only in Medusa 2.21.2
            "type": {"id": o["type_id"], "label": o["type_label"], "description": o["type_description"],
                     "code": o["type_code"]} if o["type_id"] else None,
            "provider": {"id": o["p_id"], "is_enabled": o["is_enabled"]} if o["p_id"] else None,
            "rules": rules,
            "calculated_price": calc, "prices": prices, "amount": calc["calculated_amount"],
            "is_tax_inclusive": calc["is_calculated_price_tax_inclusive"], "insufficient_inventory": False})
    return out
