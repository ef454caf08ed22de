"""Response key sets match real Medusa 2.21.2 exchanges (samples 022, 023, 024, 054)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from euryale.container import Container
from tests.support.logistics import admin_headers, make_location, uid

SAMPLES = Path("/work/shared/medusa-contract/samples/admin")


def sample(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SAMPLES / name).read_text())["response"]
    return body


async def test_levels_reservations_locations_profiles_match_samples(client: httpx.AsyncClient,
                                                                     container: Container) -> None:
    h = admin_headers(container)
    async with container.database().transaction() as conn:
        loc = await make_location(conn)
    item = (await client.post("/admin/inventory-items", headers=h, json={
        "sku": uid("S"), "location_levels": [{"location_id": loc, "stocked_quantity": 5}]})).json()["inventory_item"]
    line = uid("ordli")
    await client.post("/admin/reservations", headers=h, json={
        "inventory_item_id": item["id"], "location_id": loc, "quantity": 1, "line_item_id": line})

    levels = (await client.get(f"/admin/inventory-items/{item['id']}/location-levels", headers=h,
                               params={"location_id": loc})).json()
    want = sample("024-GET_admin_inventory-items_id_location-levels.json")
    assert set(levels) == set(want) and levels["limit"] == want["limit"]
    assert set(levels["inventory_levels"][0]) == set(want["inventory_levels"][0])

    res = (await client.get("/admin/reservations", headers=h, params={"line_item_id[0]": line, "limit": 100})).json()
    want = sample("023-GET_admin_reservations.json")
    assert set(res) == set(want)
    got, exp = res["reservations"][0], want["reservations"][0]
    assert set(got) == set(exp)
    assert set(got["inventory_item"]) == set(exp["inventory_item"])
    assert got["inventory_item"]["reserved_quantity"] == 1 and got["inventory_item"]["stocked_quantity"] == 5

    locs = (await client.get("/admin/stock-locations", headers=h, params={"fields": "id,name"})).json()
    want = sample("022-GET_admin_stock-locations.json")
    assert set(locs) == set(want) and locs["limit"] == want["limit"]
    assert all(set(x) == {"id", "name"} for x in locs["stock_locations"])

    await client.post("/admin/shipping-profiles", headers=h, json={"name": uid("p"), "type": "default"})
    profiles = (await client.get("/admin/shipping-profiles", headers=h, params={"limit": 1})).json()
    want = sample("054-GET_admin_shipping-profiles.json")
    assert set(profiles) == set(want) and set(profiles["shipping_profiles"][0]) == set(want["shipping_profiles"][0])
