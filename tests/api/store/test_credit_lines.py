"""Credit lines: an order's (POST /admin/orders/:id/credit-lines, refunds beyond what is owed) are served on the
store's order reads with the totals that account for them; a cart's (the cart module's credit lines) lower its
total, let a fully credited cart complete without payment and become the order's."""

from __future__ import annotations

import httpx
import pytest

from euryale.container import Container
from euryale.errors import MedusaError
from euryale.flows.cart.credit_lines import create_cart_credit_lines, delete_cart_credit_lines
from tests.api.admin.order_factory import admin_headers
from tests.api.store.test_checkout import checkout_cart
from tests.support.commerce import Shop, address, make_shop


async def test_store_order_reads_serve_credit_lines_and_their_totals(client: httpx.AsyncClient,
                                                                     container: Container) -> None:
    shop = await make_shop(container, prices=[32])
    pc = await checkout_cart(client, shop)
    order = (await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=shop.headers)).json()["order"]
    assert order["credit_lines"] == [] and order["total"] == 42
    r = await client.post(f"/admin/orders/{order['id']}/credit-lines", headers=admin_headers(container),
                          json={"amount": 7, "reference": "goodwill", "reference_id": "ticket-9"})
    assert r.status_code == 200, r.text
    r = await client.get(f"/store/orders/{order['id']}", headers=shop.headers,
                         params={"fields": "*credit_lines,+credit_line_total,+total"})
    assert r.status_code == 200, r.text
    got = r.json()["order"]
    assert [(c["amount"], c["reference"], c["reference_id"]) for c in got["credit_lines"]] == [
        (7, "goodwill", "ticket-9")]
    assert got["credit_line_total"] == 7 and got["total"] == 35


async def _cart_with_shipping(client: httpx.AsyncClient, shop: Shop) -> str:
    h = shop.headers
    cart_id = str((await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)
                   ).json()["cart"]["id"])
    await client.post(f"/store/carts/{cart_id}/line-items", json={"variant_id": shop.variants[0].id, "quantity": 1},
                      headers=h)
    await client.post(f"/store/carts/{cart_id}", headers=h, json={
        "email": f"credit-{shop.tag}@example.com", "shipping_address": address(shop.country_code)})
    r = await client.post(f"/store/carts/{cart_id}/shipping-methods", json={"option_id": shop.shipping_option_id},
                          headers=h)
    assert r.status_code == 200, r.text
    return cart_id


async def test_cart_credit_lines_lower_the_total_and_become_the_orders(client: httpx.AsyncClient,
                                                                       container: Container) -> None:
    shop = await make_shop(container, prices=[32])  # 32 + 10 shipping
    cart_id = await _cart_with_shipping(client, shop)
    [line] = await create_cart_credit_lines(container, credit_lines=[
        {"cart_id": cart_id, "amount": 12, "reference": "store-credit", "reference_id": "sc_1"}])
    cart = (await client.get(f"/store/carts/{cart_id}", headers=shop.headers)).json()["cart"]
    assert [(c["id"], c["amount"], c["reference"], c["reference_id"]) for c in cart["credit_lines"]] == [
        (line["id"], 12, "store-credit", "sc_1")]
    assert set(cart["credit_lines"][0]) == {"id", "cart_id", "reference", "reference_id", "amount", "raw_amount",
                                            "metadata", "created_at", "updated_at", "deleted_at"}
    assert (cart["credit_line_total"], cart["total"]) == (12, 30)
    # a later write keeps them in the totals
    r = await client.post(f"/store/carts/{cart_id}/line-items/{cart['items'][0]['id']}", json={"quantity": 2},
                          headers=shop.headers)
    assert (r.json()["cart"]["credit_line_total"], r.json()["cart"]["total"]) == (12, 62)
    assert await delete_cart_credit_lines(container, ids=[line["id"]]) == [line["id"]]
    cart = (await client.get(f"/store/carts/{cart_id}", headers=shop.headers)).json()["cart"]
    assert cart["credit_lines"] == [] and cart["total"] == 74

    # fully credited: completes without a payment session, the order carries the credit
    await create_cart_credit_lines(container, credit_lines=[
        {"cart_id": cart_id, "amount": 74, "reference": "gift", "reference_id": "g_1", "metadata": {"k": "v"}}])
    r = await client.post(f"/store/carts/{cart_id}/complete", headers=shop.headers)
    assert r.status_code == 200, r.text
    order = r.json()["order"]
    assert order["total"] == 0 and order["credit_line_total"] == 74
    assert [(c["amount"], c["reference"], c["reference_id"], c["metadata"]) for c in order["credit_lines"]] == [
        (74, "gift", "g_1", {"k": "v"})]
    got = (await client.get(f"/admin/orders/{order['id']}", headers=admin_headers(container),
                            params={"fields": "+total,+credit_line_total,*credit_lines,+summary"})).json()["order"]
    assert got["total"] == 0 and got["credit_lines"][0]["amount"] == 74


async def test_cart_credit_line_validation(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[32])
    cart_id = await _cart_with_shipping(client, shop)
    with pytest.raises(MedusaError) as bad:
        await create_cart_credit_lines(container, credit_lines=[{"cart_id": cart_id, "amount": 0}])
    assert bad.value.type == "invalid_data"
    with pytest.raises(MedusaError) as missing:
        await create_cart_credit_lines(container, credit_lines=[{"cart_id": "cart_nope", "amount": 5}])
    assert missing.value.type == "not_found"
