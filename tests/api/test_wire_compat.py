"""Shapes measured against the real Medusa 2.21.2 with scripts/compare_with_medusa.py (docs/wire-compat.md):
default page sizes, error wording. Kept here so they stay fixed without Medusa running."""

from __future__ import annotations

import httpx
import pytest

from euryale.config import EuryaleConfig
from euryale.container import Container
from tests.support.catalog import admin_headers, channel_with_key, create_product, make_region, product_body, unique
from tests.support.commerce import make_shop

# GET path -> Medusa 2.21.2's default `limit` (measured on the reference server)
ADMIN_DEFAULT_LIMITS = {
    "/admin/orders": 15, "/admin/api-keys": 20, "/admin/sales-channels": 20, "/admin/product-tags": 20,
    "/admin/product-types": 10, "/admin/collections": 10, "/admin/return-reasons": 20, "/admin/refund-reasons": 15,
    "/admin/currencies": 200, "/admin/payments": 20, "/admin/payments/payment-providers": 20, "/admin/returns": 15,
    "/admin/draft-orders": 50, "/admin/exchanges": 15, "/admin/claims": 15, "/admin/workflows-executions": 100,
    "/admin/price-preferences": 300, "/admin/products": 50, "/admin/regions": 50, "/admin/stock-locations": 20,
    "/admin/inventory-items": 20, "/admin/promotions": 50, "/admin/customers": 50,
}


@pytest.mark.parametrize(("path", "limit"), sorted(ADMIN_DEFAULT_LIMITS.items()))
async def test_admin_default_limits(client: httpx.AsyncClient, config: EuryaleConfig, path: str, limit: int) -> None:
    res = await client.get(path, headers=admin_headers(config))
    assert res.status_code == 200, res.text
    assert res.json()["limit"] == limit


async def test_store_default_limits(client: httpx.AsyncClient, container: Container) -> None:
    _, token, _ = await channel_with_key(container)
    region_id = await make_region(container)
    h = {"x-publishable-api-key": token}
    res = await client.get(f"/store/payment-providers?region_id={region_id}", headers=h)
    assert res.status_code == 200 and res.json()["limit"] == 20
    res = await client.get("/store/return-reasons", headers=h)
    assert res.status_code == 200 and res.json()["limit"] == 20
    res = await client.get("/store/products", headers=h)
    assert res.status_code == 200 and res.json()["limit"] == 50


async def test_store_error_wording(client: httpx.AsyncClient, container: Container) -> None:
    _, token, _ = await channel_with_key(container)
    region_id = await make_region(container)
    h = {"x-publishable-api-key": token}
    res = await client.get("/store/products?order=nope", headers=h)
    assert res.status_code == 400
    assert res.json() == {"type": "invalid_data", "message": "Order field nope is not valid"}
    res = await client.get("/store/products?limit=abc", headers=h)
    assert res.status_code == 400
    assert res.json()["message"] == "Invalid request: Expected type: 'number' for field 'limit', got: 'abc'"
    res = await client.post("/store/carts", json={"region_id": 5}, headers=h)
    assert res.status_code == 400
    assert res.json() == {"type": "invalid_data",
                          "message": "Invalid request: Expected type: 'string' for field 'region_id', got: '5'"}
    res = await client.get("/store/carts/cart_nope", headers=h)
    assert res.status_code == 404
    assert res.json() == {"type": "not_found", "message": "Cart with id 'cart_nope' not found"}
    cart = (await client.post("/store/carts", json={"region_id": region_id}, headers=h)).json()["cart"]
    res = await client.post(f"/store/carts/{cart['id']}/line-items", json={"variant_id": "variant_nope",
                                                                           "quantity": 1}, headers=h)
    assert res.status_code == 400
    assert res.json()["message"] == ("Variants variant_nope do not exist or belong to a product that is not "
                                     "published")
    res = await client.post(f"/store/carts/{cart['id']}/promotions", json={"promo_codes": ["NOPE"]}, headers=h)
    assert res.status_code == 400
    assert res.json() == {"type": "invalid_data", "message": "The promotion code NOPE is invalid"}


async def test_single_country_region_prefills_cart_shipping_address(client: httpx.AsyncClient,
                                                                    container: Container) -> None:
    # Medusa 2.21.2 answers POST /store/carts in a one-country region with shipping_address {country_code}
    _, token, _ = await channel_with_key(container)
    h = {"x-publishable-api-key": token}
    open_region = await make_region(container)
    cart = (await client.post("/store/carts", json={"region_id": open_region}, headers=h)).json()["cart"]
    assert cart["shipping_address"] is None
    assert "shipping_address_id" not in cart and "billing_address_id" not in cart  # null ids are left out
    shop = await make_shop(container, country_code="jp")
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=shop.headers)
            ).json()["cart"]
    assert cart["shipping_address_id"] == cart["shipping_address"]["id"]
    assert "billing_address_id" not in cart and cart["billing_address"] is None
    assert {k: v for k, v in cart["shipping_address"].items() if k != "id"} == {
        "first_name": None, "last_name": None, "company": None, "address_1": None, "address_2": None,
        "city": None, "postal_code": None, "country_code": "jp", "province": None, "phone": None}


async def test_admin_product_create_requires_options(client: httpx.AsyncClient, config: EuryaleConfig) -> None:
    h = admin_headers(config)
    res = await client.post("/admin/products", json={"title": "No options here"}, headers=h)
    assert res.status_code == 400
    assert res.json() == {"type": "invalid_data", "message": "Product options are not provided for: [No options here]."}
    res = await client.post("/admin/products", json={"title": "Empty options", "options": []}, headers=h)
    assert res.status_code == 400


async def test_store_product_retrieve_always_has_categories(client: httpx.AsyncClient, container: Container,
                                                            config: EuryaleConfig) -> None:
    sc_ids, token, _ = await channel_with_key(container)
    h = {"x-publishable-api-key": token}
    product = await create_product(client, admin_headers(config), product_body(sc_ids))
    for fields in ("id,title", "*variants", "+metadata", "-title"):
        res = await client.get(f"/store/products/{product['id']}", params={"fields": fields}, headers=h)
        assert res.status_code == 200, res.text
        assert res.json()["product"]["categories"] == [], fields
    res = await client.get(f"/store/products/{product['id']}", params={"fields": "id,title"}, headers=h)
    assert set(res.json()["product"]) == {"id", "title", "categories"}


async def test_admin_product_unknown_update_and_delete(client: httpx.AsyncClient, config: EuryaleConfig) -> None:
    h = admin_headers(config)
    res = await client.post("/admin/products/prod_nope", json={"title": "x"}, headers=h)
    assert res.status_code == 404
    assert res.json() == {"type": "not_found", "message": 'Product with id "prod_nope" not found'}
    res = await client.get("/admin/products/prod_nope", headers=h)
    assert res.status_code == 404
    assert res.json() == {"type": "not_found", "message": "Product not found"}
    res = await client.delete("/admin/products/prod_nope", headers=h)
    assert res.status_code == 200
    assert res.json() == {"id": "prod_nope", "object": "product", "deleted": True}


async def test_region_and_currency_default_fields(client: httpx.AsyncClient, container: Container,
                                                  config: EuryaleConfig) -> None:
    h = admin_headers(config)
    region_id = await make_region(container, currency="usd")
    res = await client.get(f"/admin/regions/{region_id}", headers=h)
    assert set(res.json()["region"]) == {"id", "name", "currency_code", "automatic_taxes", "created_at",
                                         "updated_at", "deleted_at", "metadata", "countries"}
    res = await client.get(f"/admin/regions/{region_id}", headers=h, params={"fields": "*payment_providers"})
    assert res.json()["region"]["payment_providers"] == []  # on request only (none linked here)
    currency_keys = {"code", "name", "symbol", "symbol_native", "decimal_digits", "rounding"}
    res = await client.get("/admin/currencies/usd", headers=h)
    assert set(res.json()["currency"]) == currency_keys
    _, token, _ = await channel_with_key(container)
    res = await client.get("/store/currencies", headers={"x-publishable-api-key": token}, params={"limit": 2})
    assert [set(c) for c in res.json()["currencies"]] == [currency_keys, currency_keys]


async def test_api_key_sales_channels_are_id_and_name(client: httpx.AsyncClient, container: Container,
                                                      config: EuryaleConfig) -> None:
    sc_ids, _, key_id = await channel_with_key(container)
    res = await client.get(f"/admin/api-keys/{key_id}", headers=admin_headers(config))
    assert res.status_code == 200
    [channel] = res.json()["api_key"]["sales_channels"]
    assert set(channel) == {"id", "name"} and channel["id"] == sc_ids[0]
    assert "deleted_at" not in res.json()["api_key"]


async def test_admin_order_list_default_keys(client: httpx.AsyncClient, container: Container) -> None:
    from tests.api.admin.order_factory import admin_headers as order_admin_headers
    from tests.api.admin.order_factory import place_order

    placed = await place_order(container)
    h = order_admin_headers(container)
    res = await client.get(f"/admin/orders?id={placed.order_id}", headers=h)
    assert res.status_code == 200, res.text
    [order] = res.json()["orders"]
    # the keys of Medusa 2.21.2's GET /admin/orders without `fields`
    assert set(order) == {"id", "display_id", "custom_display_id", "status", "version", "summary", "metadata",
                          "created_at", "updated_at", "locale", "payment_status", "fulfillment_status", "total",
                          "items"}
    res = await client.get(f"/admin/orders?id={placed.order_id}&fields=%2Bemail", headers=h)
    assert "email" in res.json()["orders"][0] and "status" in res.json()["orders"][0]


async def test_cart_unknown_region_wording(client: httpx.AsyncClient, container: Container) -> None:
    # Medusa 2.21.2 words it per workflow: create finds "no regions", update looks the id up
    _, token, _ = await channel_with_key(container)
    region_id = await make_region(container)
    h = {"x-publishable-api-key": token}
    res = await client.post("/store/carts", json={"region_id": "reg_nope"}, headers=h)
    assert res.status_code == 404
    assert res.json() == {"type": "not_found", "message": "No regions found"}
    cart = (await client.post("/store/carts", json={"region_id": region_id}, headers=h)).json()["cart"]
    res = await client.post(f"/store/carts/{cart['id']}", json={"region_id": "reg_nope"}, headers=h)
    assert res.status_code == 404
    assert res.json() == {"type": "not_found", "message": "Region id not found: reg_nope"}


async def test_admin_order_detail_default_keys(client: httpx.AsyncClient, container: Container) -> None:
    from tests.api.admin.order_factory import admin_headers as order_admin_headers
    from tests.api.admin.order_factory import place_order

    placed = await place_order(container)
    h = order_admin_headers(container)
    res = await client.get(f"/admin/orders/{placed.order_id}", headers=h)
    assert res.status_code == 200, res.text
    order = res.json()["order"]
    # the keys of Medusa 2.21.2's GET /admin/orders/:id without `fields`: no email, currency, customer, region,
    # sales channel or transactions, and no raw_ twins of the order totals
    assert set(order) == {
        "id", "display_id", "custom_display_id", "status", "version", "locale", "metadata", "region_id",
        "created_at", "updated_at", "payment_status", "fulfillment_status", "summary", "total", "subtotal",
        "tax_total", "discount_total", "discount_tax_total", "original_total", "original_subtotal",
        "original_tax_total", "item_total", "item_subtotal", "item_tax_total", "original_item_total",
        "original_item_subtotal", "original_item_tax_total", "shipping_total", "shipping_subtotal",
        "shipping_tax_total", "original_shipping_total", "original_shipping_subtotal", "original_shipping_tax_total",
        "credit_line_total", "credit_line_subtotal", "credit_line_tax_total", "items", "shipping_methods",
        "shipping_address", "billing_address", "fulfillments", "payment_collections", "credit_lines"}
    assert all("variant" in i for i in order["items"])  # the retrieve defaults carry each item's variant
    [collection] = order["payment_collections"]
    assert "payment_sessions" not in collection and "region_id" not in collection
    assert not {"cart_id", "customer_id", "order_id"} & set(collection["payments"][0])
    # asked for, the keys come back; explicit fields replace the defaults (no item variant then)
    res = await client.get(f"/admin/orders/{placed.order_id}", headers=h,
                           params={"fields": "+email,*payment_collections.payment_sessions"})
    order = res.json()["order"]
    assert "email" in order and "payment_sessions" in order["payment_collections"][0]
    res = await client.get(f"/admin/orders/{placed.order_id}", headers=h, params={"fields": "id,*items"})
    assert set(res.json()["order"]) == {"id", "version", "items"}
    assert all("variant" not in i for i in res.json()["order"]["items"])
    # the list's default items carry no variant either
    res = await client.get(f"/admin/orders?id={placed.order_id}", headers=h)
    assert all("variant" not in i for i in res.json()["orders"][0]["items"])


async def test_collection_and_category_default_keys(client: httpx.AsyncClient, container: Container,
                                                    config: EuryaleConfig) -> None:
    h = admin_headers(config)
    sc_ids, token, _ = await channel_with_key(container)
    store = {"x-publishable-api-key": token}
    product = await create_product(client, h, product_body(sc_ids))
    tag = unique("wc")
    col = (await client.post("/admin/collections", json={"title": tag, "handle": tag}, headers=h)).json()["collection"]
    # Medusa 2.21.2: no deleted_at in either; the store's collection has external_id but no metadata
    assert set(col) == {"id", "title", "handle", "external_id", "metadata", "created_at", "updated_at"}
    res = await client.get(f"/store/collections/{col['id']}", headers=store)
    assert set(res.json()["collection"]) == {"id", "title", "handle", "external_id", "created_at", "updated_at"}
    parent = (await client.post("/admin/product-categories", headers=h, json={
        "name": tag, "handle": tag, "is_active": True})).json()["product_category"]
    assert "external_id" in parent and parent["external_id"] is None
    child = (await client.post("/admin/product-categories", headers=h, json={
        "name": tag + "-c", "parent_category_id": parent["id"], "is_active": True})).json()["product_category"]
    await client.post(f"/admin/product-categories/{child['id']}/products", json={"add": [product["id"]]}, headers=h)
    res = await client.get("/store/products", headers=store, params={"id": product["id"], "fields": "id,*categories"})
    [category] = res.json()["products"][0]["categories"]
    assert category["parent_category"] == {"id": parent["id"]} and category["external_id"] is None
    res = await client.get("/store/product-categories", headers=store,
                           params={"handle": tag, "include_descendants_tree": "true"})
    [root] = res.json()["product_categories"]
    assert "parent_category" not in root and [c["id"] for c in root["category_children"]] == [child["id"]]


async def test_order_change_keys(client: httpx.AsyncClient, container: Container) -> None:
    from tests.api.admin.order_factory import admin_headers as order_admin_headers
    from tests.api.admin.order_factory import place_order

    placed = await place_order(container)
    h = order_admin_headers(container)
    res = await client.post(f"/admin/orders/{placed.order_id}/fulfillments", headers=h, json={
        "location_id": placed.location_id, "items": [{"id": placed.item_ids[0], "quantity": 1}]})
    assert res.status_code == 200, res.text
    changes = (await client.get(f"/admin/orders/{placed.order_id}/changes", headers=h)).json()["order_changes"]
    [action] = [a for c in changes for a in c["actions"] if a["action"] == "FULFILL_ITEM"]
    # Medusa 2.21.2: no_notification but no deleted_at on the change; raw_amount and numeric quantities on actions
    assert all("no_notification" in c and "deleted_at" not in c for c in changes)
    assert "raw_amount" in action and action["details"] == {"reference_id": placed.item_ids[0], "quantity": 1}


async def test_product_options_and_customer_group_default_keys(client: httpx.AsyncClient, container: Container,
                                                               config: EuryaleConfig) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    product = await create_product(client, h, product_body(sc_ids))
    res = await client.get(f"/admin/products/{product['id']}/options", headers=h)
    assert res.status_code == 200, res.text
    assert [set(o) for o in res.json()["product_options"]] == [{"id", "title"}]  # Medusa 2.21.2's defaults here
    group = (await client.post("/admin/customer-groups", json={"name": unique("vip")}, headers=h)).json()
    assert set(group["customer_group"]) == {"id", "name", "metadata", "created_by", "created_at", "updated_at",
                                            "deleted_at"}
