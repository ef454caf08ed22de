"""Store checkout end to end: cart → items → addresses → shipping → payment → complete → order."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from euryale.container import Container
from tests.support.commerce import Shop, address, make_shop


@pytest.fixture
async def shop(container: Container) -> Shop:
    return await make_shop(container, prices=[32, 32])


async def checkout_cart(client: httpx.AsyncClient, shop: Shop, *, qty: int = 1) -> dict[str, Any]:
    """A cart ready to complete (items, email, addresses, shipping method, payment session)."""
    h = shop.headers
    r = await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)
    assert r.status_code == 200, r.text
    cart = r.json()["cart"]
    r = await client.post(f"/store/carts/{cart['id']}/line-items",
                          json={"variant_id": shop.variants[0].id, "quantity": qty}, headers=h)
    assert r.status_code == 200, r.text
    r = await client.post(f"/store/carts/{cart['id']}", headers=h, json={
        "email": f"buyer-{shop.tag}@example.com", "shipping_address": address(shop.country_code),
        "billing_address": address(shop.country_code)})
    assert r.status_code == 200, r.text
    r = await client.post(f"/store/carts/{cart['id']}/shipping-methods", headers=h,
                          json={"option_id": shop.shipping_option_id})
    assert r.status_code == 200, r.text
    r = await client.post("/store/payment-collections", json={"cart_id": cart["id"]}, headers=h)
    assert r.status_code == 200, r.text
    pc = r.json()["payment_collection"]
    r = await client.post(f"/store/payment-collections/{pc['id']}/payment-sessions",
                          json={"provider_id": "pp_system_default"}, headers=h)
    assert r.status_code == 200, r.text
    return dict(r.json()["payment_collection"], cart_id=cart["id"])


async def test_create_cart_matches_medusa_shape(client: httpx.AsyncClient, shop: Shop) -> None:
    r = await client.post("/store/carts", json={"region_id": shop.region_id}, headers=shop.headers)
    assert r.status_code == 200
    cart = r.json()["cart"]
    assert cart["currency_code"] == "eur" and cart["sales_channel_id"] == shop.sales_channel_id
    assert cart["locale"] is None and cart["items"] == [] and cart["promotions"] == []
    for key in ("discount_subtotal", "item_discount_total", "credit_line_total", "credit_line_subtotal",
                "credit_line_tax_total", "shipping_discount_total", "original_item_subtotal"):
        assert cart[key] == 0
    assert cart["region"]["id"] == shop.region_id
    assert [c["iso_2"] for c in cart["region"]["countries"]] == ["fr"]


async def test_line_items_update_and_totals(client: httpx.AsyncClient, shop: Shop) -> None:
    h = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id, "locale": "fr-FR"},
                              headers=h)).json()["cart"]
    assert cart["locale"] == "fr-FR"
    r = await client.post(f"/store/carts/{cart['id']}/line-items",
                          json={"variant_id": shop.variants[0].id, "quantity": 1}, headers=h)
    r = await client.post(f"/store/carts/{cart['id']}/line-items",
                          json={"variant_id": shop.variants[1].id, "quantity": 1}, headers=h)
    body = r.json()["cart"]
    assert len(body["items"]) == 2 and body["total"] == 64 and body["item_subtotal"] == 64
    item = body["items"][0]
    assert item["unit_price"] == 32 and item["product"]["id"] == shop.variants[0].product_id
    assert item["is_tax_inclusive"] is False and item["compare_at_unit_price"] is None
    # same variant again → quantity merged on the existing line
    r = await client.post(f"/store/carts/{cart['id']}/line-items",
                          json={"variant_id": shop.variants[0].id, "quantity": 2}, headers=h)
    lines = {i["variant_id"]: i for i in r.json()["cart"]["items"]}
    assert lines[shop.variants[0].id]["quantity"] == 3
    line_id = lines[shop.variants[0].id]["id"]
    r = await client.post(f"/store/carts/{cart['id']}/line-items/{line_id}", json={"quantity": 1}, headers=h)
    assert r.json()["cart"]["total"] == 64
    r = await client.delete(f"/store/carts/{cart['id']}/line-items/{line_id}", headers=h)
    assert r.status_code == 200
    body = r.json()
    assert body["deleted"] is True and body["object"] == "line-item" and body["parent"]["total"] == 32


async def test_validation_and_not_found(client: httpx.AsyncClient, shop: Shop) -> None:
    h = shop.headers
    r = await client.post("/store/carts", json={"region_id": shop.region_id, "bogus": 1}, headers=h)
    assert r.status_code == 400 and r.json() == {"type": "invalid_data",
                                                 "message": "Invalid request: Unrecognized fields: 'bogus'"}
    r = await client.get("/store/carts/cart_missing", headers=h)
    assert r.status_code == 404 and r.json()["message"] == "Cart with id 'cart_missing' not found"
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]
    r = await client.post(f"/store/carts/{cart['id']}/line-items", json={"variant_id": "variant_nope",
                                                                        "quantity": 1}, headers=h)
    assert r.status_code == 400 and "variant_nope" in r.json()["message"]
    r = await client.post(f"/store/carts/{cart['id']}/line-items",
                          json={"variant_id": shop.variants[0].id, "quantity": 0}, headers=h)
    assert r.status_code == 400 and r.json()["type"] == "invalid_data"
    r = await client.post(f"/store/carts/{cart['id']}/line-items/cali_nope", json={"quantity": 1}, headers=h)
    assert r.status_code == 404
    r = await client.post("/store/carts", json={"region_id": "reg_nope"}, headers=h)
    assert r.status_code == 404


async def test_publishable_key_required(client: httpx.AsyncClient, shop: Shop) -> None:
    r = await client.post("/store/carts", json={"region_id": shop.region_id})
    assert r.status_code == 400 and r.json()["type"] == "not_allowed"
    r = await client.post("/store/carts", json={"region_id": shop.region_id},
                          headers={"x-publishable-api-key": "pk_wrong"})
    assert r.status_code == 400
    assert r.json()["message"] == "A valid publishable key is required to proceed with the request"


async def test_variant_outside_key_channel_refused(client: httpx.AsyncClient, container: Container,
                                                   shop: Shop) -> None:
    other = await make_shop(container, prices=[5])
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id},
                              headers=shop.headers)).json()["cart"]
    r = await client.post(f"/store/carts/{cart['id']}/line-items",
                          json={"variant_id": other.variants[0].id, "quantity": 1}, headers=shop.headers)
    assert r.status_code == 400 and "not associated with variants" in r.json()["message"]


async def test_full_checkout_creates_order(client: httpx.AsyncClient, container: Container, shop: Shop) -> None:
    pc = await checkout_cart(client, shop, qty=3)
    assert pc["amount"] == 106 and pc["payment_sessions"][0]["status"] == "pending"
    assert pc["payment_sessions"][0]["raw_amount"] == {"value": "106", "precision": 20}
    r = await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=shop.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "order"
    order = body["order"]
    assert order["total"] == 106 and order["item_total"] == 96 and order["shipping_total"] == 10
    assert order["summary"]["pending_difference"] == 106 and order["summary"]["paid_total"] == 0
    assert order["items"][0]["quantity"] == 3 and order["items"][0]["detail"]["fulfilled_quantity"] == 0
    assert order["items"][0]["subtotal"] == 96 and order["items"][0]["refundable_total_per_unit"] == 32
    assert order["shipping_methods"][0]["amount"] == 10
    assert order["payment_collections"][0]["status"] == "authorized"
    assert order["payment_collections"][0]["authorized_amount"] == 106
    assert order["email"] == f"buyer-{shop.tag}@example.com" and isinstance(order["display_id"], int)
    # completing again answers the same order; the cart is completed and frozen
    again = (await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=shop.headers)).json()
    assert again["order"]["id"] == order["id"]
    r = await client.post(f"/store/carts/{pc['cart_id']}/line-items",
                          json={"variant_id": shop.variants[0].id, "quantity": 1}, headers=shop.headers)
    assert r.status_code == 400 and "already completed" in r.json()["message"]
    async with container.database().read() as conn:
        reserved = (await conn.execute(text(
            "SELECT reserved_quantity FROM inventory_level WHERE inventory_item_id = :i"),
            {"i": shop.variants[0].inventory_item_id})).scalar_one()
        outbox = (await conn.execute(text(
            "SELECT count(*) FROM event_outbox WHERE name = 'order.placed' AND data->>'id' = :o"),
            {"o": order["id"]})).scalar_one()
    assert reserved == 3 and outbox == 1
    r = await client.get(f"/store/orders/{order['id']}", headers=shop.headers)
    assert r.status_code == 200 and r.json()["order"]["id"] == order["id"]
    assert "_customer_id" not in r.json()["order"]


async def test_complete_requires_shipping_and_payment(client: httpx.AsyncClient, shop: Shop) -> None:
    h = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id,
                                                    "email": f"x-{shop.tag}@example.com"},
                              headers=h)).json()["cart"]
    r = await client.post(f"/store/carts/{cart['id']}/complete", headers=h)
    assert r.status_code == 400
    await client.post(f"/store/carts/{cart['id']}/line-items",
                      json={"variant_id": shop.variants[0].id, "quantity": 1}, headers=h)
    r = await client.post(f"/store/carts/{cart['id']}/complete", headers=h)
    assert r.status_code == 400
    assert r.json()["message"] == ("No shipping method selected but the cart contains items that require "
                                   "shipping.")


async def test_payment_providers_of_region(client: httpx.AsyncClient, shop: Shop) -> None:
    r = await client.get(f"/store/payment-providers?region_id={shop.region_id}", headers=shop.headers)
    assert r.status_code == 200
    assert r.json() == {"payment_providers": [{"id": "pp_system_default", "is_enabled": True}], "count": 1,
                        "offset": 0, "limit": 20}  # Medusa 2.21.2 default
    r = await client.get("/store/payment-providers", headers=shop.headers)
    assert r.status_code == 400


async def test_fields_narrow_and_extend(client: httpx.AsyncClient, shop: Shop) -> None:
    pc = await checkout_cart(client, shop, qty=2)
    r = await client.get(f"/store/carts/{pc['cart_id']}?fields=id,total", headers=shop.headers)
    assert r.status_code == 200 and r.json()["cart"] == {"id": pc["cart_id"], "total": 74}
    r = await client.get(f"/store/carts/{pc['cart_id']}?fields=*payment_collection,+items.total",
                         headers=shop.headers)
    cart = r.json()["cart"]
    assert cart["payment_collection"]["id"] == pc["id"] and cart["items"][0]["total"] == 64
    assert cart["payment_collection"]["payment_sessions"][0]["provider_id"] == "pp_system_default"


async def test_fields_relation_depth_limit(client: httpx.AsyncClient, shop: Shop) -> None:
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id},
                              headers=shop.headers)).json()["cart"]
    r = await client.get(f"/store/carts/{cart['id']}?fields=*items.product.variants.options.values",
                         headers=shop.headers)
    assert r.status_code == 400 and "maximum of 3 allowed relations" in r.json()["message"]


async def test_create_with_items_locale_header_and_promo(client: httpx.AsyncClient, shop: Shop) -> None:
    h = {**shop.headers, "x-medusa-locale": "de-DE"}
    r = await client.post("/store/carts", headers=h, json={
        "region_id": shop.region_id, "email": f"c-{shop.tag}@example.com", "metadata": {"ref": "x"},
        "items": [{"variant_id": shop.variants[0].id, "quantity": 2}], "shipping_address": address("fr")})
    assert r.status_code == 200, r.text
    cart = r.json()["cart"]
    assert cart["locale"] == "de-DE" and cart["metadata"] == {"ref": "x"} and cart["total"] == 64
    assert cart["shipping_address"]["country_code"] == "fr" and cart["customer"]["email"] == cart["email"]
    r = await client.post(f"/store/carts/{cart['id']}", json={"locale": ""}, headers=shop.headers)
    assert r.json()["cart"]["locale"] is None
    r = await client.post(f"/store/carts/{cart['id']}", json={"sales_channel_id": "sc_other"}, headers=shop.headers)
    assert r.status_code == 400


async def test_cart_read_uses_constant_statements(client: httpx.AsyncClient, container: Container,
                                                  shop: Shop) -> None:
    """Reading a cart costs the same number of SQL statements whatever its size (no N+1)."""
    from sqlalchemy import event

    counts: list[int] = []
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = container.database().read_engine.sync_engine
    for qty_lines in (1, 2):
        cart = (await client.post("/store/carts", json={"region_id": shop.region_id, "email": "q@example.com",
                                                        "shipping_address": address("fr")},
                                  headers=shop.headers)).json()["cart"]
        for v in shop.variants[:qty_lines]:
            await client.post(f"/store/carts/{cart['id']}/line-items", json={"variant_id": v.id, "quantity": 1},
                              headers=shop.headers)
        await client.post(f"/store/carts/{cart['id']}/shipping-methods", json={"option_id": shop.shipping_option_id},
                          headers=shop.headers)
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            r = await client.get(f"/store/carts/{cart['id']}", headers=shop.headers)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert r.status_code == 200
        counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
    assert counts[0] == counts[1] and counts[0] <= 20


async def test_complete_answer_is_the_order_as_read_back(client: httpx.AsyncClient, container: Container) -> None:
    """complete-cart answers the order it just wrote without reading it back: byte for byte what GET
    /store/orders/:id answers for it (two lines with metadata, decimal prices, tax lines, an item and a shipping
    promotion's adjustments, addresses with metadata, the shipping method, the payment collection)."""
    from tests.api.store.test_carts_more import make_promotion

    shop = await make_shop(container, country_code="de", prices=["19.99", 7], tax_rate_percent="23.5")
    h = shop.headers
    r = await client.post("/store/carts", json={"region_id": shop.region_id, "metadata": {"b": 1, "a": [2.5]}},
                          headers=h)
    cart_id = r.json()["cart"]["id"]
    for n, v in enumerate(shop.variants):
        r = await client.post(f"/store/carts/{cart_id}/line-items", headers=h, json={
            "variant_id": v.id, "quantity": n + 2, "metadata": {"zz": n, "gift": "yes", "note": "ümlaut"}})
        assert r.status_code == 200, r.text
    r = await client.post(f"/store/carts/{cart_id}", headers=h, json={
        "email": f"same-{shop.tag}@example.com",
        "shipping_address": {**address("de"), "metadata": {"floor": 3, "door": "b"}},
        "billing_address": {**address("de"), "company": "ACME"}})
    assert r.status_code == 200, r.text
    r = await client.post(f"/store/carts/{cart_id}/shipping-methods", json={"option_id": shop.shipping_option_id},
                          headers=h)
    assert r.status_code == 200, r.text
    for code in (await make_promotion(container, value=10),
                 await make_promotion(container, value=3, type="fixed", target_type="shipping_methods",
                                      currency_code="eur")):
        r = await client.post(f"/store/carts/{cart_id}/promotions", json={"promo_codes": [code]}, headers=h)
        assert r.status_code == 200, r.text
    r = await client.post("/store/payment-collections", json={"cart_id": cart_id}, headers=h)
    r = await client.post(f"/store/payment-collections/{r.json()['payment_collection']['id']}/payment-sessions",
                          json={"provider_id": "pp_system_default"}, headers=h)
    assert r.status_code == 200, r.text
    completed = await client.post(f"/store/carts/{cart_id}/complete", headers=h)
    assert completed.status_code == 200, completed.text
    order = completed.json()["order"]
    assert len(order["items"]) == 2 and all(i["tax_lines"] and i["adjustments"] for i in order["items"])
    assert order["shipping_methods"][0]["adjustments"] and order["shipping_methods"][0]["tax_lines"]
    assert order["payment_collections"][0]["status"] == "authorized"
    read = await client.get(f"/store/orders/{order['id']}", headers=h)
    assert read.status_code == 200, read.text
    prefix = '{"type":"order","order":'
    assert completed.text.startswith(prefix) and read.text.startswith('{"order":')
    assert completed.text[len(prefix):] == read.text[len('{"order":'):]


async def test_payment_collection_answers_are_the_rows_as_read_back(client: httpx.AsyncClient, shop: Shop) -> None:
    """A new collection, and a new session, are answered from the rows written: byte for byte what the route
    answers once they exist (it reads them back then), decimal amounts and replaced sessions included."""
    h = shop.headers
    r = await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)
    cart_id = r.json()["cart"]["id"]
    await client.post(f"/store/carts/{cart_id}/line-items", json={"variant_id": shop.variants[0].id, "quantity": 3},
                      headers=h)
    created = await client.post("/store/payment-collections", json={"cart_id": cart_id}, headers=h)
    assert created.status_code == 200, created.text
    again = await client.post("/store/payment-collections", json={"cart_id": cart_id}, headers=h)
    assert created.json()["payment_collection"]["payment_sessions"] == [] and created.text == again.text
    pc_id = created.json()["payment_collection"]["id"]
    for data in ({"b": 1, "a": {"z": [0.5, None]}}, None):  # the second replaces the first
        session = await client.post(f"/store/payment-collections/{pc_id}/payment-sessions", headers=h,
                                    json={"provider_id": "pp_system_default", "data": data})
        assert session.status_code == 200, session.text
        read = await client.post("/store/payment-collections", json={"cart_id": cart_id}, headers=h)
        assert len(session.json()["payment_collection"]["payment_sessions"]) == 1 and session.text == read.text
