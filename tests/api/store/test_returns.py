"""Store returns (`POST /store/returns`), store return reasons and `GET /store/locales`."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import text

from euryale.container import Container
from tests.api.admin.order_factory import PlacedOrder, admin_headers, levels
from tests.api.admin.test_returns import fulfilled_order
from tests.support.commerce import Shop, make_shop


async def _setup(client: httpx.AsyncClient, container: Container) -> tuple[Shop, PlacedOrder, dict[str, str]]:
    shop = await make_shop(container)
    placed = await fulfilled_order(client, container, admin_headers(container))
    return shop, placed, shop.headers


async def test_store_return_is_created_requested(client: httpx.AsyncClient, container: Container) -> None:
    shop, placed, h = await _setup(client, container)
    r = await client.post("/store/returns", headers=h, json={
        "order_id": placed.order_id, "items": [{"id": placed.item_ids[1], "quantity": 2}],
        "return_shipping": {"option_id": shop.shipping_option_id}, "note": "too small"})
    assert r.status_code == 200, r.text
    ret = r.json()["return"]
    assert ret["order_id"] == placed.order_id and ret["status"] == "requested"
    assert [(i["item_id"], i["quantity"]) for i in ret["items"]] == [(placed.item_ids[1], 2)]
    async with container.database().read() as conn:
        requested = (await conn.execute(text(
            "SELECT return_requested_quantity FROM order_item WHERE item_id = :i ORDER BY version DESC LIMIT 1"),
            {"i": placed.item_ids[1]})).scalar_one()
        event = (await conn.execute(text(
            "SELECT count(*) FROM event_outbox WHERE name = 'order.return_requested' AND data->>'return_id' = :r"),
            {"r": ret["id"]})).scalar_one()
    assert int(requested) == 2 and event == 1
    # more than what is left to return: 400, and no half-created return stays behind
    r = await client.post("/store/returns", headers=h, json={
        "order_id": placed.order_id, "items": [{"id": placed.item_ids[1], "quantity": 2}],
        "return_shipping": {"option_id": shop.shipping_option_id}})
    assert r.status_code == 400
    assert "Cannot request to return more items than what was fulfilled" in r.json()["message"]
    listed = (await client.get(f"/admin/returns?order_id={placed.order_id}",
                               headers=admin_headers(container))).json()
    assert listed["count"] == 1


async def test_store_return_received_now_restocks(client: httpx.AsyncClient, container: Container) -> None:
    shop, placed, h = await _setup(client, container)
    r = await client.post("/store/returns", headers=h, json={
        "order_id": placed.order_id, "items": [{"id": placed.item_ids[0], "quantity": 1}],
        "return_shipping": {"option_id": shop.shipping_option_id, "price": 0}, "receive_now": True,
        "location_id": placed.location_id})
    assert r.status_code == 200, r.text
    assert r.json()["return"]["status"] == "received"
    assert (await levels(container, placed))[0] == (10, 0)


async def test_store_return_validation_and_not_found(client: httpx.AsyncClient, container: Container) -> None:
    shop, placed, h = await _setup(client, container)
    base = {"order_id": placed.order_id, "items": [{"id": placed.item_ids[0], "quantity": 1}],
            "return_shipping": {"option_id": shop.shipping_option_id}}
    assert (await client.post("/store/returns", json=base)).status_code == 400  # no publishable key
    r = await client.post("/store/returns", headers=h, json={**base, "extra": 1})
    assert r.status_code == 400 and "Unrecognized fields" in r.json()["message"]
    r = await client.post("/store/returns", headers=h, json={k: v for k, v in base.items() if k != "return_shipping"})
    assert r.status_code == 400
    r = await client.post("/store/returns", headers=h, json={**base, "items": [{"id": "x", "quantity": 0}]})
    assert r.status_code == 400
    r = await client.post("/store/returns", headers=h, json={**base, "order_id": "order_missing"})
    assert r.status_code == 404
    r = await client.post("/store/returns", headers=h, json={**base, "return_shipping": {"option_id": "so_missing"}})
    assert r.status_code == 404
    r = await client.post("/store/returns", headers=h, json={**base, "items": [
        {"id": placed.item_ids[0], "quantity": 1, "reason_id": "rr_missing"}]})
    assert r.status_code == 404


async def test_store_return_reasons(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container)
    value = f"wrong-size-{uuid.uuid4().hex[:8]}"
    r = await client.post("/admin/return-reasons", headers=admin_headers(container),
                          json={"value": value, "label": "Wrong size", "description": "Too small"})
    rr = r.json()["return_reason"]
    r = await client.get(f"/store/return-reasons?q={value}&limit=5", headers=shop.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1 and body["offset"] == 0 and body["limit"] == 5
    assert body["return_reasons"][0]["id"] == rr["id"]
    assert set(body["return_reasons"][0]) == {"id", "value", "label", "description", "metadata", "created_at",
                                              "updated_at"}
    r = await client.get(f"/store/return-reasons/{rr['id']}?fields=id,label", headers=shop.headers)
    assert r.status_code == 200 and r.json() == {"return_reason": {"id": rr["id"], "label": "Wrong size"}}
    r = await client.get("/store/return-reasons/rr_missing", headers=shop.headers)
    assert r.status_code == 404 and r.json()["type"] == "not_found"
    assert (await client.get("/store/return-reasons")).status_code == 400


async def test_store_locales_follow_the_translation_flag(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container)
    saved = dict(container.config.feature_flags)
    try:
        container.config.feature_flags["translation"] = False
        assert (await client.get("/store/locales", headers=shop.headers)).status_code == 404
        container.config.feature_flags["translation"] = True
        r = await client.get("/store/locales", headers=shop.headers)
    finally:
        container.config.feature_flags.clear()
        container.config.feature_flags.update(saved)
    assert r.status_code == 200
    locales = r.json()["locales"]
    assert locales and all(set(x) == {"code", "name"} for x in locales)


async def test_admin_locales_follow_the_translation_flag(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    saved = dict(container.config.feature_flags)
    try:
        container.config.feature_flags["translation"] = False
        assert (await client.get("/admin/locales", headers=h)).status_code == 404
        container.config.feature_flags["translation"] = True
        assert (await client.get("/admin/locales")).status_code == 401
        listed = (await client.get("/admin/locales?q=french", headers=h)).json()
        one = await client.get("/admin/locales/de-DE", headers=h)
        missing = await client.get("/admin/locales/xx-XX", headers=h)
    finally:
        container.config.feature_flags.clear()
        container.config.feature_flags.update(saved)
    assert listed["count"] == 1 and listed["locales"][0]["code"] == "fr-FR"
    assert one.status_code == 200 and one.json()["locale"]["name"] == "German (Germany)"
    assert missing.status_code == 404
