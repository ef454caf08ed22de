"""Store documents (euryale.query.product_documents): the same bytes as the ordinary read path, before and after
every kind of write to what a document shows, and never a document older than a committed write."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.query import product_documents
from tests.support.catalog import admin_headers, channel_with_key, create_product, make_region, product_body, unique


@pytest.fixture
async def shop(client: httpx.AsyncClient, container: Container, config: EuryaleConfig) -> dict[str, Any]:
    """Two published products of a fresh channel with every relation a default store read shows."""
    sc_ids, token, _ = await channel_with_key(container)
    headers = admin_headers(config)
    region_id = await make_region(container, "eur")
    collection = (await client.post("/admin/collections", json={"title": unique("Winter")},
                                    headers=headers)).json()["collection"]
    ptype = (await client.post("/admin/product-types", json={"value": unique("type")},
                               headers=headers)).json()["product_type"]
    tag = (await client.post("/admin/product-tags", json={"value": unique("tag")}, headers=headers)).json()
    category = (await client.post("/admin/product-categories", json={"name": unique("cat"), "is_active": True},
                                  headers=headers)).json()["product_category"]
    products = [await create_product(client, headers, product_body(
        sc_ids, collection_id=collection["id"], type_id=ptype["id"], tags=[{"id": tag["product_tag"]["id"]}],
        categories=[{"id": category["id"]}], images=[{"url": f"https://x.test/{i}.png"}])) for i in range(2)]
    return {"pk": {"x-publishable-api-key": token}, "region_id": region_id, "products": products}


async def _get(client: httpx.AsyncClient, shop: dict[str, Any], path: str, params: dict[str, Any],
               documents: bool) -> bytes:
    product_documents.ENABLED = documents
    try:
        res = await client.get(path, headers=shop["pk"], params=params)
    finally:
        product_documents.ENABLED = True
    assert res.status_code == 200, res.text
    return res.content


async def _assert_same_as_ordinary(client: httpx.AsyncClient, shop: dict[str, Any]) -> list[bytes]:
    """Each default read (list and detail, with and without prices): built, then served from the document, both
    byte for byte the ordinary path's answer. Returns the answers."""
    pid = shop["products"][0]["id"]
    answers = []
    for path in ("/store/products", f"/store/products/{pid}"):
        for params in ({"region_id": shop["region_id"]}, {}):
            expected = await _get(client, shop, path, params, documents=False)
            built = await _get(client, shop, path, params, documents=True)
            served = await _get(client, shop, path, params, documents=True)
            assert built == expected and served == expected, path
            answers.append(expected)
    return answers


async def _documents(container: Container, product_id: str) -> int:
    async with container.database().read() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM product_document WHERE product_id = :p"),
                                       {"p": product_id})).scalar_one())


WRITES = {
    "product": "UPDATE product SET title = title || ' II' WHERE id = :p",
    "variant": "UPDATE product_variant SET sku = sku || '-2' WHERE product_id = :p",
    "option": "UPDATE product_option SET title = title || ' II' WHERE product_id = :p",
    "option value": "UPDATE product_option_value SET value = value || '2' WHERE option_id IN "
                    "(SELECT id FROM product_option WHERE product_id = :p)",
    "variant option": "DELETE FROM product_variant_option WHERE variant_id IN "
                      "(SELECT id FROM product_variant WHERE product_id = :p)",
    "image": "UPDATE image SET url = url || '?2' WHERE product_id = :p",
    "tag link": "DELETE FROM product_tags WHERE product_id = :p",
    "tag": "UPDATE product_tag SET value = value || '2' WHERE id IN "
           "(SELECT product_tag_id FROM product_tags WHERE product_id = :p)",
    "type": "UPDATE product_type SET value = value || '2' WHERE id = (SELECT type_id FROM product WHERE id = :p)",
    "collection": "UPDATE product_collection SET title = title || ' II' "
                  "WHERE id = (SELECT collection_id FROM product WHERE id = :p)",
    "category link": "DELETE FROM product_category_product WHERE product_id = :p",
    "category": "UPDATE product_category SET is_internal = true WHERE id IN "
                "(SELECT product_category_id FROM product_category_product WHERE product_id = :p)",
    "new variant": "INSERT INTO product_variant (id, title, product_id, variant_rank) "
                   "VALUES ('variant_' || md5(:p), 'XL', :p, 9)",
    "price": "UPDATE price SET amount = amount + 5 WHERE price_set_id IN (SELECT l.price_set_id FROM "
             "product_variant_price_set l JOIN product_variant v ON v.id = l.variant_id WHERE v.product_id = :p)",
}


@pytest.mark.parametrize("write", list(WRITES))
async def test_a_write_to_what_a_document_shows_is_answered_at_once(client: httpx.AsyncClient, container: Container,
                                                                    shop: dict[str, Any], write: str) -> None:
    before = await _assert_same_as_ordinary(client, shop)
    pid = shop["products"][0]["id"]
    assert await _documents(container, pid) == 2  # list and detail
    async with container.database().transaction() as conn:
        await conn.execute(text(WRITES[write]), {"p": pid})
    after = await _assert_same_as_ordinary(client, shop)
    # the write shows (in the detail with prices: the list has no categories, the reads without prices no price)
    assert after[2] != before[2], write


async def test_a_document_built_before_a_write_commits_is_never_served(client: httpx.AsyncClient,
                                                                       container: Container,
                                                                       shop: dict[str, Any]) -> None:
    """A reader that read the product, then lost the race to a write, stores what it built under the version it
    read with the data: the next read does not serve it."""
    from euryale.api.store.products import DETAIL_SHAPE, RESOURCE

    pid = shop["products"][0]["id"]
    path, params = f"/store/products/{pid}", {"region_id": shop["region_id"]}
    old = await _get(client, shop, path, params, documents=False)
    async with container.database().read() as conn:
        built, versions = await product_documents._build(conn, RESOURCE, DETAIL_SHAPE, [pid])
    async with container.database().transaction() as conn:
        await conn.execute(text("UPDATE product SET title = 'Renamed' WHERE id = :p"), {"p": pid})
    async with container.database().read() as conn:
        await product_documents._store(conn, container, DETAIL_SHAPE, built, versions)
    assert await _documents(container, pid) == 1  # stored, but under the version before the write
    new = await _get(client, shop, path, params, documents=True)
    assert new != old and b'"title":"Renamed"' in new
    assert new == await _get(client, shop, path, params, documents=False)


async def test_an_uncommitted_write_is_not_seen_and_its_commit_is(client: httpx.AsyncClient, container: Container,
                                                                  shop: dict[str, Any]) -> None:
    pid = shop["products"][0]["id"]
    path, params = f"/store/products/{pid}", {"region_id": shop["region_id"]}
    old = await _get(client, shop, path, params, documents=True)
    async with container.database().transaction() as conn:
        await conn.execute(text("UPDATE product_variant SET title = 'Pending' WHERE product_id = :p"), {"p": pid})
        assert await _get(client, shop, path, params, documents=True) == old
    new = await _get(client, shop, path, params, documents=True)
    assert b'"title":"Pending"' in new and new == await _get(client, shop, path, params, documents=False)


async def test_other_reads_take_the_ordinary_path(client: httpx.AsyncClient, container: Container,
                                                  shop: dict[str, Any]) -> None:
    """`fields`, filters and tax addresses change the answer's shape: no document is built for them."""
    pid = shop["products"][1]["id"]
    for params in ({"fields": "id,title"}, {"fields": "+variants.inventory_quantity", "region_id": shop["region_id"]},
                   {"handle": shop["products"][1]["handle"]}):
        await _get(client, shop, "/store/products", params, documents=True)
    await _get(client, shop, f"/store/products/{pid}", {"fields": "*categories"}, documents=True)
    assert await _documents(container, pid) == 0
