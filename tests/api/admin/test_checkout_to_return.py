"""From a real store checkout to a settled return, through the admin API: stock, payment and order status are
checked after each step (the order is created by `POST /store/carts/:id/complete`, not written by the test)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from euryale.container import Container
from tests.api.admin.order_factory import admin_headers
from tests.api.store.test_checkout import checkout_cart
from tests.support.commerce import make_shop


async def stock_of(container: Container, inventory_item_id: str) -> tuple[int, int]:
    async with container.database().read() as conn:
        row = (await conn.execute(text(
            "SELECT stocked_quantity, reserved_quantity FROM inventory_level WHERE inventory_item_id = :i"),
            {"i": inventory_item_id})).one()
    return int(row[0]), int(row[1])


async def test_store_checkout_then_admin_lifecycle(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[25], stock=10, shipping_price=10)
    inv = shop.variants[0].inventory_item_id
    assert inv is not None
    pc = await checkout_cart(client, shop, qty=2)
    res = await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=shop.headers)
    assert res.status_code == 200, res.text
    oid = res.json()["order"]["id"]
    assert await stock_of(container, inv) == (10, 2)

    h = admin_headers(container)

    async def order() -> dict[str, Any]:
        r = await client.get(f"/admin/orders/{oid}", headers=h)
        assert r.status_code == 200, r.text
        o: dict[str, Any] = r.json()["order"]
        return o

    o = await order()
    assert (o["status"], o["payment_status"], o["fulfillment_status"], o["total"]) == (
        "pending", "authorized", "not_fulfilled", 60)
    payment_id = o["payment_collections"][0]["payments"][0]["id"]
    item_id = o["items"][0]["id"]
    r = await client.get(f"/admin/orders/{oid}/shipping-options", headers=h)
    assert r.status_code == 200, r.text
    assert [(s["id"], s["amount"]) for s in r.json()["shipping_options"]] == [(shop.shipping_option_id, 10)]
    r = await client.get(f"/admin/orders/{oid}/shipping-options?is_return=true", headers=h)
    assert r.json()["shipping_options"] == []  # the shop's only option is not a return option

    r = await client.post(f"/admin/payments/{payment_id}/capture", json={}, headers=h)
    assert r.status_code == 200, r.text
    o = await order()
    assert o["payment_status"] == "captured" and o["summary"]["pending_difference"] == 0

    # no location given: the shipping option's stock location is used, as in Medusa
    r = await client.post(f"/admin/orders/{oid}/fulfillments", json={"items": [{"id": item_id, "quantity": 2}]},
                          headers=h, params={"fields": "+fulfillment_status,*fulfillments"})
    assert r.status_code == 200, r.text
    o = r.json()["order"]
    assert o["fulfillment_status"] == "fulfilled"
    assert o["fulfillments"][0]["location_id"] == shop.location_id
    assert o["fulfillments"][0]["provider_id"] == "manual_manual"
    assert await stock_of(container, inv) == (8, 0)
    ful_id = o["fulfillments"][0]["id"]

    status = {"fields": "+fulfillment_status"}
    r = await client.post(f"/admin/orders/{oid}/fulfillments/{ful_id}/shipments", headers=h, params=status, json={
        "labels": [{"tracking_number": "Z1", "tracking_url": "https://t/z1", "label_url": "https://l/z1"}]})
    assert r.status_code == 200 and r.json()["order"]["fulfillment_status"] == "shipped"
    r = await client.post(f"/admin/orders/{oid}/fulfillments/{ful_id}/mark-as-delivered", json={}, headers=h,
                          params=status)
    assert r.status_code == 200 and r.json()["order"]["fulfillment_status"] == "delivered"

    r = await client.post(f"/admin/payments/{payment_id}/refund", json={"amount": 5}, headers=h)
    assert r.status_code == 200
    o = await order()
    assert o["payment_status"] == "partially_refunded" and o["summary"]["refunded_total"] == 5
    assert o["total"] == 55 and o["summary"]["pending_difference"] == 0  # a credit line of 5

    r = await client.post("/admin/returns", json={"order_id": oid, "location_id": shop.location_id}, headers=h)
    rid = r.json()["return"]["id"]
    for path, body in (("request-items", {"items": [{"id": item_id, "quantity": 1}]}), ("request", {}),
                       ("receive", {}), ("receive-items", {"items": [{"id": item_id, "quantity": 1}]}),
                       ("receive/confirm", {})):
        r = await client.post(f"/admin/returns/{rid}/{path}", json=body, headers=h)
        assert r.status_code == 200, (path, r.text)
    assert r.json()["return"]["status"] == "received"
    assert await stock_of(container, inv) == (9, 0)
    o = await order()
    assert o["summary"]["current_order_total"] == 30 and o["summary"]["pending_difference"] == -25

    r = await client.post(f"/admin/payments/{payment_id}/refund", json={"amount": 25}, headers=h)
    assert r.status_code == 200
    o = await order()
    assert o["summary"]["pending_difference"] == 0 and o["payment_status"] == "partially_refunded"
    r = await client.post(f"/admin/orders/{oid}/complete", json={}, headers=h)
    assert r.json()["order"]["status"] == "completed"


async def test_return_shipping_is_charged_on_the_refund(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[25], stock=10, shipping_price=10)
    pc = await checkout_cart(client, shop, qty=2)
    oid = (await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=shop.headers)).json()["order"]["id"]
    h = admin_headers(container)
    o = (await client.get(f"/admin/orders/{oid}", headers=h)).json()["order"]
    item_id = o["items"][0]["id"]
    await client.post(f"/admin/payments/{o['payment_collections'][0]['payments'][0]['id']}/capture", json={},
                      headers=h)
    await client.post(f"/admin/orders/{oid}/fulfillments", json={"items": [{"id": item_id, "quantity": 2}]},
                      headers=h)
    rid = (await client.post("/admin/returns", json={"order_id": oid, "location_id": shop.location_id},
                             headers=h)).json()["return"]["id"]
    await client.post(f"/admin/returns/{rid}/request-items", json={"items": [{"id": item_id, "quantity": 1}]},
                      headers=h)
    r = await client.post(f"/admin/returns/{rid}/shipping-method", headers=h,
                          json={"shipping_option_id": shop.shipping_option_id, "custom_amount": 3})
    assert r.status_code == 200, r.text
    custom = next(a for a in r.json()["order_preview"]["order_change"]["actions"] if a["action"] == "SHIPPING_ADD")
    assert custom["amount"] == 3
    r = await client.delete(f"/admin/returns/{rid}/shipping-method/{custom['id']}", headers=h)
    assert [a["action"] for a in r.json()["order_preview"]["order_change"]["actions"]] == ["RETURN_ITEM"]
    r = await client.post(f"/admin/returns/{rid}/shipping-method", headers=h,
                          json={"shipping_option_id": shop.shipping_option_id})  # the option's price: 10
    assert r.status_code == 200, r.text
    r = await client.post(f"/admin/returns/{rid}/request", json={}, headers=h)
    assert r.status_code == 200, r.text
    o = (await client.get(f"/admin/orders/{oid}", headers=h)).json()["order"]
    assert [m["amount"] for m in o["shipping_methods"]] == [10, 10] and o["total"] == 70
    for path, body in (("receive", {}), ("receive-items", {"items": [{"id": item_id, "quantity": 1}]}),
                       ("receive/confirm", {})):
        r = await client.post(f"/admin/returns/{rid}/{path}", json=body, headers=h)
        assert r.status_code == 200, (path, r.text)
    o = (await client.get(f"/admin/orders/{oid}", headers=h)).json()["order"]
    # 60 paid; the customer keeps one unit (25), both shippings (20): 15 is owed back
    assert o["summary"]["current_order_total"] == 45 and o["summary"]["pending_difference"] == -15
    assert r.json()["return"]["refund_amount"] == 15
    r = await client.post(f"/admin/returns/{rid}/shipping-method", headers=h,
                          json={"shipping_option_id": "so_missing"})
    assert r.status_code in (400, 404)
