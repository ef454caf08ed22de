"""Admin fulfillment sets, service zones, shipping profiles, option types, shipping options (prices, rules),
providers — then the store sees the option for a cart."""

from __future__ import annotations

import httpx

from euryale.container import Container
from tests.support.logistics import admin_headers, uid


async def _location_with_set(client: httpx.AsyncClient, h: dict[str, str]) -> tuple[str, str]:
    res = await client.post("/admin/stock-locations", headers=h, json={"name": uid("Loc")})
    loc = res.json()["stock_location"]["id"]
    res = await client.post(f"/admin/stock-locations/{loc}/fulfillment-sets", headers=h,
                            params={"fields": "id,*fulfillment_sets"}, json={"name": uid("fs"), "type": "shipping"})
    return loc, res.json()["stock_location"]["fulfillment_sets"][0]["id"]


async def test_service_zones_crud(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    _, fs = await _location_with_set(client, h)
    zone_name = uid("Europe")
    res = await client.post(f"/admin/fulfillment-sets/{fs}/service-zones", headers=h, json={
        "name": zone_name, "geo_zones": [{"type": "country", "country_code": "de"},
                                         {"type": "province", "country_code": "fr", "province_code": "fr-idf"}]})
    assert res.status_code == 200, res.text
    zone = res.json()["fulfillment_set"]["service_zones"][0]
    assert zone["name"] == zone_name
    assert sorted(g["country_code"] for g in zone["geo_zones"]) == ["de", "fr"]

    res = await client.get(f"/admin/fulfillment-sets/{fs}/service-zones/{zone['id']}", headers=h)
    assert res.json()["service_zone"]["id"] == zone["id"]
    # Medusa 2.21.2's keys for one zone: no set id or metadata, deleted_at on the zone and its geo zones
    assert set(res.json()["service_zone"]) == {"id", "name", "created_at", "updated_at", "deleted_at", "geo_zones"}
    assert all("deleted_at" in g for g in res.json()["service_zone"]["geo_zones"])
    keep = next(g for g in zone["geo_zones"] if g["country_code"] == "de")
    res = await client.post(f"/admin/fulfillment-sets/{fs}/service-zones/{zone['id']}", headers=h, json={
        "geo_zones": [{"id": keep["id"], "type": "country", "country_code": "de"},
                      {"type": "country", "country_code": "at"}]})
    geo = res.json()["fulfillment_set"]["service_zones"][0]["geo_zones"]
    assert sorted(g["country_code"] for g in geo) == ["at", "de"]

    res = await client.post(f"/admin/fulfillment-sets/{fs}/service-zones", headers=h,
                            json={"name": zone_name, "geo_zones": []})
    assert res.status_code == 422 and res.json()["type"] == "duplicate_error"
    res = await client.post(f"/admin/fulfillment-sets/{fs}/service-zones", headers=h, json={
        "name": uid("z"), "geo_zones": [{"type": "province", "country_code": "de"}]})
    assert res.status_code == 400
    res = await client.post(f"/admin/fulfillment-sets/{fs}/service-zones", headers=h, json={
        "name": uid("z"), "geo_zones": [{"type": "planet", "country_code": "de"}]})
    assert res.status_code == 400 and res.json()["type"] == "invalid_data"

    res = await client.delete(f"/admin/fulfillment-sets/{fs}/service-zones/{zone['id']}", headers=h)
    body = res.json()
    assert body["id"] == zone["id"] and body["object"] == "service_zone" and body["deleted"] is True
    assert body["parent"]["service_zones"] == []
    res = await client.get(f"/admin/fulfillment-sets/{fs}/service-zones/{zone['id']}", headers=h)
    assert res.status_code == 404
    res = await client.delete(f"/admin/fulfillment-sets/{fs}", headers=h)
    assert res.json() == {"id": fs, "object": "fulfillment_set", "deleted": True}
    res = await client.delete(f"/admin/fulfillment-sets/{fs}", headers=h)
    assert res.status_code == 404


async def test_profiles_types_providers(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    name = uid("Heavy")
    res = await client.post("/admin/shipping-profiles", headers=h, json={"name": name, "type": "custom"})
    profile = res.json()["shipping_profile"]
    assert set(profile) >= {"id", "name", "type", "metadata", "created_at", "updated_at"}
    res = await client.post("/admin/shipping-profiles", headers=h, json={"name": name, "type": "custom"})
    assert res.status_code == 422 and res.json()["type"] == "duplicate_error"
    res = await client.post(f"/admin/shipping-profiles/{profile['id']}", headers=h, json={"metadata": {"a": 1}})
    assert res.json()["shipping_profile"]["metadata"] == {"a": 1}
    res = await client.get("/admin/shipping-profiles", headers=h, params={"limit": 1})
    assert len(res.json()["shipping_profiles"]) == 1 and res.json()["limit"] == 1 and res.json()["count"] >= 1
    res = await client.delete(f"/admin/shipping-profiles/{profile['id']}", headers=h)
    assert res.json()["deleted"] is True

    res = await client.post("/admin/shipping-option-types", headers=h,
                            json={"label": "Express", "code": uid("express")})
    sot = res.json()["shipping_option_type"]
    res = await client.post(f"/admin/shipping-option-types/{sot['id']}", headers=h, json={"description": "1 day"})
    assert res.json()["shipping_option_type"]["description"] == "1 day"
    res = await client.get("/admin/shipping-option-types", headers=h, params={"id": sot["id"]})
    assert res.json()["count"] == 1

    res = await client.get("/admin/fulfillment-providers", headers=h)
    assert {"id": "manual_manual", "is_enabled": True} in res.json()["fulfillment_providers"]
    res = await client.get("/admin/fulfillment-providers/manual_manual/options", headers=h)
    assert {"id": "manual-fulfillment"} in res.json()["fulfillment_options"]
    res = await client.get("/admin/fulfillment-providers/nope/options", headers=h)
    assert res.status_code == 404


async def test_shipping_option_crud_and_rules(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    _, fs = await _location_with_set(client, h)
    res = await client.post(f"/admin/fulfillment-sets/{fs}/service-zones", headers=h, json={
        "name": uid("zone"), "geo_zones": [{"type": "country", "country_code": "de"}]})
    zone = res.json()["fulfillment_set"]["service_zones"][0]["id"]
    res = await client.post("/admin/shipping-profiles", headers=h, json={"name": uid("sp"), "type": "default"})
    profile = res.json()["shipping_profile"]["id"]
    payload = {"name": "Standard", "service_zone_id": zone, "shipping_profile_id": profile,
               "provider_id": "manual_manual", "price_type": "flat",
               "type": {"label": "Standard", "description": "2-3 days", "code": "standard"},
               "prices": [{"currency_code": "eur", "amount": 10}, {"currency_code": "usd", "amount": 12.5}],
               "rules": [{"attribute": "enabled_in_store", "operator": "eq", "value": "true"},
                         {"attribute": "is_return", "operator": "eq", "value": "false"}]}
    res = await client.post("/admin/shipping-options", headers=h, json=payload)
    assert res.status_code == 200, res.text
    so = res.json()["shipping_option"]
    assert so["id"].startswith("so_") and so["provider"]["id"] == "manual_manual"
    # Medusa 2.21.2's defaults: whole related records, the zone's set as {id}, rule rows behind the prices
    assert "shipping_option_type_id" not in so
    assert set(so["provider"]) == {"id", "is_enabled", "created_at", "updated_at", "deleted_at"}
    assert set(so["type"]) == {"id", "label", "description", "code", "created_at", "updated_at", "deleted_at"}
    assert set(so["service_zone"]) == {"id", "name", "fulfillment_set_id", "fulfillment_set", "metadata",
                                       "created_at", "updated_at", "deleted_at"}
    assert so["service_zone"]["fulfillment_set"] == {"id": so["service_zone"]["fulfillment_set_id"]}
    assert all(r["deleted_at"] is None for r in so["rules"]) and so["shipping_profile"]["deleted_at"] is None
    assert all(p["raw_min_quantity"] is None and p["raw_max_quantity"] is None for p in so["prices"])
    assert so["type"]["code"] == "standard" and so["shipping_profile"]["id"] == profile
    assert sorted((p["currency_code"], p["amount"]) for p in so["prices"]) == [("eur", 10), ("usd", 12.5)]
    assert len(so["rules"]) == 2

    eur = next(p for p in so["prices"] if p["currency_code"] == "eur")
    res = await client.post(f"/admin/shipping-options/{so['id']}", headers=h, json={
        "name": "Standard+", "prices": [{"id": eur["id"], "amount": 9}]})
    updated = res.json()["shipping_option"]
    assert updated["name"] == "Standard+" and [(p["id"], p["amount"]) for p in updated["prices"]] == [(eur["id"], 9)]

    store_rule = next(r for r in so["rules"] if r["attribute"] == "enabled_in_store")
    res = await client.post(f"/admin/shipping-options/{so['id']}/rules/batch", headers=h, json={
        "create": [{"attribute": "customer.groups.id", "operator": "in", "value": ["cg_1"]}],
        "delete": [store_rule["id"]]})
    batch = res.json()
    assert batch["created"][0]["attribute"] == "customer.groups.id"
    assert batch["deleted"] == {"ids": [store_rule["id"]], "object": "shipping_option_rule", "deleted": True}

    res = await client.get("/admin/shipping-options", headers=h, params={"service_zone_id": zone})
    assert res.json()["count"] == 1 and len(res.json()["shipping_options"][0]["rules"]) == 2
    # no enabled_in_store rule any more: not admin-only (Medusa reads a missing rule as "enabled")
    for params, count in (({"is_return": "false"}, 1), ({"is_return": "true"}, 0), ({"admin_only": "true"}, 0)):
        res = await client.get("/admin/shipping-options", headers=h, params={"service_zone_id": zone, **params})
        assert res.json()["count"] == count, params

    res = await client.post("/admin/shipping-options", headers=h, json={**payload, "service_zone_id": "serzo_no"})
    assert res.status_code == 404
    res = await client.post("/admin/shipping-options", headers=h, json={**payload, "price_type": "weird"})
    assert res.status_code == 400
    res = await client.delete(f"/admin/shipping-options/{so['id']}", headers=h)
    assert res.json() == {"id": so["id"], "object": "shipping_option", "deleted": True}
    res = await client.get(f"/admin/shipping-options/{so['id']}", headers=h)
    assert res.status_code == 404


async def test_deleting_a_location_retires_its_options_and_prices(client: httpx.AsyncClient,
                                                                   container: Container) -> None:
    from sqlalchemy import select

    from euryale.links.models import shipping_option_price_set
    from euryale.modules.pricing.models import price

    h = admin_headers(container)
    loc, fs = await _location_with_set(client, h)
    res = await client.post(f"/admin/fulfillment-sets/{fs}/service-zones", headers=h, json={
        "name": uid("zone"), "geo_zones": [{"type": "country", "country_code": "de"}]})
    zone = res.json()["fulfillment_set"]["service_zones"][0]["id"]
    sp = (await client.post("/admin/shipping-profiles", headers=h,
                            json={"name": uid("sp"), "type": "default"})).json()["shipping_profile"]["id"]
    so = (await client.post("/admin/shipping-options", headers=h, json={
        "name": "S", "service_zone_id": zone, "shipping_profile_id": sp, "provider_id": "manual_manual",
        "type": {"label": "S", "code": "s"}, "prices": [{"currency_code": "eur", "amount": 5}]})).json()
    option_id = so["shipping_option"]["id"]
    price_set_id = so["shipping_option"]["prices"][0]["price_set_id"]

    res = await client.delete(f"/admin/stock-locations/{loc}", headers=h)
    assert res.json()["deleted"] is True
    assert (await client.get(f"/admin/shipping-options/{option_id}", headers=h)).status_code == 404
    res = await client.get(f"/admin/fulfillment-sets/{fs}/service-zones/{zone}", headers=h)
    assert res.status_code == 404
    async with container.database().read() as conn:
        live_prices = (await conn.execute(select(price.c.id).where(
            price.c.price_set_id == price_set_id, price.c.deleted_at.is_(None)))).all()
        live_links = (await conn.execute(select(shipping_option_price_set.c.id).where(
            shipping_option_price_set.c.shipping_option_id == option_id,
            shipping_option_price_set.c.deleted_at.is_(None)))).all()
    assert live_prices == [] and live_links == []
