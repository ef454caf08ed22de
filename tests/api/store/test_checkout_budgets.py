"""Statement budgets of the checkout's last steps (issue 7): complete-cart, then the customer's own reads.

Like Saleor's count_queries: the count must not grow with the size of the cart or the number of orders (an N+1
regression fails here), and must stay within the budget measured when the set-based path was written.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from euryale.container import Container
from tests.support.commerce import Shop, address, make_shop
from tests.support.sql_capture import captured_statements

# complete-cart: ~20 business statements (4 validate, 4 reserve, 4 to lock and load the cart, ~17 order writes) plus
# the workflow engine's execution row and checkpoints (5) and the items' variants for the answer (the order itself is
# answered from the rows it wrote, not read back: 8 statements fewer); 35 measured
COMPLETE_BUDGET = 35
CUSTOMER_ME_BUDGET = 3
ORDERS_LIST_BUDGET = 13


async def _ready_cart(client: httpx.AsyncClient, shop: Shop, variant_count: int,
                      auth: dict[str, str] | None = None) -> str:
    """A cart with one line per variant (the first `variant_count`), addresses, shipping and a payment session."""
    h = {**shop.headers, **(auth or {})}
    r = await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)
    assert r.status_code == 200, r.text
    cart_id = r.json()["cart"]["id"]
    for v in shop.variants[:variant_count]:
        r = await client.post(f"/store/carts/{cart_id}/line-items", json={"variant_id": v.id, "quantity": 2}, headers=h)
        assert r.status_code == 200, r.text
    r = await client.post(f"/store/carts/{cart_id}", headers=h, json={
        "email": f"budget-{uuid.uuid4().hex[:8]}@example.com", "shipping_address": address(shop.country_code),
        "billing_address": address(shop.country_code)})
    assert r.status_code == 200, r.text
    r = await client.post(f"/store/carts/{cart_id}/shipping-methods", json={"option_id": shop.shipping_option_id},
                          headers=h)
    assert r.status_code == 200, r.text
    r = await client.post("/store/payment-collections", json={"cart_id": cart_id}, headers=h)
    assert r.status_code == 200, r.text
    r = await client.post(f"/store/payment-collections/{r.json()['payment_collection']['id']}/payment-sessions",
                          json={"provider_id": "pp_system_default"}, headers=h)
    assert r.status_code == 200, r.text
    return str(cart_id)


async def test_complete_cart_statements_do_not_grow_with_items(client: httpx.AsyncClient,
                                                               container: Container) -> None:
    shop = await make_shop(container, prices=[10, 11, 12], stock=50)
    counts = []
    for n in (1, 3):
        cart_id = await _ready_cart(client, shop, n)
        with captured_statements(container) as seen:
            r = await client.post(f"/store/carts/{cart_id}/complete", headers=shop.headers)
        assert r.status_code == 200, r.text
        order = r.json()["order"]
        assert r.json()["type"] == "order" and len(order["items"]) == n
        assert order["created_at"].endswith("Z") and order["total"] == 2 * sum(range(10, 10 + n)) + 10
        counts.append(len(seen))
    assert counts[0] == counts[1] and counts[1] <= COMPLETE_BUDGET, counts


async def _customer(client: httpx.AsyncClient, shop: Shop) -> dict[str, str]:
    """Register, create and log in a customer; its bearer header."""
    email = f"budget-{uuid.uuid4().hex[:10]}@example.com"
    r = await client.post("/auth/customer/emailpass/register", json={"email": email, "password": "pw-budget-1"})
    assert r.status_code == 200, r.text
    r = await client.post("/store/customers", json={"email": email, "first_name": "Ada"},
                          headers={**shop.headers, "authorization": f"Bearer {r.json()['token']}"})
    assert r.status_code == 200, r.text
    r = await client.post("/auth/customer/emailpass", json={"email": email, "password": "pw-budget-1"})
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


async def _reads(client: httpx.AsyncClient, container: Container, headers: dict[str, Any]
                 ) -> tuple[int, int, list[dict[str, Any]]]:
    with captured_statements(container) as me:
        r = await client.get("/store/customers/me", headers=headers)
    assert r.status_code == 200, r.text
    with captured_statements(container) as listed:
        r = await client.get("/store/orders", headers=headers)
    assert r.status_code == 200, r.text
    return len(me), len(listed), list(r.json()["orders"])


async def test_customer_reads_statements_do_not_grow_with_orders(client: httpx.AsyncClient,
                                                                 container: Container) -> None:
    shop = await make_shop(container, prices=[20, 21], stock=50)
    auth = await _customer(client, shop)
    headers = {**shop.headers, **auth}
    seen: list[tuple[int, int]] = []
    for orders_placed in (1, 3):
        while True:
            me_count, list_count, orders = await _reads(client, container, headers)
            if len(orders) >= orders_placed:
                break
            cart_id = await _ready_cart(client, shop, 2, auth)
            r = await client.post(f"/store/carts/{cart_id}/complete", headers=headers)
            assert r.status_code == 200 and r.json()["type"] == "order", r.text
        assert len(orders) == orders_placed and all(o["total"] == 2 * (20 + 21) + 10 for o in orders)
        assert orders[0]["created_at"].endswith("Z")
        seen.append((me_count, list_count))
    assert seen[0] == seen[1], seen
    assert seen[1][0] <= CUSTOMER_ME_BUDGET and seen[1][1] <= ORDERS_LIST_BUDGET, seen


async def test_cart_addresses_in_one_country_check_it_once(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[10])
    r = await client.post("/store/carts", json={"region_id": shop.region_id}, headers=shop.headers)
    cart_id = r.json()["cart"]["id"]
    with captured_statements(container) as seen:
        r = await client.post(f"/store/carts/{cart_id}", headers=shop.headers, json={
            "shipping_address": address(shop.country_code), "billing_address": address(shop.country_code)})
    assert r.status_code == 200, r.text
    assert r.json()["cart"]["billing_address"]["country_code"] == shop.country_code
    # the region's countries come with the cart row the write reads: no statement of their own
    assert len([s for s, _ in seen if s.lstrip().startswith("SELECT region_country.iso_2")]) == 0
    # a billing address outside the region is still refused
    r = await client.post(f"/store/carts/{cart_id}", headers=shop.headers, json={
        "shipping_address": address(shop.country_code), "billing_address": address("zz")})
    assert r.status_code == 400 and r.json()["message"] == "Country with code zz is not within region", r.text
