"""The demo seed: a browsable, priced, stocked shop, and idempotent."""

from __future__ import annotations

import httpx

from euryale.container import Container
from euryale.seed import seed_demo


async def test_seed_demo_is_browsable_and_idempotent(client: httpx.AsyncClient, container: Container) -> None:
    first = await seed_demo(container)
    again = await seed_demo(container)
    assert first["publishable_key"] == again["publishable_key"] and first["publishable_key"].startswith("pk_")
    assert again["product_ids"] == first["product_ids"] and len(first["product_ids"]) == 8
    pk = {"x-publishable-api-key": first["publishable_key"]}
    res = await client.get("/store/products", headers=pk, params={
        "region_id": first["region_ids"]["eur"], "fields": "*variants.calculated_price,+variants.inventory_quantity"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["count"] == 8
    variant = body["products"][0]["variants"][0]
    assert variant["calculated_price"]["currency_code"] == "eur" and variant["inventory_quantity"] == 100
    res = await client.get("/store/products", headers=pk, params={"category_id": first["category_ids"][0]})
    assert res.json()["count"] >= 1
    res = await client.get(f"/store/collections/{first['collection_id']}", headers=pk)
    assert res.status_code == 200
    # every region of the session's database (other tests' shops add theirs): the default page of 50 may not
    # reach the seed's
    res = await client.get("/store/regions", headers=pk, params={"limit": 10_000})
    names = {r["name"] for r in res.json()["regions"]}
    assert {"Europe", "North America"} <= names
