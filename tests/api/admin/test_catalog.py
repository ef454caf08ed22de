"""Admin collections, categories, tags, types, options — and the store reads of them."""

from __future__ import annotations

import httpx

from euryale.config import EuryaleConfig
from euryale.container import Container
from tests.support.catalog import admin_headers, channel_with_key, create_product, product_body, unique


async def test_taxonomy_crud_and_validation(client: httpx.AsyncClient, config: EuryaleConfig) -> None:
    h = admin_headers(config)
    for path, body, key in (("/admin/collections", {"title": unique("Summer")}, "collection"),
                            ("/admin/product-tags", {"value": unique("tag")}, "product_tag"),
                            ("/admin/product-types", {"value": unique("type")}, "product_type"),
                            ("/admin/product-categories", {"name": unique("Cat"), "is_active": True},
                             "product_category"),
                            ("/admin/product-options", {"title": unique("Color"), "values": ["Red", "Blue"]},
                             "product_option")):
        res = await client.post(path, json=body, headers=h)
        assert res.status_code == 200, (path, res.text)
        row = res.json()[key]
        assert row["id"]
        res = await client.get(f"{path}/{row['id']}", headers=h)
        assert res.status_code == 200 and res.json()[key]["id"] == row["id"]
        res = await client.post(f"{path}/{row['id']}", json={"metadata": {"a": 1}}, headers=h)
        assert res.status_code == 200, res.text
        res = await client.post(path, json={**body, "nope": 1}, headers=h)
        assert res.status_code == 400 and "Unrecognized fields: 'nope'" in res.json()["message"]
        res = await client.delete(f"{path}/{row['id']}", headers=h)
        assert res.status_code == 200 and res.json()["deleted"] is True
        res = await client.get(f"{path}/{row['id']}", headers=h)
        assert res.status_code == 404 and res.json()["type"] == "not_found"


async def test_duplicate_handle_is_422(client: httpx.AsyncClient, config: EuryaleConfig) -> None:
    h = admin_headers(config)
    handle = unique("handle")
    assert (await client.post("/admin/collections", json={"title": "A", "handle": handle}, headers=h)).status_code == 200
    res = await client.post("/admin/collections", json={"title": "B", "handle": handle}, headers=h)
    assert res.status_code == 422 and res.json()["type"] == "duplicate_error"


async def test_admin_requires_user(client: httpx.AsyncClient, container: Container) -> None:
    _, token, _ = await channel_with_key(container)
    for headers in ({}, {"x-publishable-api-key": token}, {"Authorization": "Bearer nope"}):
        res = await client.get("/admin/product-tags", headers=headers)
        assert res.status_code == 401


async def test_store_categories_hide_inactive_and_filter_products(client: httpx.AsyncClient, config: EuryaleConfig,
                                                                  container: Container) -> None:
    h = admin_headers(config)
    sc_ids, token, _ = await channel_with_key(container)
    pk = {"x-publishable-api-key": token}
    active = (await client.post("/admin/product-categories", json={"name": unique("On"), "is_active": True},
                                headers=h)).json()["product_category"]
    hidden = (await client.post("/admin/product-categories", json={"name": unique("Off"), "is_active": False},
                                headers=h)).json()["product_category"]
    child = (await client.post("/admin/product-categories", json={"name": unique("Kid"), "is_active": True,
                                                                  "parent_category_id": active["id"]},
                               headers=h)).json()["product_category"]
    grandchild = (await client.post("/admin/product-categories", json={"name": unique("Grand"), "is_active": True,
                                                                       "parent_category_id": child["id"]},
                                    headers=h)).json()["product_category"]
    res = await client.get(f"/store/product-categories/{active['id']}", headers=pk,
                           params={"include_descendants_tree": "true"})
    tree = res.json()["product_category"]
    assert tree["category_children"][0]["category_children"][0]["id"] == grandchild["id"]
    res = await client.get(f"/store/product-categories/{grandchild['id']}", headers=pk,
                           params={"include_ancestors_tree": "true"})
    assert res.json()["product_category"]["parent_category"]["parent_category"]["id"] == active["id"]
    in_active = await create_product(client, h, product_body(sc_ids, categories=[{"id": active["id"]}]))
    in_hidden = await create_product(client, h, product_body(sc_ids, categories=[{"id": hidden["id"]}]))
    res = await client.get(f"/store/product-categories/{hidden['id']}", headers=pk)
    assert res.status_code == 404
    res = await client.get(f"/store/product-categories/{active['id']}", headers=pk)
    assert res.status_code == 200
    assert [c["id"] for c in res.json()["product_category"]["category_children"]] == [child["id"]]
    res = await client.get("/store/products", params={"category_id[]": [active["id"]]}, headers=pk)
    assert [p["id"] for p in res.json()["products"]] == [in_active["id"]]
    res = await client.get("/store/products", params={"category_id": hidden["id"]}, headers=pk)
    assert res.json()["count"] == 0 and in_hidden["id"]


async def test_store_collections_tags_types_options_variants(client: httpx.AsyncClient, config: EuryaleConfig,
                                                             container: Container) -> None:
    h = admin_headers(config)
    sc_ids, token, _ = await channel_with_key(container)
    pk = {"x-publishable-api-key": token}
    col = (await client.post("/admin/collections", json={"title": unique("Col")}, headers=h)).json()["collection"]
    tag = (await client.post("/admin/product-tags", json={"value": unique("tag")}, headers=h)).json()["product_tag"]
    typ = (await client.post("/admin/product-types", json={"value": unique("type")}, headers=h)).json()["product_type"]
    prod = await create_product(client, h, product_body(sc_ids, collection_id=col["id"], type_id=typ["id"],
                                                        tags=[{"id": tag["id"]}]))
    assert prod["collection"]["id"] == col["id"] and prod["type"]["id"] == typ["id"]
    assert [t["id"] for t in prod["tags"]] == [tag["id"]]
    res = await client.get(f"/store/collections/{col['id']}", headers=pk)
    assert res.status_code == 200 and res.json()["collection"]["handle"] == col["handle"]
    res = await client.get("/store/collections", headers=pk)
    assert res.json()["limit"] == 10
    for path, key in (("/store/product-tags", "product_tag"), ("/store/product-types", "product_type")):
        row_id = tag["id"] if key == "product_tag" else typ["id"]
        res = await client.get(f"{path}/{row_id}", headers=pk)
        assert res.status_code == 200 and res.json()[key]["id"] == row_id
    res = await client.get("/store/products", params={"tag_id": tag["id"], "collection_id[]": [col["id"]],
                                                      "type_id": typ["id"]}, headers=pk)
    assert [p["id"] for p in res.json()["products"]] == [prod["id"]]
    res = await client.get("/store/product-variants", params={"sku": prod["variants"][0]["sku"]}, headers=pk)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["count"] == 1 and body["variants"][0]["product"]["id"] == prod["id"]
    res = await client.get(f"/store/product-options/{prod['options'][0]['id']}", headers=pk)
    assert res.status_code == 200 and {v["value"] for v in res.json()["product_option"]["values"]} == {"S", "M"}
