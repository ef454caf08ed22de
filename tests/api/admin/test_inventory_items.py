"""Admin inventory items, location levels (CRUD, batch) and reservations."""

from __future__ import annotations

import httpx

from euryale.container import Container
from tests.support.logistics import admin_headers, make_location, uid


async def test_items_levels_reservations(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    async with container.database().transaction() as conn:
        loc, loc2 = await make_location(conn), await make_location(conn)
    sku = uid("SKU")
    res = await client.post("/admin/inventory-items", headers=h, json={
        "sku": sku, "title": "Shirt", "requires_shipping": True,
        "location_levels": [{"location_id": loc, "stocked_quantity": 10}]})
    assert res.status_code == 200, res.text
    item = res.json()["inventory_item"]
    assert item["sku"] == sku and item["stocked_quantity"] == 10 and item["reserved_quantity"] == 0
    assert item["location_levels"][0]["available_quantity"] == 10
    # Medusa 2.21.2's embedded levels are the whole model, BigNumber raw_* columns included
    assert set(item["location_levels"][0]) == {
        "id", "inventory_item_id", "location_id", "stocked_quantity", "reserved_quantity", "incoming_quantity",
        "available_quantity", "raw_stocked_quantity", "raw_reserved_quantity", "raw_incoming_quantity", "metadata",
        "created_at", "updated_at", "deleted_at"}
    assert item["location_levels"][0]["raw_stocked_quantity"] == {"value": "10", "precision": 20}
    assert "unit_of_measure" in item

    res = await client.post("/admin/inventory-items", headers=h, json={"sku": sku})
    assert res.status_code == 422
    assert res.json() == {"type": "duplicate_error", "code": "invalid_request_error",
                          "message": f"Inventory item with sku: {sku} already exists."}

    res = await client.post(f"/admin/inventory-items/{item['id']}/location-levels", headers=h,
                            json={"location_id": loc2, "stocked_quantity": 3})
    assert res.json()["inventory_item"]["stocked_quantity"] == 13
    res = await client.post(f"/admin/inventory-items/{item['id']}/location-levels/{loc2}", headers=h,
                            json={"stocked_quantity": 5, "incoming_quantity": 2})
    assert res.json()["inventory_item"]["stocked_quantity"] == 15

    res = await client.get(f"/admin/inventory-items/{item['id']}/location-levels", headers=h,
                           params={"location_id": loc})
    levels = res.json()
    assert levels["count"] == 1 and levels["inventory_levels"][0]["location_id"] == loc
    assert not any(k.startswith("raw_") for k in levels["inventory_levels"][0])  # the level routes have no raw_*
    assert set(levels["inventory_levels"][0]) >= {"id", "inventory_item_id", "location_id", "stocked_quantity",
                                                  "reserved_quantity", "incoming_quantity", "available_quantity"}

    res = await client.post("/admin/reservations", headers=h, json={
        "inventory_item_id": item["id"], "location_id": loc, "quantity": 4, "line_item_id": "ordli_x",
        "description": "hold"})
    assert res.status_code == 200, res.text
    resv = res.json()["reservation"]
    assert resv["quantity"] == 4 and resv["inventory_item"]["reserved_quantity"] == 4
    res = await client.post("/admin/reservations", headers=h, json={
        "inventory_item_id": item["id"], "location_id": loc, "quantity": 7})
    assert res.status_code == 400 and res.json()["code"] == "insufficient_inventory"
    res = await client.get("/admin/reservations", headers=h, params={"line_item_id[0]": "ordli_x", "limit": 100})
    assert [r["id"] for r in res.json()["reservations"]] == [resv["id"]] and res.json()["limit"] == 100
    res = await client.post(f"/admin/reservations/{resv['id']}", headers=h, json={"quantity": 6})
    assert res.json()["reservation"]["inventory_item"]["reserved_quantity"] == 6

    res = await client.delete(f"/admin/inventory-items/{item['id']}/location-levels/{loc}", headers=h)
    assert res.status_code == 400  # reservations at the location
    res = await client.delete(f"/admin/reservations/{resv['id']}", headers=h)
    assert res.json() == {"id": resv["id"], "object": "reservation", "deleted": True}
    res = await client.get(f"/admin/reservations/{resv['id']}", headers=h)
    assert res.status_code == 404

    res = await client.post(f"/admin/inventory-items/{item['id']}/location-levels/batch", headers=h, json={
        "update": [{"location_id": loc, "stocked_quantity": 1}], "delete": [loc2]})
    body = res.json()
    assert body["inventory_item"]["stocked_quantity"] == 1 and len(body["deleted"]) == 1
    res = await client.delete(f"/admin/inventory-items/{item['id']}", headers=h)
    assert res.json() == {"id": item["id"], "object": "inventory_item", "deleted": True}
    res = await client.get(f"/admin/inventory-items/{item['id']}", headers=h)
    assert res.status_code == 404
    # the SKU is free again once the item is deleted
    res = await client.post("/admin/inventory-items", headers=h, json={"sku": sku})
    assert res.status_code == 200


async def test_inventory_list_filters_and_validation(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    async with container.database().transaction() as conn:
        loc = await make_location(conn)
    sku = uid("FILTER")
    await client.post("/admin/inventory-items", headers=h, json={
        "sku": sku, "location_levels": [{"location_id": loc, "stocked_quantity": 1}]})
    res = await client.get("/admin/inventory-items", headers=h, params={"q": sku})
    assert [i["sku"] for i in res.json()["inventory_items"]] == [sku]
    res = await client.get("/admin/inventory-items", headers=h, params={"location_levels[location_id]": loc})
    assert res.json()["count"] == 1
    res = await client.get("/admin/inventory-items", headers=h, params={"fields": "id,sku", "sku": sku})
    assert res.json()["inventory_items"][0] == {"id": res.json()["inventory_items"][0]["id"], "sku": sku}
    res = await client.post("/admin/inventory-items", headers=h, json={"sku": uid("x"), "weight": "heavy"})
    assert res.status_code == 400
    res = await client.post("/admin/inventory-items/iitem_nope", headers=h, json={"title": "x"})
    assert res.status_code == 404
    res = await client.get("/admin/inventory-items", headers=h, params={"limit": "-1"})
    assert res.status_code == 400


async def test_item_variants_relation(client: httpx.AsyncClient, container: Container) -> None:
    from tests.support.commerce import make_shop

    shop = await make_shop(container, country_code="us", currency_code="usd")
    v = shop.variants[0]
    assert v.inventory_item_id is not None
    res = await client.get(f"/admin/inventory-items/{v.inventory_item_id}", headers=admin_headers(container),
                           params={"fields": "id,*variants"})
    item = res.json()["inventory_item"]
    assert [x["id"] for x in item["variants"]] == [v.id] and item["variants"][0]["product_id"] == v.product_id


async def test_concurrent_admin_reservations_never_oversell(client: httpx.AsyncClient,
                                                            container: Container) -> None:
    import asyncio

    h = admin_headers(container)
    async with container.database().transaction() as conn:
        loc = await make_location(conn)
    item = (await client.post("/admin/inventory-items", headers=h, json={
        "sku": uid("RACE"), "location_levels": [{"location_id": loc, "stocked_quantity": 5}]})).json()["inventory_item"]

    async def reserve() -> int:
        res = await client.post("/admin/reservations", headers=h, json={
            "inventory_item_id": item["id"], "location_id": loc, "quantity": 1})
        return res.status_code

    codes = await asyncio.gather(*[reserve() for _ in range(20)])
    assert sorted(codes) == [200] * 5 + [400] * 15
    res = await client.get(f"/admin/inventory-items/{item['id']}", headers=h)
    assert res.json()["inventory_item"]["reserved_quantity"] == 5


async def test_export_csv(client: httpx.AsyncClient, container: Container) -> None:
    import csv
    import io

    from euryale.flows import inventory_export
    from euryale.modules.file import file_service

    h = admin_headers(container)
    async with container.database().transaction() as conn:
        loc = await make_location(conn)
    sku = uid("CSV")
    await client.post("/admin/inventory-items", headers=h, json={
        "sku": sku, "title": "Mug", "location_levels": [{"location_id": loc, "stocked_quantity": 7}]})
    upload_dir = file_service(container).provider.upload_dir  # type: ignore[attr-defined]
    before = set(upload_dir.glob("*inventory-items-export.csv")) if upload_dir.exists() else set()
    res = await client.post("/admin/inventory-items/export", headers=h, params={"sku": sku})
    assert res.status_code == 202 and res.json()["transaction_id"]
    [written] = set(upload_dir.glob("*inventory-items-export.csv")) - before
    try:
        rows = list(csv.reader(io.StringIO(written.read_text())))
    finally:
        written.unlink()
    assert rows[0] == list(inventory_export.COLUMNS)
    assert [(r[1], r[2], r[5], r[6], r[9]) for r in rows[1:]] == [(sku, "Mug", loc, "7", "7")]
