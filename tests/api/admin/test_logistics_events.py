"""Logistics writes stage the contract's events in their own transaction (and none when it rolls back)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from euryale.container import Container
from euryale.events.outbox import event_outbox
from tests.support.logistics import admin_headers, make_location, uid


async def _events_for(container: Container, entity_id: str) -> list[str]:
    async with container.database().read() as conn:
        rows = await conn.execute(select(event_outbox.c.name).where(event_outbox.c.data["id"].astext == entity_id)
                                  .order_by(event_outbox.c.seq))
        return [r[0] for r in rows]


async def test_inventory_and_reservation_events(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    async with container.database().transaction() as conn:
        loc = await make_location(conn)
    res = await client.post("/admin/inventory-items", headers=h, json={
        "sku": uid("EVT"), "location_levels": [{"location_id": loc, "stocked_quantity": 2}]})
    item = res.json()["inventory_item"]
    assert "inventory-item.created" in await _events_for(container, item["id"])
    level_id = item["location_levels"][0]["id"]
    assert await _events_for(container, level_id) == ["inventory-level.created"]

    res = await client.post("/admin/reservations", headers=h, json={
        "inventory_item_id": item["id"], "location_id": loc, "quantity": 1})
    resv = res.json()["reservation"]["id"]
    await client.delete(f"/admin/reservations/{resv}", headers=h)
    assert await _events_for(container, resv) == ["reservation-item.created", "reservation-item.deleted"]

    # a failed write (short stock) leaves no event behind
    before = await _count(container, "reservation-item.created")
    res = await client.post("/admin/reservations", headers=h, json={
        "inventory_item_id": item["id"], "location_id": loc, "quantity": 50})
    assert res.status_code == 400
    assert await _count(container, "reservation-item.created") == before


async def _count(container: Container, name: str) -> int:
    async with container.database().read() as conn:
        return len((await conn.execute(select(event_outbox.c.id).where(event_outbox.c.name == name))).all())


async def test_shipping_option_events(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    loc = (await client.post("/admin/stock-locations", headers=h, json={"name": uid("L")})).json()["stock_location"]
    res = await client.post(f"/admin/stock-locations/{loc['id']}/fulfillment-sets", headers=h,
                            params={"fields": "*fulfillment_sets"}, json={"name": uid("fs"), "type": "shipping"})
    fs = res.json()["stock_location"]["fulfillment_sets"][0]["id"]
    res = await client.post(f"/admin/fulfillment-sets/{fs}/service-zones", headers=h,
                            json={"name": uid("z"), "geo_zones": [{"country_code": "de"}]})
    zone = res.json()["fulfillment_set"]["service_zones"][0]["id"]
    sp = (await client.post("/admin/shipping-profiles", headers=h,
                            json={"name": uid("sp"), "type": "default"})).json()["shipping_profile"]["id"]
    res = await client.post("/admin/shipping-options", headers=h, json={
        "name": "S", "service_zone_id": zone, "shipping_profile_id": sp, "provider_id": "manual_manual",
        "type": {"label": "S", "code": "s"}, "prices": [{"currency_code": "eur", "amount": 5}]})
    so = res.json()["shipping_option"]
    await client.delete(f"/admin/shipping-options/{so['id']}", headers=h)
    names = await _events_for(container, so["id"])
    assert names[:2] == ["shipping-option.created", "fulfillment.shipping-option.created"]
    assert names[-1] == "shipping-option.deleted"
    assert await _events_for(container, so["type"]["id"]) == ["shipping-option-type.created"]
