"""Admin stock locations: CRUD, sales channels, providers, fulfillment sets; validation and not-found."""

from __future__ import annotations

import httpx

from euryale.container import Container
from tests.support.logistics import admin_headers, make_sales_channel, uid


async def test_stock_location_lifecycle(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    name = uid("Warehouse")
    res = await client.post("/admin/stock-locations", headers=h, json={
        "name": name, "address": {"address_1": "Lagerstr. 1", "city": "Berlin", "country_code": "DE"}})
    assert res.status_code == 200, res.text
    loc = res.json()["stock_location"]
    assert loc["id"].startswith("sloc_") and loc["name"] == name
    assert loc["address"]["city"] == "Berlin"
    # Medusa 2.21.2's default keys: the sets, channels and providers only with `fields`
    assert set(loc) == {"id", "name", "metadata", "created_at", "updated_at", "address"}
    assert set(loc["address"]) == {"id", "address_1", "address_2", "city", "country_code", "phone", "province",
                                   "postal_code", "metadata"}

    res = await client.get("/admin/stock-locations", headers=h, params={"fields": "id,name", "q": name})
    body = res.json()
    assert body["stock_locations"] == [{"id": loc["id"], "name": name}]
    assert body["count"] == 1 and body["offset"] == 0 and body["limit"] == 20  # Medusa's default (sample 022)

    res = await client.post(f"/admin/stock-locations/{loc['id']}", headers=h,
                            json={"name": name + "-2", "address": {"address_1": "Neu 2", "country_code": "de"}})
    assert res.status_code == 200 and res.json()["stock_location"]["address"]["address_1"] == "Neu 2"

    async with container.database().transaction() as conn:
        sc = await make_sales_channel(conn)
    res = await client.post(f"/admin/stock-locations/{loc['id']}/sales-channels", headers=h,
                            params={"fields": "id,*sales_channels"}, json={"add": [sc]})
    assert [c["id"] for c in res.json()["stock_location"]["sales_channels"]] == [sc]
    res = await client.post(f"/admin/stock-locations/{loc['id']}/fulfillment-providers", headers=h,
                            params={"fields": "id,*fulfillment_providers"}, json={"add": ["manual_manual"]})
    [provider] = res.json()["stock_location"]["fulfillment_providers"]
    assert provider["id"] == "manual_manual" and set(provider) == {"id", "is_enabled", "created_at", "updated_at",
                                                                   "deleted_at"}
    res = await client.post(f"/admin/stock-locations/{loc['id']}/fulfillment-sets", headers=h,
                            params={"fields": "id,*fulfillment_sets"},
                            json={"name": uid("Shipping"), "type": "shipping"})
    sets = res.json()["stock_location"]["fulfillment_sets"]
    assert len(sets) == 1 and sets[0]["type"] == "shipping"
    # `*fulfillment_sets` is the set's own columns in Medusa 2.21.2: zones only when asked for
    assert set(sets[0]) == {"id", "name", "type", "metadata", "created_at", "updated_at", "deleted_at"}

    res = await client.delete(f"/admin/stock-locations/{loc['id']}", headers=h)
    assert res.json() == {"id": loc["id"], "object": "stock_location", "deleted": True}
    res = await client.get(f"/admin/stock-locations/{loc['id']}", headers=h)
    assert res.status_code == 404
    assert res.json() == {"type": "not_found", "message": f"Stock location with id: {loc['id']} was not found"}


async def test_stock_location_validation_and_auth(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    res = await client.post("/admin/stock-locations", headers=h, json={"name": "x", "bogus": 1})
    assert res.status_code == 400
    assert res.json()["type"] == "invalid_data" and "Unrecognized fields: 'bogus'" in res.json()["message"]
    res = await client.post("/admin/stock-locations", headers=h, json={})
    assert res.status_code == 400 and "name" in res.json()["message"]
    res = await client.get("/admin/stock-locations")
    assert res.status_code == 401
    res = await client.post("/admin/stock-locations/sloc_missing/sales-channels", headers=h, json={"add": []})
    assert res.status_code == 404
    res = await client.post("/admin/stock-locations", headers=h, json={"name": uid("l")})
    loc = res.json()["stock_location"]
    res = await client.post(f"/admin/stock-locations/{loc['id']}/sales-channels", headers=h,
                            json={"add": ["sc_missing"]})
    assert res.status_code == 404 and "sc_missing" in res.json()["message"]


async def test_admin_dashboard_location_query(client: httpx.AsyncClient, container: Container) -> None:
    """The field list Medusa's admin dashboard sends for a location page."""
    h = admin_headers(container)
    loc = (await client.post("/admin/stock-locations", headers=h, json={"name": uid("dash")})).json()
    loc_id = loc["stock_location"]["id"]
    r = await client.post(f"/admin/stock-locations/{loc_id}/fulfillment-sets", headers=h,
                          params={"fields": "*fulfillment_sets"}, json={"name": uid("fs"), "type": "shipping"})
    fs = r.json()["stock_location"]["fulfillment_sets"][0]["id"]
    r = await client.post(f"/admin/fulfillment-sets/{fs}/service-zones", headers=h,
                          json={"name": uid("z"), "geo_zones": [{"country_code": "de"}]})
    zone = r.json()["fulfillment_set"]["service_zones"][0]["id"]
    sp = (await client.post("/admin/shipping-profiles", headers=h,
                            json={"name": uid("sp"), "type": "default"})).json()["shipping_profile"]["id"]
    await client.post("/admin/shipping-options", headers=h, json={
        "name": "Std", "service_zone_id": zone, "shipping_profile_id": sp, "provider_id": "manual_manual",
        "type": {"label": "Std", "code": "std"}, "prices": [{"currency_code": "eur", "amount": 3}]})
    fields = ("name,*sales_channels,*address,fulfillment_sets.type,fulfillment_sets.name,"
              "*fulfillment_sets.service_zones.geo_zones,*fulfillment_sets.service_zones,"
              "*fulfillment_sets.service_zones.shipping_options,*fulfillment_sets.service_zones.shipping_options.rules,"
              "*fulfillment_sets.service_zones.shipping_options.shipping_profile,*fulfillment_providers")
    r = await client.get(f"/admin/stock-locations/{loc_id}", headers=h, params={"fields": fields})
    assert r.status_code == 200, r.text
    got = r.json()["stock_location"]
    [fset] = got["fulfillment_sets"]
    assert fset["type"] == "shipping" and "name" in fset
    [z] = fset["service_zones"]
    assert z["geo_zones"][0]["country_code"] == "de"
    [so] = z["shipping_options"]
    assert so["name"] == "Std" and so["shipping_profile"]["id"] == sp and len(so["rules"]) == 2
    # unselected references of a nested option are `{id}` in Medusa 2.21.2
    assert so["type"] == {"id": so["shipping_option_type_id"]} and so["provider"] == {"id": "manual_manual"}
    assert set(z) == {"id", "name", "fulfillment_set_id", "metadata", "created_at", "updated_at", "deleted_at",
                      "geo_zones", "shipping_options"}
    r = await client.get(f"/admin/stock-locations/{loc_id}", headers=h,
                         params={"fields": "*fulfillment_sets.service_zones.shipping_options.prices"})
    [nested] = r.json()["stock_location"]["fulfillment_sets"][0]["service_zones"][0]["shipping_options"]
    assert nested["prices"] and "price_rules" not in nested["prices"][0]  # the price rows alone, as Medusa
