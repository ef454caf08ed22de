"""Order transfer: a registered customer claims a guest order; the email owner accepts or declines by token."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from euryale.container import Container
from tests.api.store.test_carts_more import customer_headers
from tests.api.store.test_checkout import checkout_cart
from tests.support.commerce import Shop, make_shop


async def _guest_order(client: httpx.AsyncClient, container: Container) -> tuple[str, dict[str, str], Shop]:
    shop = await make_shop(container, prices=[9])
    pc = await checkout_cart(client, shop)
    order = (await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=shop.headers)).json()["order"]
    return str(order["id"]), shop.headers, shop


async def _token(container: Container, order_id: str) -> str:
    async with container.database().read() as conn:
        return str((await conn.execute(text(
            "SELECT a.details->>'token' FROM order_change_action a JOIN order_change c ON c.id = a.order_change_id "
            "WHERE c.order_id = :o AND c.status = 'requested'"), {"o": order_id})).scalar_one())


async def test_request_and_accept_transfer(client: httpx.AsyncClient, container: Container) -> None:
    order_id, headers, shop = await _guest_order(client, container)
    r = await client.post(f"/store/orders/{order_id}/transfer/request", json={}, headers=headers)
    assert r.status_code == 401
    cid, h = await customer_headers(container, shop)
    r = await client.post(f"/store/orders/{order_id}/transfer/request", json={"description": "mine"}, headers=h)
    assert r.status_code == 200 and r.json()["order"]["id"] == order_id
    r = await client.post(f"/store/orders/{order_id}/transfer/request", json={}, headers=h)
    assert r.status_code == 400
    r = await client.post(f"/store/orders/{order_id}/transfer/accept", json={"token": "wrong"}, headers=headers)
    assert r.status_code == 400 and r.json()["message"] == "Invalid token."
    token = await _token(container, order_id)
    r = await client.post(f"/store/orders/{order_id}/transfer/accept", json={"token": token}, headers=headers)
    assert r.status_code == 200
    listed = (await client.get("/store/orders", headers=h)).json()
    assert [o["id"] for o in listed["orders"]] == [order_id]
    async with container.database().read() as conn:
        events = (await conn.execute(text(
            "SELECT array_agg(name ORDER BY seq) FROM event_outbox WHERE data->>'id' = :o AND name LIKE "
            "'order.transfer%'"), {"o": order_id})).scalar_one()
    assert events == ["order.transfer_requested", "order.transfer_accepted"]
    assert cid


async def test_decline_and_cancel_transfer(client: httpx.AsyncClient, container: Container) -> None:
    order_id, headers, shop = await _guest_order(client, container)
    _, h = await customer_headers(container, shop)
    await client.post(f"/store/orders/{order_id}/transfer/request", json={}, headers=h)
    token = await _token(container, order_id)
    r = await client.post(f"/store/orders/{order_id}/transfer/decline", json={"token": token}, headers=headers)
    assert r.status_code == 200
    assert (await client.get("/store/orders", headers=h)).json()["count"] == 0
    await client.post(f"/store/orders/{order_id}/transfer/request", json={}, headers=h)
    _, other = await customer_headers(container, shop)
    r = await client.post(f"/store/orders/{order_id}/transfer/cancel", headers=other)
    assert r.status_code == 404
    r = await client.post(f"/store/orders/{order_id}/transfer/cancel", headers=h)
    assert r.status_code == 200
    r = await client.post("/store/orders/order_nope/transfer/request", json={}, headers=h)
    assert r.status_code == 404


async def test_order_fields_and_ordering(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[7])
    cid, h = await customer_headers(container, shop)
    ids = []
    for _ in range(2):
        pc = await checkout_cart(client, shop)
        order_id = (await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=shop.headers)).json()["order"]["id"]
        await client.post(f"/store/orders/{order_id}/transfer/request", json={}, headers=h)
        await client.post(f"/store/orders/{order_id}/transfer/accept",
                          json={"token": await _token(container, order_id)}, headers=shop.headers)
        ids.append(order_id)
    body = (await client.get("/store/orders?order=created_at&fields=id,total,*items", headers=h)).json()
    assert [o["id"] for o in body["orders"]] == ids and body["count"] == 2
    assert set(body["orders"][0]) == {"id", "total", "items"} and body["orders"][0]["items"][0]["unit_price"] == 7
    body = (await client.get("/store/orders", headers=h)).json()
    assert [o["id"] for o in body["orders"]] == ids[::-1]
    r = await client.get(f"/store/orders/{ids[0]}?fields=id,email", headers=shop.headers)
    assert r.json() == {"order": {"id": ids[0], "email": f"buyer-{shop.tag}@example.com"}}
    assert cid
