"""Fulfillment: fulfillment sets, service zones and geo zones, shipping profiles, option types, shipping options
(with rules), providers (`manual_manual`), and fulfillments (create, ship, deliver, cancel)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, and_, bindparam, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import crud
from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param
from euryale.errors import duplicate, invalid_data, not_allowed, not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.ids import generate_id
from euryale.links.models import (
    location_fulfillment_set,
    order_fulfillment,
    sales_channel_stock_location,
    shipping_option_price_set,
)
from euryale.modules.fulfillment.models import (
    fulfillment,
    fulfillment_address,
    fulfillment_item,
    fulfillment_label,
    fulfillment_provider,
    fulfillment_set,
    geo_zone,
    service_zone,
    shipping_option,
    shipping_option_rule,
    shipping_option_type,
    shipping_profile,
)

GEO_FIELDS = ("type", "country_code", "province_code", "city", "postal_expression", "metadata")
ADDRESS_FIELDS = ("company", "first_name", "last_name", "address_1", "address_2", "city", "country_code",
                  "province", "postal_code", "phone", "metadata")


def _events(name: str, ids: Sequence[str], **extra: Any) -> list[Event]:
    return [Event(name, {"id": i, **extra}) for i in ids]


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return crud.strip(row, "deleted_at")


# ---------------------------------------------------------------- providers

async def list_providers(conn: AsyncConnection, *, ids: Sequence[str] | None = None,
                         is_enabled: bool | None = None) -> list[dict[str, Any]]:
    """Fulfillment providers (`manual_manual` is installed by migration)."""
    cond: list[Any] = []
    if ids is not None:
        cond.append(fulfillment_provider.c.id.in_(list(ids)))
    if is_enabled is not None:
        cond.append(fulfillment_provider.c.is_enabled == is_enabled)
    rows = await conn.execute(select(fulfillment_provider).where(*cond).order_by(fulfillment_provider.c.id))
    return [dict(r) for r in rows.mappings().all()]


async def provider_options(conn: AsyncConnection, *, provider_id: str) -> list[dict[str, Any]]:
    """Fulfillment options a provider offers (the manual provider: one `manual-fulfillment` option, as Medusa)."""
    found = await list_providers(conn, ids=[provider_id])
    if not found:
        raise not_found(f"FulfillmentProvider with id: {provider_id} was not found")
    if provider_id.startswith("manual_"):
        return [{"id": "manual-fulfillment"}, {"id": "manual-fulfillment-return", "is_return": True}]
    return []


# ---------------------------------------------------------------- fulfillment sets, zones

async def _zones_with_geo(conn: AsyncConnection, zone_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [z["id"] for z in zone_rows]
    geos = await crud.rows_where(conn, geo_zone, geo_zone.c.service_zone_id.in_(ids)) if ids else []
    by_zone: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for g in geos:
        by_zone[g["service_zone_id"]].append(_public(g))
    return [{**_public(z), "geo_zones": by_zone.get(z["id"], [])} for z in zone_rows]


async def expand_fulfillment_sets(conn: AsyncConnection, sets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fulfillment sets with `service_zones[].geo_zones` (one query per relation)."""
    ids = [s["id"] for s in sets]
    zones = await crud.rows_where(conn, service_zone, service_zone.c.fulfillment_set_id.in_(ids)) if ids else []
    expanded = await _zones_with_geo(conn, zones)
    by_set: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for z in expanded:
        by_set[z["fulfillment_set_id"]].append(z)
    return [{**_public(s), "service_zones": by_set.get(s["id"], [])} for s in sets]


async def retrieve_fulfillment_set(conn: AsyncConnection, *, fulfillment_set_id: str) -> dict[str, Any]:
    """One fulfillment set with its zones or 404."""
    row = await crud.get_row(conn, fulfillment_set, fulfillment_set_id)
    if row is None:
        raise not_found(f"FulfillmentSet with id: {fulfillment_set_id} was not found")
    return (await expand_fulfillment_sets(conn, [row]))[0]


def _geo_rows(zone_id: str, geo_zones: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for g in geo_zones:
        gtype = g.get("type") or "country"
        if not g.get("country_code"):
            raise invalid_data("Invalid request: Field 'country_code' is required")
        if gtype in ("province", "city", "zip") and not g.get("province_code"):
            raise invalid_data(f"Missing required property province_code for geo zone type {gtype}")
        if gtype in ("city", "zip") and not g.get("city"):
            raise invalid_data(f"Missing required property city for geo zone type {gtype}")
        if gtype == "zip" and not g.get("postal_expression"):
            raise invalid_data("Missing required property postal_expression for geo zone type zip")
        rows.append({"id": generate_id("fgz"), "service_zone_id": zone_id, "type": gtype,
                     "country_code": str(g["country_code"]).lower(),
                     "province_code": (str(g["province_code"]).lower() if g.get("province_code") else None),
                     "city": g.get("city"), "postal_expression": g.get("postal_expression"),
                     "metadata": g.get("metadata")})
    return rows


async def _assert_zone_name_free(conn: AsyncConnection, name: str, except_id: str | None = None) -> None:
    cond = [service_zone.c.name == name]
    if except_id:
        cond.append(service_zone.c.id != except_id)
    if await crud.rows_where(conn, service_zone, *cond):
        raise duplicate(f"Service zone with name: {name} already exists.")


async def create_service_zones(conn: AsyncConnection, *, fulfillment_set_id: str,
                               zones: Sequence[dict[str, Any]]) -> list[str]:
    """Create zones `{name, geo_zones: [{type, country_code, province_code?, city?, postal_expression?}]}`."""
    ids = []
    for z in zones:
        await _assert_zone_name_free(conn, z["name"])
        zone_id = generate_id("serzo")
        await crud.insert_row(conn, service_zone, {"id": zone_id, "name": z["name"], "metadata": z.get("metadata"),
                                                   "fulfillment_set_id": fulfillment_set_id})
        geo = _geo_rows(zone_id, z.get("geo_zones") or [])
        await crud.insert_rows(conn, geo_zone, geo)
        ids.append(zone_id)
    await stage_events(conn, _events("fulfillment.service-zone.created", ids))
    return ids


async def create_fulfillment_set(conn: AsyncConnection, *, name: str, type: str,
                                 service_zones: Sequence[dict[str, Any]] = (),
                                 metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create a fulfillment set (name unique among live sets) with optional zones."""
    if await crud.rows_where(conn, fulfillment_set, fulfillment_set.c.name == name):
        raise duplicate(f"Fulfillment set with name: {name} already exists.")
    set_id = generate_id("fuset")
    await crud.insert_row(conn, fulfillment_set, {"id": set_id, "name": name, "type": type, "metadata": metadata})
    await create_service_zones(conn, fulfillment_set_id=set_id, zones=service_zones)
    await stage_events(conn, _events("fulfillment.fulfillment-set.created", [set_id]))
    return await retrieve_fulfillment_set(conn, fulfillment_set_id=set_id)


async def delete_fulfillment_sets(conn: AsyncConnection, *, ids: Sequence[str]) -> list[str]:
    """Soft-delete sets with their zones, geo zones and shipping options."""
    deleted = await crud.soft_delete(conn, fulfillment_set, ids)
    if deleted:
        zone_ids = [z["id"] for z in await crud.rows_where(conn, service_zone,
                                                             service_zone.c.fulfillment_set_id.in_(deleted))]
        await delete_service_zones(conn, ids=zone_ids)
        await stage_events(conn, _events("fulfillment.fulfillment-set.deleted", deleted))
    return deleted


async def retrieve_service_zone(conn: AsyncConnection, *, fulfillment_set_id: str | None,
                                service_zone_id: str) -> dict[str, Any]:
    """One zone (of the given set) with geo zones, or 404."""
    row = await crud.get_row(conn, service_zone, service_zone_id)
    if row is None or (fulfillment_set_id and row["fulfillment_set_id"] != fulfillment_set_id):
        raise not_found(f"Service zone with id: {service_zone_id} not found")
    return (await _zones_with_geo(conn, [row]))[0]


async def update_service_zone(conn: AsyncConnection, *, service_zone_id: str, data: dict[str, Any]) -> None:
    """Rename / replace geo zones (geo zones given with an id are updated, without one created, others deleted)."""
    if data.get("name"):
        await _assert_zone_name_free(conn, data["name"], except_id=service_zone_id)
    await crud.update_row(conn, service_zone, service_zone_id,
                          {k: data[k] for k in ("name", "metadata") if k in data})
    if "geo_zones" in data and data["geo_zones"] is not None:
        current = {g["id"] for g in await crud.rows_where(conn, geo_zone, geo_zone.c.service_zone_id == service_zone_id)}
        keep: set[str] = set()
        new: list[dict[str, Any]] = []
        for g in data["geo_zones"]:
            if g.get("id"):
                if g["id"] not in current:
                    raise not_found(f"GeoZone with id: {g['id']} was not found")
                keep.add(g["id"])
                vals = {k: g[k] for k in GEO_FIELDS if k in g}
                if "country_code" in vals:
                    vals["country_code"] = str(vals["country_code"]).lower()
                await crud.update_row(conn, geo_zone, g["id"], vals)
            else:
                new.append(g)
        await crud.soft_delete(conn, geo_zone, sorted(current - keep))
        await crud.insert_rows(conn, geo_zone, _geo_rows(service_zone_id, new))
    await stage_events(conn, _events("fulfillment.service-zone.updated", [service_zone_id]))


async def delete_service_zones(conn: AsyncConnection, *, ids: Sequence[str]) -> list[str]:
    """Soft-delete zones, their geo zones and shipping options."""
    deleted = await crud.soft_delete(conn, service_zone, ids)
    if deleted:
        await conn.execute(update(geo_zone).where(geo_zone.c.service_zone_id.in_(deleted),
                                                  geo_zone.c.deleted_at.is_(None)).values(deleted_at=func.now()))
        opt_ids = [o["id"] for o in await crud.rows_where(conn, shipping_option,
                                                            shipping_option.c.service_zone_id.in_(deleted))]
        await delete_shipping_options(conn, ids=opt_ids)
        await stage_events(conn, _events("fulfillment.service-zone.deleted", deleted))
    return deleted


# ---------------------------------------------------------------- shipping profiles & option types

async def create_shipping_profile(conn: AsyncConnection, *, name: str, type: str,
                                  metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create a profile (name unique among live profiles)."""
    if await crud.rows_where(conn, shipping_profile, shipping_profile.c.name == name):
        raise duplicate(f"Shipping profile with name: {name} already exists.")
    row = await crud.insert_row(conn, shipping_profile, {"id": generate_id("sp"), "name": name, "type": type,
                                                         "metadata": metadata})
    await stage_events(conn, _events("fulfillment.shipping-profile.created", [row["id"]]))
    return _public(row)


async def retrieve_shipping_profile(conn: AsyncConnection, *, shipping_profile_id: str) -> dict[str, Any]:
    """One live profile or 404."""
    return _public(await crud.require_row(conn, shipping_profile, shipping_profile_id,
                                          f"Shipping profile with id: {shipping_profile_id} not found"))


async def update_shipping_profile(conn: AsyncConnection, *, shipping_profile_id: str,
                                  data: dict[str, Any]) -> dict[str, Any]:
    """Update name/type/metadata."""
    await retrieve_shipping_profile(conn, shipping_profile_id=shipping_profile_id)
    if data.get("name") and await crud.rows_where(conn, shipping_profile, shipping_profile.c.name == data["name"],
                                                  shipping_profile.c.id != shipping_profile_id):
        raise duplicate(f"Shipping profile with name: {data['name']} already exists.")
    row = await crud.update_row(conn, shipping_profile, shipping_profile_id,
                                {k: data[k] for k in ("name", "type", "metadata") if k in data})
    assert row is not None
    return _public(row)


async def delete_shipping_profile(conn: AsyncConnection, *, shipping_profile_id: str) -> None:
    """Delete a profile unless shipping options still use it (Medusa's rule)."""
    await retrieve_shipping_profile(conn, shipping_profile_id=shipping_profile_id)
    if await crud.rows_where(conn, shipping_option, shipping_option.c.shipping_profile_id == shipping_profile_id):
        raise not_allowed(f"Cannot delete Shipping Profiles {shipping_profile_id} with linked Shipping Options")
    await crud.soft_delete(conn, shipping_profile, [shipping_profile_id])


async def create_shipping_option_type(conn: AsyncConnection, *, label: str, code: str,
                                      description: str | None = None) -> dict[str, Any]:
    """Create a shipping option type (shared by options since Medusa 2.10)."""
    row = await crud.insert_row(conn, shipping_option_type, {"id": generate_id("sotype"), "label": label,
                                                             "code": code, "description": description})
    await stage_events(conn, _events("shipping-option-type.created", [row["id"]]))
    return _public(row)


async def retrieve_shipping_option_type(conn: AsyncConnection, *, type_id: str) -> dict[str, Any]:
    """One type or 404."""
    return _public(await crud.require_row(conn, shipping_option_type, type_id,
                                          f"ShippingOptionType with id: {type_id} was not found"))


# ---------------------------------------------------------------- shipping options

def _rule_rows(option_id: str, rules: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": generate_id("sorul"), "shipping_option_id": option_id, "attribute": r["attribute"],
             "operator": r["operator"], "value": r.get("value")} for r in rules]


async def create_shipping_option(conn: AsyncConnection, *, data: dict[str, Any]) -> str:
    """Create an option: `{name, service_zone_id, shipping_profile_id, provider_id, price_type, type|type_id,
    data?, rules?, metadata?}`. The store rules `enabled_in_store`/`is_return` are added when missing.

    Prices live in the pricing module; a flow links them (link shipping_option_price_set).
    """
    zone = await crud.get_row(conn, service_zone, data["service_zone_id"])
    if zone is None:
        raise not_found(f"Service zone with id: {data['service_zone_id']} not found")
    if data.get("shipping_profile_id"):
        await retrieve_shipping_profile(conn, shipping_profile_id=data["shipping_profile_id"])
    provider_id = data.get("provider_id")
    if provider_id and not await list_providers(conn, ids=[provider_id]):
        raise not_found(f"FulfillmentProvider with id: {provider_id} was not found")
    type_id = data.get("type_id")
    if not type_id:
        t = data.get("type") or {}
        if not t:
            raise invalid_data("Invalid request: Field 'type' is required")
        type_id = (await create_shipping_option_type(conn, label=t["label"], code=t["code"],
                                                     description=t.get("description")))["id"]
    else:
        await retrieve_shipping_option_type(conn, type_id=type_id)
    option_id = generate_id("so")
    await crud.insert_row(conn, shipping_option, {
        "id": option_id, "name": data["name"], "price_type": data.get("price_type") or "flat",
        "service_zone_id": data["service_zone_id"], "shipping_profile_id": data.get("shipping_profile_id"),
        "provider_id": provider_id, "data": data.get("data"), "metadata": data.get("metadata"),
        "shipping_option_type_id": type_id})
    rules = list(data.get("rules") or [])
    attrs = {r["attribute"] for r in rules}
    if "enabled_in_store" not in attrs:
        rules.append({"attribute": "enabled_in_store", "operator": "eq", "value": "true"})
    if "is_return" not in attrs:
        rules.append({"attribute": "is_return", "operator": "eq", "value": "false"})
    await crud.insert_rows(conn, shipping_option_rule, _rule_rows(option_id, rules))
    await stage_events(conn, _events("shipping-option.created", [option_id])
                       + _events("fulfillment.shipping-option.created", [option_id]))
    return option_id


async def update_shipping_option(conn: AsyncConnection, *, option_id: str, data: dict[str, Any]) -> None:
    """Update attributes; `rules` given replaces (by id: update, new: create, others: delete)."""
    current = await crud.get_row(conn, shipping_option, option_id)
    if current is None:
        raise not_found(f"Shipping option with id: {option_id} not found")
    values: dict[str, Any] = {k: data[k] for k in ("name", "price_type", "service_zone_id", "shipping_profile_id", "provider_id",
                                   "data", "metadata") if k in data}
    if data.get("type_id"):
        await retrieve_shipping_option_type(conn, type_id=data["type_id"])
        values["shipping_option_type_id"] = data["type_id"]
    elif data.get("type"):
        t = data["type"]
        values["shipping_option_type_id"] = (await create_shipping_option_type(
            conn, label=t["label"], code=t["code"], description=t.get("description")))["id"]
    await crud.update_row(conn, shipping_option, option_id, values)
    if data.get("rules") is not None:
        existing = {r["id"] for r in await crud.rows_where(conn, shipping_option_rule,
                                                             shipping_option_rule.c.shipping_option_id == option_id)}
        keep = {r["id"] for r in data["rules"] if r.get("id")}
        for r in data["rules"]:
            if r.get("id"):
                if r["id"] not in existing:
                    raise not_found(f"ShippingOptionRule with id: {r['id']} was not found")
                await crud.update_row(conn, shipping_option_rule, r["id"],
                                      {k: r[k] for k in ("attribute", "operator", "value") if k in r})
        await crud.soft_delete(conn, shipping_option_rule, sorted(existing - keep))
        await crud.insert_rows(conn, shipping_option_rule,
                               _rule_rows(option_id, [r for r in data["rules"] if not r.get("id")]))
    await stage_events(conn, _events("shipping-option.updated", [option_id]))


async def batch_option_rules(conn: AsyncConnection, *, option_id: str, create: Sequence[dict[str, Any]],
                             update_: Sequence[dict[str, Any]], delete: Sequence[str]) -> dict[str, Any]:
    """`POST /admin/shipping-options/:id/rules/batch`: returns `{created, updated, deleted}`."""
    if await crud.get_row(conn, shipping_option, option_id) is None:
        raise not_found(f"Shipping option with id: {option_id} not found")
    created = await crud.insert_rows(conn, shipping_option_rule, _rule_rows(option_id, create))
    updated = []
    for r in update_:
        row = await crud.update_row(conn, shipping_option_rule, r["id"],
                                    {k: r[k] for k in ("attribute", "operator", "value") if k in r})
        if row is None or row["shipping_option_id"] != option_id:
            raise not_found(f"ShippingOptionRule with id: {r['id']} was not found")
        updated.append(row)
    deleted = await crud.soft_delete(conn, shipping_option_rule, list(delete))
    return {"created": [_public(r) for r in created], "updated": [_public(r) for r in updated],
            "deleted": {"ids": deleted, "object": "shipping_option_rule", "deleted": True}}


async def delete_shipping_options(conn: AsyncConnection, *, ids: Sequence[str]) -> list[str]:
    """Soft-delete options with their rules."""
    deleted = await crud.soft_delete(conn, shipping_option, ids)
    if deleted:
        await conn.execute(update(shipping_option_rule).where(
            shipping_option_rule.c.shipping_option_id.in_(deleted), shipping_option_rule.c.deleted_at.is_(None))
            .values(deleted_at=func.now()))
        await stage_events(conn, _events("shipping-option.deleted", deleted))
    return deleted


def _rows_by_id(table: Any) -> CompiledQuery:
    """Rows of `table` (deleted ones too: an option keeps showing its relations) by id, compiled once."""
    return CompiledQuery(lambda: select(table).where(any_param(table.c.id)).order_by(table.c.created_at, table.c.id))


# the relations of every option list (the store's cart options above all): compiled once (euryale.db.compiled)
_ZONES = _rows_by_id(service_zone)
_SETS = _rows_by_id(fulfillment_set)
_TYPES = _rows_by_id(shipping_option_type)
_PROFILES = _rows_by_id(shipping_profile)
_PROVIDERS = CompiledQuery(lambda: select(fulfillment_provider).order_by(fulfillment_provider.c.id))
_RULES = CompiledQuery(lambda: select(shipping_option_rule).where(
    any_param(shipping_option_rule.c.shipping_option_id), shipping_option_rule.c.deleted_at.is_(None))
    .order_by(shipping_option_rule.c.created_at, shipping_option_rule.c.id))
_SET_LOCATIONS = CompiledQuery(lambda: select(
    location_fulfillment_set.c.stock_location_id, location_fulfillment_set.c.fulfillment_set_id).where(
    any_param(location_fulfillment_set.c.fulfillment_set_id), location_fulfillment_set.c.deleted_at.is_(None)))


async def _by_id(conn: AsyncConnection, query: CompiledQuery, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    return {r["id"]: dict(r) for r in await query.fetch(conn, ids=list(ids))} if ids else {}


async def expand_shipping_options(conn: AsyncConnection, options: list[dict[str, Any]], *,
                                  with_location: bool = False) -> list[dict[str, Any]]:
    """Options with `service_zone` (+ fulfillment_set [+ location]), `type`, `provider`, `shipping_profile`,
    `rules` — one query per relation."""
    if not options:
        return []
    zones = await _by_id(conn, _ZONES, sorted({o["service_zone_id"] for o in options}))
    set_ids = sorted({z["fulfillment_set_id"] for z in zones.values()})
    sets = await _by_id(conn, _SETS, set_ids)
    types = await _by_id(conn, _TYPES, sorted({o["shipping_option_type_id"] for o in options}))
    profiles = await _by_id(conn, _PROFILES,
                            sorted({o["shipping_profile_id"] for o in options if o["shipping_profile_id"]}))
    providers = {p["id"]: dict(p) for p in await _PROVIDERS.fetch(conn)}
    rules: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in await _RULES.fetch(conn, ids=[o["id"] for o in options]):
        rules[r["shipping_option_id"]].append(_public(dict(r)))
    locations: dict[str, str] = {}
    if with_location and set_ids:
        for r in await _SET_LOCATIONS.fetch(conn, ids=set_ids):
            locations[r["fulfillment_set_id"]] = r["stock_location_id"]
    out = []
    for o in options:
        zone = zones.get(o["service_zone_id"])
        fs = sets.get(zone["fulfillment_set_id"]) if zone else None
        zone_out: dict[str, Any] | None = None
        if zone is not None:
            zone_out = {**_public(zone), "fulfillment_set": ({**_public(fs), **(
                {"location": {"id": locations.get(fs["id"])}} if with_location else {})} if fs else None)}
        t_row = types.get(o["shipping_option_type_id"])
        prof = profiles.get(o["shipping_profile_id"] or "")
        out.append({**_public(o), "service_zone": zone_out,
                    "type": _public(t_row) if t_row else None,
                    "provider": providers.get(o["provider_id"] or ""),
                    "shipping_profile": _public(prof) if prof else None,
                    "rules": rules.get(o["id"], [])})
    return out


async def retrieve_shipping_option(conn: AsyncConnection, *, option_id: str) -> dict[str, Any]:
    """One option with its relations, or 404."""
    row = await crud.get_row(conn, shipping_option, option_id)
    if row is None:
        raise not_found(f"Shipping option with id: {option_id} not found")
    return (await expand_shipping_options(conn, [row]))[0]


def rule_holds(rule: dict[str, Any], context: dict[str, Any]) -> bool:
    """Whether a shipping option rule (`attribute`, `operator`, `value`) holds in `context`."""
    attr = rule["attribute"]
    if attr not in context:
        return False
    actual = context[attr]
    actual_vals = [str(v).lower() for v in (actual if isinstance(actual, list) else [actual])]
    expected = rule["value"]
    expected_vals = [str(v).lower() for v in (expected if isinstance(expected, list) else [expected])]
    op = rule["operator"]
    if op in ("eq", "in"):
        return any(a in expected_vals for a in actual_vals)
    if op in ("ne", "nin"):
        return all(a not in expected_vals for a in actual_vals)
    try:
        a, e = Decimal(actual_vals[0]), Decimal(expected_vals[0])
    except Exception:  # a non-numeric comparison never holds
        return False
    return {"gt": a > e, "gte": a >= e, "lt": a < e, "lte": a <= e}.get(op, False)


def address_geo_shape(address: dict[str, Any]) -> tuple[dict[str, str | None], tuple[bool, bool, bool]]:
    """The bind values of `geo_zone_condition` for `address`, and its shape: whether the province, the city (with
    a province) and the postal code (with both) take part."""
    province = (address.get("province") or address.get("province_code") or "").lower() or None
    city = address.get("city") or None
    postal = address.get("postal_code") or address.get("postal_expression") or None
    values = {"geo_country": (address.get("country_code") or "").lower(), "geo_province": province,
              "geo_city": city.lower() if city else None, "geo_postal": str(postal) if postal else None}
    return values, (province is not None, province is not None and city is not None,
                    province is not None and city is not None and postal is not None)


def geo_zone_condition(shape: tuple[bool, bool, bool], values: dict[str, str | None] | None = None) -> Any:
    """Geo zones matching an address: its country, and its province, city and zip as far as `shape` says.

    With `values` the parameters are bound now (a one-off statement); without, they stay the named parameters
    `geo_country`, `geo_province`, `geo_city`, `geo_postal` of a statement compiled once per shape."""
    def param(name: str) -> Any:
        return bindparam(name, values[name], type_=Text()) if values is not None else bindparam(name, type_=Text())

    with_province, with_city, with_postal = shape
    country = param("geo_country")
    alts = [and_(geo_zone.c.type == "country", geo_zone.c.country_code == country)]
    if with_province:
        province = param("geo_province")
        alts.append(and_(geo_zone.c.type == "province", geo_zone.c.country_code == country,
                         func.lower(geo_zone.c.province_code) == province))
        if with_city:
            city = param("geo_city")
            alts.append(and_(geo_zone.c.type == "city", geo_zone.c.country_code == country,
                             func.lower(geo_zone.c.province_code) == province, func.lower(geo_zone.c.city) == city))
            if with_postal:
                alts.append(and_(geo_zone.c.type == "zip", geo_zone.c.country_code == country,
                                 func.lower(geo_zone.c.province_code) == province,
                                 func.lower(geo_zone.c.city) == city,
                                 geo_zone.c.postal_expression.op("@>")(func.to_jsonb(param("geo_postal")))))
    return or_(*alts)


def _address_geo_condition(address: dict[str, Any]) -> Any:
    values, shape = address_geo_shape(address)
    return geo_zone_condition(shape, values)


async def list_shipping_options_for_context(conn: AsyncConnection, *, sales_channel_id: str | None,
                                            address: dict[str, Any] | None,
                                            stock_location_ids: list[str] | None = None,
                                            is_return: bool = False,
                                            context: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Options a cart can use: their service zone has a geo zone matching `address` (country / province / city /
    zip), in a fulfillment set of a stock location linked to `sales_channel_id` (or among `stock_location_ids`),
    and every option rule holds for `{enabled_in_store: "true", is_return: <is_return>, **context}`.

    Returns expanded options (service_zone.fulfillment_set.location.id, type, provider, rules); prices are added
    by the caller (`shipping_option_prices` or the pricing module). No address → no options, as Medusa.
    """
    if not address or not address.get("country_code"):
        return []
    locs = stock_location_ids
    if locs is None:
        if not sales_channel_id:
            return []
        t = sales_channel_stock_location
        locs = [r[0] for r in await conn.execute(select(t.c.stock_location_id).where(
            t.c.sales_channel_id == sales_channel_id, t.c.deleted_at.is_(None)))]
    if not locs:
        return []
    lfs = location_fulfillment_set
    set_ids = select(lfs.c.fulfillment_set_id).where(lfs.c.stock_location_id.in_(locs), lfs.c.deleted_at.is_(None))
    zone_ids = zones_serving(set_ids, _address_geo_condition(address))
    options = await crud.rows_where(conn, shipping_option, shipping_option.c.service_zone_id.in_(zone_ids))
    expanded = await expand_shipping_options(conn, options, with_location=True)
    ctx = {"enabled_in_store": "true", "is_return": "true" if is_return else "false", **(context or {})}
    return [o for o in expanded if all(rule_holds(r, ctx) for r in o["rules"])]


def zones_serving(set_ids: Any, geo_condition: Any) -> Any:
    """SELECT of the live service zones of the fulfillment sets `set_ids` with a geo zone meeting `geo_condition`
    (`geo_zone_condition`)."""
    return (select(geo_zone.c.service_zone_id).join(service_zone, service_zone.c.id == geo_zone.c.service_zone_id)
            .join(fulfillment_set, fulfillment_set.c.id == service_zone.c.fulfillment_set_id)
            .where(geo_zone.c.deleted_at.is_(None), service_zone.c.deleted_at.is_(None),
                   fulfillment_set.c.deleted_at.is_(None), fulfillment_set.c.id.in_(set_ids),
                   geo_condition))


async def usable_shipping_option_ids(conn: AsyncConnection, *, option_ids: Sequence[str],
                                     sales_channel_id: str | None, address: dict[str, Any] | None) -> set[str]:
    """Which of `option_ids` `list_shipping_options_for_context(sales_channel_id=, address=)` would return (same
    zone, location and rule test), in one statement: for a cart write re-checking the options of its shipping
    methods, which needs their ids only, not the expanded options."""
    if not option_ids or not address or not address.get("country_code") or not sales_channel_id:
        return set()
    scl, lfs, so, rule = sales_channel_stock_location, location_fulfillment_set, shipping_option, shipping_option_rule
    locs = select(scl.c.stock_location_id).where(scl.c.sales_channel_id == sales_channel_id,
                                                 scl.c.deleted_at.is_(None))
    set_ids = select(lfs.c.fulfillment_set_id).where(lfs.c.stock_location_id.in_(locs), lfs.c.deleted_at.is_(None))
    zone_ids = zones_serving(set_ids, _address_geo_condition(address))
    rows = await conn.execute(
        select(so.c.id, rule.c.attribute, rule.c.operator, rule.c.value)
        .select_from(so.outerjoin(rule, (rule.c.shipping_option_id == so.c.id) & rule.c.deleted_at.is_(None)))
        .where(so.c.id.in_(list(option_ids)), so.c.deleted_at.is_(None), so.c.service_zone_id.in_(zone_ids)))
    ctx = {"enabled_in_store": "true", "is_return": "false"}
    usable: dict[str, bool] = {}
    for option_id, attribute, operator, value in rows:
        holds = attribute is None or rule_holds({"attribute": attribute, "operator": operator, "value": value}, ctx)
        usable[option_id] = usable.get(option_id, True) and holds
    return {option_id for option_id, ok in usable.items() if ok}


async def shipping_option_price_sets(conn: AsyncConnection, *, option_ids: Sequence[str]) -> dict[str, str]:
    """Option id → price set id (link shipping_option_price_set)."""
    t = shipping_option_price_set
    rows = await conn.execute(select(t.c.shipping_option_id, t.c.price_set_id).where(
        t.c.shipping_option_id.in_(list(option_ids)), t.c.deleted_at.is_(None)))
    return {a: b for a, b in rows}


_PRICE_SQL = text("""
SELECT l.shipping_option_id, p.id, p.amount, p.rules_count,
       COALESCE((SELECT bool_and(r.attribute = 'region_id' AND r.value = :region_id)
                 FROM price_rule r WHERE r.price_id = p.id AND r.deleted_at IS NULL), true) AS rules_ok
FROM shipping_option_price_set l
JOIN price p ON p.price_set_id = l.price_set_id AND p.deleted_at IS NULL AND p.price_list_id IS NULL
WHERE l.deleted_at IS NULL AND l.shipping_option_id = ANY(:option_ids) AND p.currency_code = :currency_code
""")


async def shipping_option_prices(conn: AsyncConnection, *, option_ids: Sequence[str], currency_code: str,
                                 region_id: str | None) -> dict[str, Decimal]:
    """Flat price per option for a currency (a price with a matching `region_id` rule wins over the plain currency
    price). Options without a price in the currency are absent. Reads the pricing tables through the link."""
    if not option_ids:
        return {}
    rows = await conn.execute(_PRICE_SQL, {"option_ids": list(option_ids), "currency_code": currency_code.lower(),
                                           "region_id": region_id or ""})
    best: dict[str, tuple[int, Decimal]] = {}
    for option_id, _pid, amount, rules_count, rules_ok in rows:
        if not rules_ok:
            continue
        cand = (int(rules_count or 0), Decimal(amount))
        cur = best.get(option_id)
        if cur is None or cand[0] > cur[0] or (cand[0] == cur[0] and cand[1] < cur[1]):
            best[option_id] = cand
    return {k: v[1] for k, v in best.items()}


# ---------------------------------------------------------------- fulfillments

async def retrieve_fulfillments(conn: AsyncConnection, *, ids: Sequence[str]) -> list[dict[str, Any]]:
    """Fulfillments with `items`, `labels`, `delivery_address` (one query per relation)."""
    rows = await crud.rows_where(conn, fulfillment, fulfillment.c.id.in_(list(ids)))
    if not rows:
        return []
    fids = [r["id"] for r in rows]
    items: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for it in await crud.rows_where(conn, fulfillment_item, fulfillment_item.c.fulfillment_id.in_(fids)):
        items[it["fulfillment_id"]].append(_public(it))
    labels: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for lb in await crud.rows_where(conn, fulfillment_label, fulfillment_label.c.fulfillment_id.in_(fids)):
        labels[lb["fulfillment_id"]].append(_public(lb))
    addr_ids = [r["delivery_address_id"] for r in rows if r["delivery_address_id"]]
    addrs = {a["id"]: _public(a) for a in await crud.rows_where(conn, fulfillment_address,
                                                                 fulfillment_address.c.id.in_(addr_ids))}
    return [{**_public(r), "items": items.get(r["id"], []), "labels": labels.get(r["id"], []),
             "delivery_address": addrs.get(r["delivery_address_id"] or "")} for r in rows]


async def retrieve_fulfillment(conn: AsyncConnection, *, fulfillment_id: str) -> dict[str, Any]:
    """One fulfillment with relations, or 404."""
    found = await retrieve_fulfillments(conn, ids=[fulfillment_id])
    if not found:
        raise not_found(f"Fulfillment with id: {fulfillment_id} was not found")
    return found[0]


def _label_rows(fulfillment_id: str, labels: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": generate_id("fulla"), "fulfillment_id": fulfillment_id,
             "tracking_number": lb.get("tracking_number") or "", "tracking_url": lb.get("tracking_url") or "",
             "label_url": lb.get("label_url") or ""} for lb in labels]


async def create_fulfillment(conn: AsyncConnection, *, location_id: str, provider_id: str,
                             delivery_address: dict[str, Any] | None, items: Sequence[dict[str, Any]],
                             labels: Sequence[dict[str, Any]] = (), order_id: str | None = None,
                             metadata: dict[str, Any] | None = None, shipping_option_id: str | None = None,
                             data: dict[str, Any] | None = None, requires_shipping: bool = True,
                             created_by: str | None = None) -> dict[str, Any]:
    """Create a fulfillment: items `{title, sku, barcode?, quantity, line_item_id?, inventory_item_id?}`; links it to
    `order_id` (link order_fulfillment). The manual provider packs at once (`packed_at` = now)."""
    if not await list_providers(conn, ids=[provider_id]):
        raise not_found(f"FulfillmentProvider with id: {provider_id} was not found")
    if not items:
        raise invalid_data("Fulfillment must have at least one item")
    fid = generate_id("ful")
    addr_id = None
    if delivery_address is not None:
        addr_id = generate_id("fuladdr")
        await crud.insert_row(conn, fulfillment_address, {"id": addr_id, **{
            k: delivery_address.get(k) for k in ADDRESS_FIELDS if k in delivery_address}})
    await crud.insert_row(conn, fulfillment, {
        "id": fid, "location_id": location_id, "provider_id": provider_id, "shipping_option_id": shipping_option_id,
        "delivery_address_id": addr_id, "metadata": metadata, "data": data or {}, "requires_shipping": requires_shipping,
        "created_by": created_by, "packed_at": datetime.now(UTC)})
    await crud.insert_rows(conn, fulfillment_item, [
        {"id": generate_id("fulit"), "fulfillment_id": fid, "title": it.get("title") or "", "sku": it.get("sku") or "",
         "barcode": it.get("barcode") or "", "quantity": Decimal(str(it["quantity"])),
         "line_item_id": it.get("line_item_id"), "inventory_item_id": it.get("inventory_item_id")} for it in items])
    await crud.insert_rows(conn, fulfillment_label, _label_rows(fid, labels))
    if order_id:
        await crud.insert_row(conn, order_fulfillment, {"id": generate_id("ordful"), "order_id": order_id,
                                                        "fulfillment_id": fid})
    await stage_events(conn, _events("fulfillment.fulfillment.created", [fid]))
    return await retrieve_fulfillment(conn, fulfillment_id=fid)


async def _lock_fulfillment(conn: AsyncConnection, fulfillment_id: str) -> dict[str, Any]:
    return await crud.require_row(conn, fulfillment, fulfillment_id,
                                  f"Fulfillment with id: {fulfillment_id} was not found", for_update=True)


async def create_shipment(conn: AsyncConnection, *, fulfillment_id: str, labels: Sequence[dict[str, Any]] = (),
                          marked_shipped_by: str | None = None) -> dict[str, Any]:
    """Mark shipped (adds tracking labels); refused on a canceled fulfillment."""
    row = await _lock_fulfillment(conn, fulfillment_id)
    if row["canceled_at"] is not None:
        raise not_allowed(f"Fulfillment with id: {fulfillment_id} is canceled")
    await crud.insert_rows(conn, fulfillment_label, _label_rows(fulfillment_id, labels))
    await crud.update_row(conn, fulfillment, fulfillment_id, {
        "shipped_at": row["shipped_at"] or func.now(), "marked_shipped_by": marked_shipped_by})
    await stage_events(conn, _events("fulfillment.fulfillment.updated", [fulfillment_id]))
    return await retrieve_fulfillment(conn, fulfillment_id=fulfillment_id)


async def mark_delivered(conn: AsyncConnection, *, fulfillment_id: str) -> dict[str, Any]:
    """Set `delivered_at` (also `shipped_at` when missing, as Medusa); refused when canceled."""
    row = await _lock_fulfillment(conn, fulfillment_id)
    if row["canceled_at"] is not None:
        raise not_allowed(f"Fulfillment with id: {fulfillment_id} is canceled")
    if row["delivered_at"] is not None:
        raise not_allowed(f"Fulfillment with id: {fulfillment_id} has already been delivered")
    await crud.update_row(conn, fulfillment, fulfillment_id, {"delivered_at": func.now(),
                                                              "shipped_at": row["shipped_at"] or func.now()})
    await stage_events(conn, _events("fulfillment.fulfillment.updated", [fulfillment_id]))
    return await retrieve_fulfillment(conn, fulfillment_id=fulfillment_id)


async def cancel_fulfillment(conn: AsyncConnection, *, fulfillment_id: str) -> dict[str, Any]:
    """Cancel an unshipped fulfillment (idempotent when already canceled)."""
    row = await _lock_fulfillment(conn, fulfillment_id)
    if row["shipped_at"] is not None:
        raise not_allowed(f"Fulfillment with id: {fulfillment_id} already shipped")
    if row["canceled_at"] is None:
        await crud.update_row(conn, fulfillment, fulfillment_id, {"canceled_at": func.now()})
        await stage_events(conn, _events("fulfillment.fulfillment.updated", [fulfillment_id]))
    return await retrieve_fulfillment(conn, fulfillment_id=fulfillment_id)
