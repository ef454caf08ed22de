"""Logistics workflows spanning modules: stock locations ↔ sales channels / fulfillment sets / providers (links),
shipping options ↔ prices (fulfillment + pricing + link), store shipping options priced for a cart.

Each runs inside the caller's transaction, so a failure rolls every module's rows back together.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param
from euryale.errors import invalid_data, not_found
from euryale.links import service as links
from euryale.modules.cart.models import cart, cart_address
from euryale.modules.fulfillment import service as fulfillment
from euryale.modules.fulfillment.models import fulfillment_provider, service_zone, shipping_option
from euryale.modules.pricing import service as pricing
from euryale.modules.region.models import region
from euryale.modules.sales_channel.models import sales_channel
from euryale.modules.stock_location import service as stock_locations
from euryale.modules.stock_location.models import stock_location, stock_location_address

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
_CART = CompiledQuery(lambda: select(cart).where(cart.c.id == bindparam("id", type_=String),
                                                 cart.c.deleted_at.is_(None)))
_CART_ADDRESS = CompiledQuery(lambda: select(cart_address).where(cart_address.c.id == bindparam("id", type_=String)))
_LOCATION_ADDRESSES = CompiledQuery(lambda: select(
    stock_location.c.id, stock_location_address).select_from(stock_location.outerjoin(
        stock_location_address, and_(stock_location_address.c.id == stock_location.c.address_id,
                                     stock_location_address.c.deleted_at.is_(None))))
    .where(any_param(stock_location.c.id)))


async def _cart_context(conn: AsyncConnection, cart_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    rows = await _CART.fetch(conn, id=cart_id)
    if not rows:
        raise not_found(f"Cart with id: {cart_id} was not found")
    row = dict(rows[0])
    address = None
    if row["shipping_address_id"]:
        found = await _CART_ADDRESS.fetch(conn, id=row["shipping_address_id"])
        address = dict(found[0]) if found else None
    return row, address


async def _location_addresses(conn: AsyncConnection, location_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Location id → `{id, address}` (one statement: the location joined to its address)."""
    ids = sorted({i for i in location_ids if i})
    if not ids:
        return {}
    keys = [c.name for c in stock_location_address.c]
    out: dict[str, dict[str, Any]] = {}
    for r in await _LOCATION_ADDRESSES.fetch(conn, ids=ids):
        # the join's first column is the location id; the address columns follow (id NULL: no address)
        address = {k: r[i + 1] for i, k in enumerate(keys)}
        out[r[0]] = {"id": r[0], "address": address if address["id"] is not None else None}
    return out


async def store_shipping_options(conn: AsyncConnection, *, cart_id: str, is_return: bool = False,
                                 option_id: str | None = None) -> list[dict[str, Any]]:
    """`GET /store/shipping-options?cart_id=`: the cart's options with `calculated_price`, `prices`, `amount`,
    `is_tax_inclusive`, `insufficient_inventory`, in Medusa 2.21's store shape."""
    c, address = await _cart_context(conn, cart_id)
    options = await fulfillment.list_shipping_options_for_context(
        conn, sales_channel_id=c["sales_channel_id"], address=address, is_return=is_return)
    if option_id is not None:
        options = [o for o in options if o["id"] == option_id]
    if not options:
        return []
    set_ids = await fulfillment.shipping_option_price_sets(conn, option_ids=[o["id"] for o in options])
    calculated = await pricing.calculate_prices(conn, price_set_ids=list(set_ids.values()), context={
        "currency_code": c["currency_code"], "region_id": c["region_id"]})
    all_prices = await pricing.list_prices(conn, price_set_ids=list(set_ids.values()))
    rule_rows = await pricing.price_rule_rows(conn, [p for ps in all_prices.values() for p in ps])
    locations = await _location_addresses(conn, [
        ((o["service_zone"] or {}).get("fulfillment_set") or {}).get("location", {}).get("id") or ""
        for o in options])
    out = []
    for o in options:
        set_id = set_ids.get(o["id"])
        calc = calculated.get(set_id or "")
        if calc is None:
            continue  # no price in the cart's currency: Medusa leaves the option out
        zone = o["service_zone"] or {}
        fs = zone.get("fulfillment_set") or {}
        loc_id = (fs.get("location") or {}).get("id")
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
        out.append({
            "id": o["id"], "name": o["name"], "price_type": o["price_type"], "service_zone_id": o["service_zone_id"],
            "shipping_profile_id": o["shipping_profile_id"], "provider_id": o["provider_id"], "data": o["data"],
            "shipping_option_type_id": o["shipping_option_type_id"],
            "service_zone": {"fulfillment_set_id": zone.get("fulfillment_set_id"), "id": zone.get("id"),
                             "fulfillment_set": {"type": fs.get("type"), "id": fs.get("id"),
                                                 "location": locations.get(loc_id or "", {"id": loc_id,
                                                                                          "address": None})}},
            # the store's option type and provider are these keys only in Medusa 2.21.2
            "type": {k: o["type"][k] for k in ("id", "label", "description", "code")} if o["type"] else None,
            "provider": {k: o["provider"][k] for k in ("id", "is_enabled")} if o["provider"] else None,
            "rules": [{"attribute": r["attribute"], "value": r["value"], "operator": r["operator"]}
                      for r in o["rules"]],
            "calculated_price": calc, "prices": prices, "amount": calc["calculated_amount"],
            "is_tax_inclusive": calc["is_calculated_price_tax_inclusive"], "insufficient_inventory": False})
    return out
