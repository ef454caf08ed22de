"""Store carts: promotions, taxes, customers (guest email, transfer, ownership) and the customer's orders."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import insert

from euryale.container import Container
from euryale.http.auth import AuthContext, issue_token
from euryale.ids import generate_id
from euryale.modules.customer.models import customer
from euryale.modules.promotion.models import promotion, promotion_application_method
from tests.api.store.test_checkout import checkout_cart
from tests.support.commerce import Shop, address, make_shop


async def make_promotion(container: Container, *, value: int, type: str = "percentage",
                         target_type: str = "items", allocation: str = "each",
                         currency_code: str | None = None) -> str:
    code = f"PROMO{uuid.uuid4().hex[:8].upper()}"
    async with container.database().transaction() as conn:
        pid = generate_id("promo")
        await conn.execute(insert(promotion).values(id=pid, code=code, type="standard", is_automatic=False,
                                                    status="active"))
        await conn.execute(insert(promotion_application_method).values(
            id=generate_id("proappmet"), promotion_id=pid, value=value, type=type, target_type=target_type,
            allocation=allocation, currency_code=currency_code))
    return code


async def customer_headers(container: Container, shop: Shop) -> tuple[str, dict[str, str]]:
    cid = generate_id("cus")
    async with container.database().transaction() as conn:
        await conn.execute(insert(customer).values(id=cid, email=f"{cid.lower()}@example.com", has_account=True))
    token = issue_token(container.config, AuthContext(actor_id=cid, actor_type="customer",
                                                      auth_identity_id=generate_id("authid")))
    return cid, {**shop.headers, "authorization": f"Bearer {token}"}


async def new_cart(client: httpx.AsyncClient, shop: Shop, headers: dict[str, str] | None = None,
                   qty: int = 2) -> str:
    h = headers or shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]
    await client.post(f"/store/carts/{cart['id']}/line-items",
                      json={"variant_id": shop.variants[0].id, "quantity": qty}, headers=h)
    return str(cart["id"])


async def test_item_percentage_promotion_add_and_remove(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[50])
    code = await make_promotion(container, value=10)
    cart_id = await new_cart(client, shop)
    r = await client.post(f"/store/carts/{cart_id}/promotions", json={"promo_codes": [code]}, headers=shop.headers)
    assert r.status_code == 200, r.text
    cart = r.json()["cart"]
    assert cart["discount_total"] == 10 and cart["item_discount_total"] == 10 and cart["total"] == 90
    assert cart["promotions"][0]["code"] == code
    assert cart["promotions"][0]["application_method"]["type"] == "percentage"
    assert cart["items"][0]["adjustments"][0]["amount"] == 10
    # Medusa 2.21.2's default keys of a cart's adjustments and promotion application method
    assert set(cart["items"][0]["adjustments"][0]) == {"id", "code", "amount", "promotion_id", "is_tax_inclusive"}
    assert set(cart["promotions"][0]["application_method"]) == {"id", "value", "type", "currency_code"}
    # `*items` / `*promotions` answer the whole models, as Medusa 2.21.2 does
    r = await client.get(f"/store/carts/{cart_id}", params={"fields": "*items,*promotions"}, headers=shop.headers)
    whole = r.json()["cart"]
    assert {"cart_id", "subtitle", "is_discountable", "is_custom_price", "deleted_at", "raw_unit_price",
            "raw_total"} <= set(whole["items"][0])
    assert whole["items"][0]["raw_total"] == {"value": str(whole["items"][0]["total"]), "precision": 20}
    assert {"status", "type", "campaign_id", "campaign", "limit", "used", "metadata", "created_at",
            "deleted_at"} <= set(whole["promotions"][0])
    r = await client.request("DELETE", f"/store/carts/{cart_id}/promotions", json={"promo_codes": [code]},
                             headers=shop.headers)
    cart = r.json()["cart"]
    assert cart["discount_total"] == 0 and cart["promotions"] == [] and cart["total"] == 100
    r = await client.post(f"/store/carts/{cart_id}/promotions", json={"promo_codes": ["NOPE-X"]},
                          headers=shop.headers)
    assert r.status_code == 400


async def test_shipping_and_order_promotions(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[30, 10], shipping_price=8)
    free_ship = await make_promotion(container, value=100, target_type="shipping_methods")
    five_off = await make_promotion(container, value=5, type="fixed", target_type="order", allocation="across",
                                    currency_code="eur")
    cart_id = await new_cart(client, shop, qty=1)
    await client.post(f"/store/carts/{cart_id}/line-items", json={"variant_id": shop.variants[1].id,
                                                                 "quantity": 1}, headers=shop.headers)
    await client.post(f"/store/carts/{cart_id}", json={"shipping_address": address("fr")}, headers=shop.headers)
    await client.post(f"/store/carts/{cart_id}/shipping-methods", json={"option_id": shop.shipping_option_id},
                      headers=shop.headers)
    r = await client.post(f"/store/carts/{cart_id}/promotions", json={"promo_codes": [free_ship, five_off]},
                          headers=shop.headers)
    cart = r.json()["cart"]
    assert cart["shipping_discount_total"] == 8 and cart["shipping_total"] == 0
    assert cart["item_discount_total"] == 5 and cart["item_total"] == 35 and cart["total"] == 35
    # the fixed order discount is spread across items pro rata (30:10)
    adj = {i["variant_id"]: sum(a["amount"] for a in i["adjustments"]) for i in cart["items"]}
    assert adj == {shop.variants[0].id: 3.75, shop.variants[1].id: 1.25}


async def test_taxes_from_shipping_address(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[100], country_code="de", tax_rate_percent=19)
    cart_id = await new_cart(client, shop, qty=1)
    r = await client.post(f"/store/carts/{cart_id}", json={"shipping_address": address("de")},
                          headers=shop.headers)
    cart = r.json()["cart"]
    assert cart["items"][0]["tax_lines"][0]["rate"] == 19 and cart["items"][0]["tax_lines"][0]["code"] == "VAT"
    assert cart["tax_total"] == 19 and cart["total"] == 119
    await client.post(f"/store/carts/{cart_id}/shipping-methods", json={"option_id": shop.shipping_option_id},
                      headers=shop.headers)
    r = await client.post(f"/store/carts/{cart_id}/taxes", headers=shop.headers)
    cart = r.json()["cart"]
    assert cart["shipping_tax_total"] == 1.9 and cart["total"] == 130.9
    r = await client.post(f"/store/carts/{cart_id}", json={"shipping_address": address("us")},
                          headers=shop.headers)
    assert r.status_code == 400 and "not within region" in r.json()["message"]


async def test_guest_email_creates_guest_customer(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container)
    cart_id = await new_cart(client, shop)
    email = f"guest-{shop.tag}@example.com"
    cart = (await client.post(f"/store/carts/{cart_id}", json={"email": email},
                              headers=shop.headers)).json()["cart"]
    assert cart["email"] == email and cart["customer"]["email"] == email and cart["customer"]["groups"] == []
    assert cart["customer_id"] == cart["customer"]["id"]


async def test_transfer_and_ownership(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container)
    cart_id = await new_cart(client, shop)
    r = await client.post(f"/store/carts/{cart_id}/customer", headers=shop.headers)
    assert r.status_code == 401
    cid, h = await customer_headers(container, shop)
    r = await client.post(f"/store/carts/{cart_id}/customer", headers=h)
    assert r.status_code == 200 and r.json()["cart"]["customer_id"] == cid
    _, other = await customer_headers(container, shop)
    r = await client.get(f"/store/carts/{cart_id}", headers=other)
    assert r.status_code == 404
    r = await client.get(f"/store/carts/{cart_id}", headers=h)
    assert r.status_code == 200


async def test_customer_sees_own_orders_only(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[12])
    cid, h = await customer_headers(container, shop)
    r = await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)
    cart = r.json()["cart"]
    assert cart["customer_id"] == cid and cart["email"] == f"{cid.lower()}@example.com"
    pc = await checkout_cart(client, shop)  # a guest's order in the same shop
    guest_order = (await client.post(f"/store/carts/{pc['cart_id']}/complete",
                                     headers=shop.headers)).json()["order"]
    await client.post(f"/store/carts/{cart['id']}/line-items", json={"variant_id": shop.variants[0].id,
                                                                    "quantity": 1}, headers=h)
    await client.post(f"/store/carts/{cart['id']}", json={"shipping_address": address("fr")}, headers=h)
    await client.post(f"/store/carts/{cart['id']}/shipping-methods", json={"option_id": shop.shipping_option_id},
                      headers=h)
    col = (await client.post("/store/payment-collections", json={"cart_id": cart["id"]},
                             headers=h)).json()["payment_collection"]
    await client.post(f"/store/payment-collections/{col['id']}/payment-sessions",
                      json={"provider_id": "pp_system_default"}, headers=h)
    mine = (await client.post(f"/store/carts/{cart['id']}/complete", headers=h)).json()["order"]
    r = await client.get("/store/orders", headers=h)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1 and body["offset"] == 0 and body["limit"] == 50
    assert body["orders"][0]["id"] == mine["id"] and body["orders"][0]["total"] == 22
    assert set(body["orders"][0]) == {"id", "status", "summary", "display_id", "custom_display_id", "total",
                                      "currency_code", "metadata", "created_at", "updated_at"}
    r = await client.get("/store/orders", headers=shop.headers)
    assert r.status_code == 401
    _, other = await customer_headers(container, shop)
    r = await client.get(f"/store/orders/{mine['id']}", headers=other)
    assert r.status_code == 404
    r = await client.get(f"/store/orders/{guest_order['id']}", headers=shop.headers)
    assert r.status_code == 200
    r = await client.get("/store/orders/order_nope", headers=shop.headers)
    assert r.status_code == 404


async def test_order_keeps_discount_and_counts_usage(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[40])
    code = await make_promotion(container, value=25)
    pc = await checkout_cart(client, shop, qty=2)
    r = await client.post(f"/store/carts/{pc['cart_id']}/promotions", json={"promo_codes": [code]},
                          headers=shop.headers)
    assert r.json()["cart"]["total"] == 70
    # the amount changed: the old session is dropped and the customer picks a provider again
    r = await client.post(f"/store/payment-collections/{pc['id']}/payment-sessions",
                          json={"provider_id": "pp_system_default"}, headers=shop.headers)
    assert r.json()["payment_collection"]["amount"] == 70
    assert len(r.json()["payment_collection"]["payment_sessions"]) == 1
    order = (await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=shop.headers)).json()["order"]
    assert order["discount_total"] == 20 and order["total"] == 70
    assert order["items"][0]["adjustments"][0]["code"] == code
    async with container.database().read() as conn:
        from sqlalchemy import text

        used = (await conn.execute(text("SELECT used FROM promotion WHERE code = :c"), {"c": code})).scalar_one()
    assert used == 1


async def test_region_change_reprices_and_address_change_drops_shipping(client: httpx.AsyncClient,
                                                                       container: Container) -> None:
    shop = await make_shop(container, prices=[10], country_code="de")
    usd = await make_shop(container, currency_code="usd", country_code="us", prices=[1])
    cart_id = await new_cart(client, shop, qty=1)
    await client.post(f"/store/carts/{cart_id}", json={"shipping_address": address("de")}, headers=shop.headers)
    r = await client.post(f"/store/carts/{cart_id}/shipping-methods", json={"option_id": shop.shipping_option_id},
                          headers=shop.headers)
    assert r.json()["cart"]["shipping_subtotal"] == 10  # (a tax rate for "de" may exist: subtotal is tax-free)
    # the region also sells to Japan, but the shop's only shipping zone is Germany: the method is dropped
    async with container.database().transaction() as conn:
        from sqlalchemy import text

        await conn.execute(text("UPDATE region_country SET region_id = :r WHERE iso_2 = 'jp'"), {"r": shop.region_id})
    r = await client.post(f"/store/carts/{cart_id}", json={"shipping_address": address("jp")}, headers=shop.headers)
    assert r.status_code == 200, r.text
    assert r.json()["cart"]["shipping_methods"] == [] and r.json()["cart"]["shipping_total"] == 0
    r = await client.post(f"/store/carts/{cart_id}", json={"region_id": usd.region_id}, headers=shop.headers)
    assert r.status_code == 400 and "do not have a price" in r.json()["message"]
    r = await client.get(f"/store/carts/{cart_id}", headers=shop.headers)
    assert r.json()["cart"]["currency_code"] == "eur"


async def test_adding_more_than_stock_is_refused(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[3], stock=2)
    cart_id = await new_cart(client, shop, qty=2)
    r = await client.post(f"/store/carts/{cart_id}/line-items", json={"variant_id": shop.variants[0].id,
                                                                     "quantity": 1}, headers=shop.headers)
    assert r.status_code == 400 and r.json()["type"] == "not_allowed"
    assert r.json()["message"] == "Some variant does not have the required inventory"
    line = (await client.get(f"/store/carts/{cart_id}", headers=shop.headers)).json()["cart"]["items"][0]
    assert line["quantity"] == 2
    r = await client.post(f"/store/carts/{cart_id}/line-items/{line['id']}", json={"quantity": 3},
                          headers=shop.headers)
    assert r.status_code == 400


async def test_complete_refuses_another_customers_cart(client: httpx.AsyncClient, container: Container) -> None:
    """complete-cart's access check: a cart of a registered customer is 404 to another logged-in customer (and
    to nobody else), as a missing cart is."""
    shop = await make_shop(container)
    pc = await checkout_cart(client, shop)
    cid, owner = await customer_headers(container, shop)
    r = await client.post(f"/store/carts/{pc['cart_id']}/customer", headers=owner)
    assert r.status_code == 200 and r.json()["cart"]["customer_id"] == cid
    _, other = await customer_headers(container, shop)
    r = await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=other)
    assert r.status_code == 404 and r.json()["message"] == f"Cart with id '{pc['cart_id']}' not found", r.text
    r = await client.post("/store/carts/cart_nope/complete", headers=other)
    assert r.status_code == 404
    r = await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=owner)
    assert r.status_code == 200 and r.json()["type"] == "order", r.text
