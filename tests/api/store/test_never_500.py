"""No value of `fields`, `order`, pagination or a filter makes a catalog read answer 500."""

from __future__ import annotations

import json
from typing import Any

import httpx

from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.http import json_body
from tests.support.catalog import admin_headers, channel_with_key, create_product, product_body

STORE_ROUTES = ["/store/products", "/store/regions", "/store/currencies", "/store/collections",
                "/store/product-categories", "/store/product-tags", "/store/product-types", "/store/product-options",
                "/store/product-variants"]
ADMIN_ROUTES = ["/admin/products", "/admin/regions", "/admin/currencies", "/admin/collections",
                "/admin/product-categories", "/admin/product-tags", "/admin/product-types", "/admin/product-options",
                "/admin/product-variants", "/admin/sales-channels", "/admin/api-keys", "/admin/stores",
                "/admin/price-lists", "/admin/price-preferences"]
WEIRD: list[dict[str, Any]] = [
    {"fields": "*"}, {"fields": "**"}, {"fields": "+"}, {"fields": "-"}, {"fields": "..."}, {"fields": "a.b.c.d.e.f"},
    {"fields": "*variants.calculated_price"}, {"fields": "variants.inventory_quantity"}, {"fields": "-id"},
    {"fields": "*nope,+metadata.x"}, {"fields": "title,,id,"}, {"fields": "%00"},
    {"order": "-"}, {"order": "+title"}, {"order": "title,-created_at"}, {"order": "metadata"}, {"order": "1;drop"},
    {"limit": "-1"}, {"limit": "1e9"}, {"limit": "99999999999999999999"}, {"offset": "abc"}, {"offset": "-5"},
    {"id": "x'y"}, {"id[$in]": "a,b"}, {"created_at[$gte]": "not-a-date"}, {"created_at[$lt]": "2020-13-45"},
    {"updated_at[$foo]": "1"}, {"q": "%_\\'"}, {"q[]": ["a", "b"]}, {"handle[$ilike]": "%x%"},
    {"is_giftcard": "yes"}, {"region_id": "reg_nope"}, {"country_code": "zz"}, {"cart_id": "cart_nope"},
    {"region_id[]": ["a", "b"]}, {"with_deleted": "true"}, {"sales_channel_id": "sc_nope"},
    {"variants[sku]": "x"}, {"variants": "x"}, {"tag_id[$in][]": "x"}, {"category_id[0][1]": "x"},
]


SHORT = [{"fields": "**"}, {"order": "metadata"}, {"limit": "99999999999999999999"}, {"created_at[$lt]": "2020-13-45"},
         {"q[]": ["a", "b"]}, {"id[$in]": "a,b"}, {"fields": "a.b.c.d.e.f"}, {"updated_at[$foo]": "1"}]


async def test_catalog_reads_never_500(client: httpx.AsyncClient, container: Container,
                                       config: EuryaleConfig) -> None:
    sc_ids, token, _ = await channel_with_key(container)
    h = admin_headers(config)
    await create_product(client, h, product_body(sc_ids))
    pk = {"x-publishable-api-key": token}
    plan = [(r, p, pk) for r in ("/store/products",) for p in WEIRD]
    plan += [(r, p, h) for r in ("/admin/products",) for p in WEIRD]
    plan += [(r, p, pk) for r in STORE_ROUTES[1:] for p in SHORT]
    plan += [(r, p, h) for r in ADMIN_ROUTES[1:] for p in SHORT]
    for route, params, headers in plan:
        res = await client.get(route, params=params, headers=headers)
        assert res.status_code < 500, (route, params, res.text)
        if res.status_code >= 400 and route.startswith("/store"):
            assert res.json()["type"] in ("invalid_data", "not_found", "not_allowed"), (route, params, res.text)


# JSON Python's parser accepts that PostgreSQL or the response encoder might not: a lone surrogate (not UTF-8), a NUL
# character (not storable in text or jsonb), an integer beyond 64 bits (orjson refuses to encode it)
ODD_VALUES: list[Any] = ["\ud800", "a\u0000b", 123456789012345678901234567890, -(2**64), 1e308, {"\ud800": 1}]


async def test_cart_writes_with_odd_json_never_500(client: httpx.AsyncClient, container: Container) -> None:
    from tests.support.commerce import make_shop

    shop = await make_shop(container)
    pk = {"x-publishable-api-key": shop.publishable_key, "content-type": "application/json"}
    r = await client.post("/store/carts", headers=pk, json={"region_id": shop.region_id})
    assert r.status_code == 200, r.text
    cart_id = r.json()["cart"]["id"]
    variant = shop.variants[0].id
    r = await client.post(f"/store/carts/{cart_id}/line-items", headers=pk,
                          json={"variant_id": variant, "quantity": 1})
    assert r.status_code == 200, r.text
    line_id = r.json()["cart"]["items"][0]["id"]
    before = (await client.get(f"/store/carts/{cart_id}", headers=pk)).json()["cart"]
    bodies: list[tuple[str, dict[str, Any]]] = []
    for odd in ODD_VALUES:
        bodies += [
            ("/store/carts", {"region_id": shop.region_id, "metadata": {"x": odd}}),
            ("/store/carts", {"region_id": odd}),
            (f"/store/carts/{cart_id}", {"email": odd}),
            (f"/store/carts/{cart_id}", {"metadata": {"k": odd}}),
            (f"/store/carts/{cart_id}", {"shipping_address": {"first_name": odd, "country_code": "fr"}}),
            (f"/store/carts/{cart_id}/line-items", {"variant_id": odd, "quantity": 1}),
            (f"/store/carts/{cart_id}/line-items", {"variant_id": variant, "quantity": odd}),
            (f"/store/carts/{cart_id}/line-items", {"variant_id": variant, "quantity": 1, "metadata": {"m": odd}}),
            (f"/store/carts/{cart_id}/line-items/{line_id}", {"quantity": odd}),
            (f"/store/carts/{cart_id}/line-items/{line_id}", {"quantity": 2, "metadata": {"m": odd}}),
        ]
    refused = 0
    for path, body in bodies:
        # json.dumps as a client would send it (orjson, used by httpx's json=, refuses lone surrogates)
        r = await client.post(path, headers=pk, content=json.dumps(body).encode())
        assert r.status_code < 500, (path, body, r.text)
        after = (await client.get(f"/store/carts/{cart_id}", headers=pk)).json()["cart"]
        if r.status_code >= 400:
            assert r.json()["type"] in ("invalid_data", "not_found", "not_allowed"), (path, body, r.text)
            assert after == before, ("a refused write changed the cart", path, body)
            refused += r.json()["message"] == json_body.REFUSED
        before = after
    assert refused == 5 * 10, "a lone surrogate, a NUL, two big integers and a surrogate key: refused at the edge"
    r = await client.post(f"/store/carts/{cart_id}", headers=pk, content=b'{"metadata": {"n": NaN}}')
    assert (r.status_code, r.json()["message"]) == (400, json_body.REFUSED)
