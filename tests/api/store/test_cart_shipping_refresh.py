"""A cart write re-checks the options of the cart's shipping methods (as Medusa's refresh does): a method whose
option no longer serves the cart (its store rule turned off, here) is dropped; a still valid one stays."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from euryale.container import Container
from euryale.modules.fulfillment.models import shipping_option_rule
from tests.support.commerce import make_shop


async def test_line_change_keeps_a_valid_method_and_drops_one_whose_option_stopped_serving(
        client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[20])
    h = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]
    path = f"/store/carts/{cart['id']}"
    cart = (await client.post(f"{path}/line-items", json={"variant_id": shop.variants[0].id, "quantity": 1},
                              headers=h)).json()["cart"]
    r = await client.post(f"{path}/shipping-methods", json={"option_id": shop.shipping_option_id}, headers=h)
    assert r.status_code == 200, r.text
    line = cart["items"][0]["id"]
    r = await client.post(f"{path}/line-items/{line}", json={"quantity": 2}, headers=h)
    assert r.status_code == 200, r.text
    assert [m["shipping_option_id"] for m in r.json()["cart"]["shipping_methods"]] == [shop.shipping_option_id]

    async with container.database().transaction() as conn:
        await conn.execute(update(shipping_option_rule).where(
            shipping_option_rule.c.shipping_option_id == shop.shipping_option_id,
            shipping_option_rule.c.attribute == "enabled_in_store").values(value="false"))
    r = await client.post(f"{path}/line-items/{line}", json={"quantity": 3}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()["cart"]
    assert body["shipping_methods"] == [] and body["shipping_total"] == 0 and body["items"][0]["quantity"] == 3


async def test_choosing_an_option_that_does_not_serve_the_cart_is_refused(client: httpx.AsyncClient,
                                                                          container: Container) -> None:
    shop = await make_shop(container, prices=[20])
    other = await make_shop(container, prices=[20], country_code="de")
    h = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]
    path = f"/store/carts/{cart['id']}"
    # another shop's option: not at a location of this cart's channel, nor in a zone of its address
    r = await client.post(f"{path}/shipping-methods", json={"option_id": other.shipping_option_id}, headers=h)
    assert r.status_code == 400 and r.json()["message"] == "Shipping Options are invalid for cart."
    async with container.database().transaction() as conn:
        await conn.execute(update(shipping_option_rule).where(
            shipping_option_rule.c.shipping_option_id == shop.shipping_option_id,
            shipping_option_rule.c.attribute == "enabled_in_store").values(value="false"))
    r = await client.post(f"{path}/shipping-methods", json={"option_id": shop.shipping_option_id}, headers=h)
    assert r.status_code == 400 and r.json()["message"] == "Shipping Options are invalid for cart."
    async with container.database().transaction() as conn:
        await conn.execute(update(shipping_option_rule).where(
            shipping_option_rule.c.shipping_option_id == shop.shipping_option_id,
            shipping_option_rule.c.attribute == "enabled_in_store").values(value="true"))
    r = await client.post(f"{path}/shipping-methods", json={"option_id": shop.shipping_option_id}, headers=h)
    assert r.status_code == 200, r.text
    method = r.json()["cart"]["shipping_methods"][0]
    assert method["shipping_option_id"] == shop.shipping_option_id and method["amount"] == shop.shipping_price
