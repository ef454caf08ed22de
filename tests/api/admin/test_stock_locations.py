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
    assert loc["address"]["city"] == "Berlin" and loc["address_id"] == loc["address"]["id"]

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
    assert res.json()["stock_location"]["fulfillment_providers"] == [{"id": "manual_manual", "is_enabled": True}]
    res = await client.post(f"/admin/stock-locations/{loc['id']}/fulfillment-sets", headers=h,
                            params={"fields": "id,*fulfillment_sets"},
                            json={"name": uid("Shipping"), "type": "shipping"})
    sets = res.json()["stock_location"]["fulfillment_sets"]
    assert len(sets) == 1 and sets[0]["type"] == "shipping" and sets[0]["service_zones"] == []

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
