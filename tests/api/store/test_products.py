"""GET /store/products[/:id]: key checks, channel scoping, prices, fields, filters, order, depth limit, budget."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import event, func

from euryale.config import EuryaleConfig
from euryale.container import Container
from tests.support.catalog import admin_headers, channel_with_key, create_product, make_region, product_body, unique


@pytest.fixture
async def shop(client: httpx.AsyncClient, container: Container, config: EuryaleConfig) -> dict[str, Any]:
    """A fresh channel + key, a eur region, two published products and one draft in the channel."""
    sc_ids, token, key_id = await channel_with_key(container)
    headers = admin_headers(config)
    region_id = await make_region(container, "eur")
    tag = (await client.post("/admin/product-tags", json={"value": unique("tag")}, headers=headers)).json()
    published = [await create_product(client, headers, product_body(sc_ids, eur=10 + i)) for i in range(2)]
    draft = await create_product(client, headers, product_body(sc_ids, status="draft"))
    return {"sc_ids": sc_ids, "pk": {"x-publishable-api-key": token}, "key_id": key_id, "admin": headers,
            "region_id": region_id, "published": published, "draft": draft, "tag": tag}


async def test_missing_and_invalid_key_are_400_not_allowed(client: httpx.AsyncClient) -> None:
    res = await client.get("/store/products")
    assert res.status_code == 400
    assert res.json() == {"type": "not_allowed", "message": (
        "Publishable API key required in the request header: x-publishable-api-key. "
        "You can manage your keys in settings in the dashboard.")}
    res = await client.get("/store/products", headers={"x-publishable-api-key": "pk_nope"})
    assert res.status_code == 400
    assert res.json()["message"] == "A valid publishable key is required to proceed with the request"


async def test_lists_only_published_products_of_the_key_channels(client: httpx.AsyncClient,
                                                                 shop: dict[str, Any]) -> None:
    other_sc, _, _ = await channel_with_key(client._transport.app.state.container)  # type: ignore[attr-defined]
    foreign = await create_product(client, shop["admin"], product_body(other_sc))
    res = await client.get("/store/products", headers=shop["pk"])
    assert res.status_code == 200
    body = res.json()
    ids = {p["id"] for p in body["products"]}
    assert ids == {p["id"] for p in shop["published"]}
    assert body["count"] == 2 and body["offset"] == 0 and body["limit"] == 50
    assert shop["draft"]["id"] not in ids and foreign["id"] not in ids
    res = await client.get(f"/store/products/{foreign['id']}", headers=shop["pk"])
    assert res.status_code == 404 and res.json()["type"] == "not_found"


async def test_default_shape_matches_medusa(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    pid = shop["published"][0]["id"]
    res = await client.get(f"/store/products/{pid}", headers=shop["pk"])
    product = res.json()["product"]
    for key in ("id", "title", "subtitle", "description", "handle", "is_giftcard", "discountable", "thumbnail",
                "collection_id", "type_id", "weight", "created_at", "updated_at", "variants", "type", "collection",
                "options", "tags", "images"):
        assert key in product
    assert "status" not in product and "metadata" not in product
    variant = product["variants"][0]
    assert {"id", "title", "sku", "manage_inventory", "variant_rank", "product_id", "options"} <= set(variant)
    assert "calculated_price" not in variant
    opt = variant["options"][0]
    assert opt["value"] in ("S", "M") and opt["option"]["title"] == "Size"
    assert product["options"][0]["values"][0]["option_id"] == product["options"][0]["id"]
    assert product["created_at"].endswith("Z")


async def test_region_id_adds_calculated_price(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    res = await client.get("/store/products", params={"region_id": shop["region_id"], "order": "created_at"},
                           headers=shop["pk"])
    assert res.status_code == 200, res.text
    first = res.json()["products"][0]
    prices = sorted(v["calculated_price"]["calculated_amount"] for v in first["variants"])
    assert prices == [10, 11]
    cp = first["variants"][0]["calculated_price"]
    assert cp["currency_code"] == "eur" and cp["is_calculated_price_price_list"] is False
    assert cp["raw_calculated_amount"]["precision"] == 20
    res = await client.get("/store/products", params={"region_id": "reg_missing"}, headers=shop["pk"])
    assert res.status_code == 404


async def test_fields_selection(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    pid = shop["published"][0]["id"]
    res = await client.get(f"/store/products/{pid}", headers=shop["pk"],
                           params={"fields": "+metadata,-title,*variants.calculated_price",
                                   "region_id": shop["region_id"]})
    assert res.status_code == 200, res.text
    product = res.json()["product"]
    assert "metadata" in product and "title" not in product
    assert product["variants"][0]["calculated_price"]["calculated_amount"] in (10, 11)
    res = await client.get(f"/store/products/{pid}", headers=shop["pk"], params={"fields": "id,handle"})
    assert res.json()["product"] == {"id": pid, "handle": shop["published"][0]["handle"], "categories": []}  # as 2.21.2
    res = await client.get(f"/store/products/{pid}", headers=shop["pk"], params={"fields": "title,+orders.id,+nope"})
    assert res.status_code == 200 and set(res.json()["product"]) == {"id", "title", "categories"}


async def test_inventory_quantity_without_stock_is_zero(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    pid = shop["published"][0]["id"]
    res = await client.get(f"/store/products/{pid}", headers=shop["pk"],
                           params={"fields": "id,variants.inventory_quantity"})
    assert res.status_code == 200, res.text
    assert [v["inventory_quantity"] for v in res.json()["product"]["variants"]] == [0, 0]


async def test_depth_limit_and_bad_params_are_400(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    res = await client.get("/store/products", headers=shop["pk"],
                           params={"fields": "*variants.options.option.values.option"})
    assert res.status_code == 400
    assert "expand more than the maximum of 4 allowed relations" in res.json()["message"]
    for params in ({"order": "nope"}, {"order": "-drop table"}, {"limit": "x"}, {"created_at[$gte]": "yesterday"},
                   {"created_at[$bad]": "1"}, {"fields": ",,,"}, {"is_giftcard": "maybe"}):
        res = await client.get("/store/products", headers=shop["pk"], params=params)
        assert res.status_code in (200, 400), (params, res.text)
        if res.status_code == 400:
            assert res.json()["type"] == "invalid_data"


async def test_filters_and_order(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    first, second = shop["published"]
    res = await client.get("/store/products", headers=shop["pk"], params={"handle": first["handle"]})
    assert [p["id"] for p in res.json()["products"]] == [first["id"]]
    res = await client.get("/store/products", headers=shop["pk"], params={"q": second["title"][-10:]})
    assert [p["id"] for p in res.json()["products"]] == [second["id"]]
    res = await client.get("/store/products", headers=shop["pk"], params={"q": first["variants"][0]["sku"].lower()})
    assert [p["id"] for p in res.json()["products"]] == [first["id"]]
    res = await client.get("/store/products", headers=shop["pk"], params={"order": "-created_at", "limit": 1})
    body = res.json()
    assert body["count"] == 2 and len(body["products"]) == 1 and body["products"][0]["id"] == second["id"]
    res = await client.get("/store/products", headers=shop["pk"], params={"created_at[$gte]": "2000-01-01T00:00:00Z",
                                                                          "id[]": [first["id"]]})
    assert [p["id"] for p in res.json()["products"]] == [first["id"]]
    res = await client.get("/store/products", headers=shop["pk"], params={"sales_channel_id[]": ["sc_other"]})
    assert res.status_code == 400


async def test_locale_is_accepted(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    res = await client.get("/store/products", headers={**shop["pk"], "x-medusa-locale": "fr-FR"},
                           params={"locale": ""})
    assert res.status_code == 200 and res.json()["count"] == 2


async def test_revoked_key_is_refused_at_once(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    assert (await client.get("/store/products", headers=shop["pk"])).status_code == 200
    res = await client.post(f"/admin/api-keys/{shop['key_id']}/revoke", json={}, headers=shop["admin"])
    assert res.status_code == 200, res.text
    assert res.json()["api_key"]["revoked_at"] is not None
    res = await client.get("/store/products", headers=shop["pk"])
    assert res.status_code == 400 and res.json()["type"] == "not_allowed"


async def test_query_count_is_constant_in_page_size(client: httpx.AsyncClient, shop: dict[str, Any],
                                                    container: Container) -> None:
    for _ in range(4):
        await create_product(client, shop["admin"], product_body(shop["sc_ids"]))
    engine = container.database().engine.sync_engine
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    params = {"region_id": shop["region_id"], "fields": "*variants.calculated_price,+variants.inventory_quantity"}
    await client.get("/store/products", headers=shop["pk"], params=params)  # warm the key cache
    event.listen(engine, "before_cursor_execute", count)
    try:
        await client.get("/store/products", headers=shop["pk"], params={**params, "limit": 1})
        small = len(statements)
        statements.clear()
        res = await client.get("/store/products", headers=shop["pk"], params={**params, "limit": 6})
        large = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(res.json()["products"]) == 6
    assert small == large, (small, large)
    assert large <= 16


async def test_country_code_adds_tax_amounts(client: httpx.AsyncClient, shop: dict[str, Any],
                                             container: Container) -> None:
    from euryale.modules.tax.service import create_tax_region

    region_id = await make_region(container, "eur", countries=["tv"])
    async with container.database().transaction() as conn:
        await create_tax_region(conn, data={"country_code": "tv",
                                            "default_tax_rate": {"rate": 25, "code": "VAT", "name": "VAT"}})
    pid = shop["published"][0]["id"]
    res = await client.get(f"/store/products/{pid}", headers=shop["pk"],
                           params={"country_code": "tv", "fields": "id,*variants.calculated_price"})
    assert res.status_code == 200, res.text
    cp = next(v["calculated_price"] for v in res.json()["product"]["variants"]
              if v["calculated_price"]["calculated_amount"] == 10)
    assert cp["calculated_amount_with_tax"] == 12.5 and cp["calculated_amount_without_tax"] == 10
    assert cp["original_amount_with_tax"] == 12.5
    res = await client.get(f"/store/products/{pid}", headers=shop["pk"], params={"region_id": region_id})
    assert "calculated_amount_with_tax" not in res.json()["product"]["variants"][0]["calculated_price"]


async def test_retrieve_matches_medusa_sample_shape(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    import json
    from pathlib import Path

    from tests.api.admin.test_products import _keys_missing, _shape

    sample = json.loads(Path("/work/shared/medusa-contract/samples/store/003-GET_store_products_id.json").read_text())
    collection = (await client.post("/admin/collections", json={"title": unique("Winter")},
                                    headers=shop["admin"])).json()["collection"]
    product = await create_product(client, shop["admin"], product_body(
        shop["sc_ids"], collection_id=collection["id"], images=[{"url": "https://x.test/a.png"}]))
    res = await client.get(f"/store/products/{product['id']}", params={"region_id": shop["region_id"]},
                           headers=shop["pk"])
    assert res.status_code == sample["status"]
    expected = _shape(sample["response"])
    expected["product"].pop("type", None)  # null in our product, an object in the sample
    assert _keys_missing(expected, _shape(res.json())) == []
    extra = set(res.json()["product"]) - set(sample["response"]["product"])
    assert extra == set()


async def test_list_matches_medusa_sample_shape(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    import json
    from pathlib import Path

    from tests.api.admin.test_products import _keys_missing, _shape

    sample = json.loads(Path("/work/shared/medusa-contract/samples/store/002-GET_store_products.json").read_text())
    collection = (await client.post("/admin/collections", json={"title": unique("Winter")},
                                    headers=shop["admin"])).json()["collection"]
    await create_product(client, shop["admin"], product_body(
        shop["sc_ids"], collection_id=collection["id"], images=[{"url": "https://x.test/a.png"}]))
    res = await client.get("/store/products", params={"limit": 20, "offset": 0, "region_id": shop["region_id"],
                                                      "collection_id": collection["id"]}, headers=shop["pk"])
    assert res.status_code == sample["status"]
    expected = _shape(sample["response"])
    expected["products"][0].pop("type", None)  # null in our product, an object in the sample
    assert _keys_missing(expected, _shape(res.json())) == []
    got = res.json()["products"][0]
    assert set(got) == set(sample["response"]["products"][0])
    assert set(got["variants"][0]) == set(sample["response"]["products"][0]["variants"][0])


async def test_cart_id_gives_the_price_context(client: httpx.AsyncClient, shop: dict[str, Any],
                                               container: Container) -> None:
    from sqlalchemy import insert

    from euryale.ids import generate_id
    from euryale.modules.cart.models import cart

    usd_region = await make_region(container, "usd")
    cart_id = generate_id("cart")
    async with container.database().transaction() as conn:
        await conn.execute(insert(cart).values(id=cart_id, region_id=usd_region, currency_code="usd"))
    pid = shop["published"][0]["id"]
    res = await client.get(f"/store/products/{pid}", params={"cart_id": cart_id}, headers=shop["pk"])
    assert res.status_code == 200, res.text
    prices = sorted(v["calculated_price"]["calculated_amount"] for v in res.json()["product"]["variants"])
    assert prices == [12, 13] and res.json()["product"]["variants"][0]["calculated_price"]["currency_code"] == "usd"


async def test_deleted_products_stay_hidden_even_with_with_deleted(client: httpx.AsyncClient,
                                                                   shop: dict[str, Any]) -> None:
    gone = shop["published"][0]["id"]
    assert (await client.delete(f"/admin/products/{gone}", headers=shop["admin"])).status_code == 200
    res = await client.get("/store/products", params={"with_deleted": "true"}, headers=shop["pk"])
    assert gone not in {p["id"] for p in res.json()["products"]}
    res = await client.get("/admin/products", params={"with_deleted": "true", "id": gone, "fields": "id,deleted_at"},
                           headers=shop["admin"])
    assert res.json()["products"][0]["deleted_at"] is not None


async def test_variant_option_values_match_the_product_options(client: httpx.AsyncClient, shop: dict[str, Any],
                                                                container: Container) -> None:
    """Variant option values are rebuilt from the product's options when both are read; a value whose option is
    soft-deleted (so absent from the product's options) still answers whole, with its option."""
    from sqlalchemy import text

    body = product_body(shop["sc_ids"], options=[{"title": "Size", "values": ["S", "M"]},
                                                 {"title": "Color", "values": ["Red"]}])
    for v in body["variants"]:
        v["options"]["Color"] = "Red"
    pid = (await create_product(client, shop["admin"], body))["id"]

    async def read() -> dict[str, Any]:
        res = await client.get(f"/store/products/{pid}", headers=shop["pk"])
        product = dict(res.json()["product"])
        # the plain listing reads its page the same way (the detail answers `categories` too)
        listed = (await client.get("/store/products", headers=shop["pk"])).json()["products"]
        assert [p for p in listed if p["id"] == pid] == [{k: x for k, x in product.items() if k != "categories"}]
        return product

    product = await read()
    whole = {val["id"]: {**{k: val[k] for k in ("id", "value", "rank", "metadata", "option_id")},
                         "option": {k: x for k, x in opt.items() if k != "values"},
                         **{k: val[k] for k in ("created_at", "updated_at", "deleted_at")}}
             for opt in product["options"] for val in opt["values"]}
    for variant in product["variants"]:
        assert [list(o) for o in variant["options"]] == [list(whole[o["id"]]) for o in variant["options"]]
        assert variant["options"] == [whole[o["id"]] for o in variant["options"]]
        assert {o["option"]["title"] for o in variant["options"]} == {"Size", "Color"}
    async with container.database().engine.begin() as conn:
        await conn.execute(text("UPDATE product_option SET deleted_at = now() "
                                "WHERE product_id = :p AND title = 'Color'"), {"p": pid})
    product = await read()
    assert [o["title"] for o in product["options"]] == ["Size"]
    for variant in product["variants"]:
        color = [o for o in variant["options"] if o["option"]["title"] == "Color"]
        assert len(color) == 1 and color[0]["value"] == "Red" and color[0]["option"]["deleted_at"] is not None
        assert set(color[0]) == {"id", "value", "rank", "metadata", "option_id", "option", "created_at",
                                 "updated_at", "deleted_at"}


async def test_variant_option_values_of_a_deleted_option_still_come_whole(client: httpx.AsyncClient,
                                                                          container: Container,
                                                                          config: EuryaleConfig) -> None:
    """A variant's values of its product's live options are rebuilt from the product's options (read once per
    product); a value whose option is gone comes whole, with that option, in the list and the detail alike."""
    from sqlalchemy import update

    from euryale.modules.product.models import product_option

    sc_ids, token, _ = await channel_with_key(container)
    region_id = await make_region(container, "eur")
    sku = unique("SKU").upper()
    body = product_body(sc_ids, options=[{"title": "Size", "values": ["S", "M"]}, {"title": "Color", "values": ["Red"]}],
                        variants=[{"title": t, "sku": f"{sku}-{t}", "options": {"Size": t, "Color": "Red"},
                                   "prices": [{"currency_code": "eur", "amount": 10}]} for t in ("S", "M")])
    created = await create_product(client, admin_headers(config), body)
    color = next(o for o in created["options"] if o["title"] == "Color")
    async with container.database().transaction() as conn:
        await conn.execute(update(product_option).where(product_option.c.id == color["id"])
                           .values(deleted_at=func.now()))
    pk = {"x-publishable-api-key": token}
    listed = (await client.get("/store/products", params={"region_id": region_id}, headers=pk)).json()["products"]
    detail = (await client.get(f"/store/products/{created['id']}", params={"region_id": region_id},
                               headers=pk)).json()["product"]
    assert [p["id"] for p in listed] == [created["id"]] and listed[0]["variants"] == detail["variants"]
    [size] = detail["options"]
    assert size["title"] == "Size"
    for variant in detail["variants"]:
        by_title = {v["option"]["title"]: v for v in variant["options"]}
        assert set(by_title) == {"Size", "Color"}, variant["options"]
        assert by_title["Size"]["option"] == {k: v for k, v in size.items() if k != "values"}
        assert by_title["Size"]["value"] == variant["title"]
        assert by_title["Color"]["value"] == "Red" and by_title["Color"]["option"]["deleted_at"] is not None
        assert by_title["Color"]["option_id"] == color["id"]
