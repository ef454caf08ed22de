"""Search (Medusa 2.21 `search` module on PostgreSQL full text): store search scoped to the key's channels and
published products, opt-in per index, validation; admin search (index + fallback registry), index admin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.core_subscribers.search_ingestion import handler as ingest
from euryale.events import Event
from tests.support.catalog import admin_headers, channel_with_key, create_product, product_body, unique
from tests.support.sql_capture import captured_statements


@pytest.fixture
def store_opt_in(container: Container) -> Iterator[None]:
    """Opt the product index in for /store/search (what `store_indexes: ["product"]` configures)."""
    search = container.resolve("search")
    before = search.store_indexes
    search.store_indexes = frozenset({"product"})
    yield
    search.store_indexes = before


@pytest.fixture
async def catalog(client: httpx.AsyncClient, container: Container, config: EuryaleConfig) -> dict[str, Any]:
    """A fresh channel and key; two published products with a unique word, a draft, one in another channel."""
    sc_ids, token, _ = await channel_with_key(container)
    other_sc, _, _ = await channel_with_key(container)
    headers = admin_headers(config)
    word = unique("zephyr").replace("_", "").replace("-", "").lower()
    published = [await create_product(client, headers, product_body(sc_ids, title=f"{word} shirt {i}"))
                 for i in range(2)]
    draft = await create_product(client, headers, product_body(sc_ids, title=f"{word} draft", status="draft"))
    foreign = await create_product(client, headers, product_body(other_sc, title=f"{word} foreign"))
    res = await client.post("/admin/search-indexes/product/reindex", json={}, headers=headers)
    assert res.status_code == 202, res.text
    return {"word": word, "pk": {"x-publishable-api-key": token}, "admin": headers, "published": published,
            "draft": draft, "foreign": foreign}


async def test_store_search_needs_an_opted_in_index(client: httpx.AsyncClient, catalog: dict[str, Any]) -> None:
    res = await client.post("/store/search", json={"entity": "product"}, headers=catalog["pk"])
    assert res.status_code == 404
    assert res.json() == {"type": "not_found", "message": 'No search index named "product"'}
    res = await client.post("/store/search", json={"entity": "product"})
    assert res.status_code == 400 and res.json()["type"] == "not_allowed"  # no publishable key


@pytest.mark.usefixtures("store_opt_in")
async def test_store_search_scopes_to_published_products_of_the_key_channels(
        client: httpx.AsyncClient, catalog: dict[str, Any]) -> None:
    body = {"entity": "product", "filters": {"q": catalog["word"]}, "fields": ["id", "title", "handle"],
            "search_options": {"include_score": True}}
    res = await client.post("/store/search", json=body, headers=catalog["pk"])
    assert res.status_code == 200, res.text
    [result] = res.json()["results"]
    assert {h["id"] for h in result["hits"]} == {p["id"] for p in catalog["published"]}
    assert all(set(h["document"]) == {"id", "title", "handle"} and h["score"] > 0 for h in result["hits"])
    assert result["metadata"]["count"] == 2
    assert (result["metadata"]["skip"], result["metadata"]["take"], result["metadata"]["query"]) == (
        0, 20, catalog["word"])
    # a filter can narrow but never widen: asking for drafts or another channel finds nothing
    for narrowing in ({"status": "draft"}, {"id": catalog["foreign"]["id"]}):
        res = await client.post("/store/search", json={"entity": "product", "filters": narrowing},
                                headers=catalog["pk"])
        assert res.json()["results"][0]["hits"] == []


@pytest.mark.usefixtures("store_opt_in")
async def test_store_search_batch_strategies_sku_and_facets(client: httpx.AsyncClient,
                                                            catalog: dict[str, Any]) -> None:
    sku = catalog["published"][0]["variants"][0]["sku"]
    prefix = catalog["word"][:-2]
    res = await client.post("/store/search", headers=catalog["pk"], json={"queries": [
        {"entity": "product", "filters": {"q": sku}},
        {"entity": "product", "filters": {"q": f"{prefix}"}, "search_options": {"match_strategy": "last"}},
        {"entity": "product", "filters": {"q": f"{catalog['word']} nothingmatches"},
         "search_options": {"match_strategy": "any", "facets": ["status"]}, "pagination": {"take": 1}},
    ]})
    assert res.status_code == 200, res.text
    by_sku, typeahead, any_word = res.json()["results"]
    assert [h["id"] for h in by_sku["hits"]] == [catalog["published"][0]["id"]]
    assert typeahead["metadata"]["count"] == 2
    assert len(any_word["hits"]) == 1 and any_word["metadata"]["count"] == 2
    assert any_word["facets"] == {"status": {"type": "value", "values": [{"value": "published", "count": 2}]}}


@pytest.mark.usefixtures("store_opt_in")
async def test_store_search_validation(client: httpx.AsyncClient, catalog: dict[str, Any]) -> None:
    pk = catalog["pk"]
    cases = [
        ({"entity": "product", "unknown": 1}, "Unrecognized fields"),
        ({"queries": []}, None),
        ({"entity": "product", "fields": ["secret"]}, 'can\'t return the fields: secret'),
        ({"entity": "product", "filters": {"nope": 1}}, 'has no filterable field "nope"'),
        ({"entity": "product", "search_options": {"highlight": True}}, 'does not support "highlight"'),
        ({"entity": "product", "pagination": {"take": 101}}, None),
    ]
    for body, message in cases:
        res = await client.post("/store/search", json=body, headers=pk)
        assert res.status_code == 400, (body, res.text)
        assert res.json()["type"] == "invalid_data"
        if message:
            assert message in res.json()["message"], res.text


async def test_store_search_without_the_module_is_not_allowed(client: httpx.AsyncClient, container: Container,
                                                              catalog: dict[str, Any]) -> None:
    search = container._services.pop("search")
    try:
        res = await client.post("/store/search", json={"entity": "product"}, headers=catalog["pk"])
        assert res.status_code == 400
        assert res.json() == {"type": "not_allowed",
                              "message": "The Search Module is not installed, so nothing can be searched."}
        res = await client.get("/admin/search-indexes", headers=catalog["admin"])
        assert res.json() == {"search_indexes": [], "enabled": False}
        res = await client.post("/admin/search-indexes/product/reindex", headers=catalog["admin"])
        assert res.status_code == 404
    finally:
        container._services["search"] = search


async def test_ingestion_follows_product_writes(client: httpx.AsyncClient, container: Container,
                                                catalog: dict[str, Any], store_opt_in: None) -> None:
    product = catalog["published"][0]
    renamed = unique("quasar").replace("_", "").replace("-", "").lower()
    res = await client.post(f"/admin/products/{product['id']}", json={"title": renamed}, headers=catalog["admin"])
    assert res.status_code == 200
    await ingest(Event("product.updated", {"id": product["id"]}), container)
    found = (await client.post("/store/search", json={"entity": "product", "filters": {"q": renamed}},
                               headers=catalog["pk"])).json()["results"][0]
    assert [h["document"]["title"] for h in found["hits"]] == [renamed]
    assert (await client.delete(f"/admin/products/{product['id']}", headers=catalog["admin"])).status_code == 200
    await ingest(Event("product.deleted", {"id": product["id"]}), container)
    found = (await client.post("/store/search", json={"entity": "product", "filters": {"q": catalog["word"]}},
                               headers=catalog["pk"])).json()["results"][0]
    assert [h["id"] for h in found["hits"]] == [catalog["published"][1]["id"]]


async def test_ingestion_is_one_statement_per_event_whatever_the_ids(container: Container,
                                                                     catalog: dict[str, Any]) -> None:
    ids = [p["id"] for p in catalog["published"]] + [catalog["draft"]["id"], catalog["foreign"]["id"]]
    with captured_statements(container) as statements:
        await ingest(Event("product.updated", {"id": ids}), container)
    writes = [s for s, _ in statements if "search_document" in s]
    assert len(writes) == 1, writes


async def test_admin_search_index_and_fallback(client: httpx.AsyncClient, catalog: dict[str, Any]) -> None:
    h = catalog["admin"]
    res = await client.get("/admin/search", params={"q": catalog["word"]}, headers=h)
    assert res.status_code == 200, res.text
    [group] = res.json()["results"]
    assert (group["entity"], group["count"], group["offset"], group["limit"]) == ("product", 4, 0, 20)
    assert set(group["data"][0]) >= {"id", "title", "handle", "status", "sales_channel_ids"}
    res = await client.get("/admin/search", params={"q": catalog["word"], "entity": "product,region",
                                                     "limit": 1}, headers=h)
    groups = res.json()["results"]
    assert [(g["entity"], len(g["data"]), g["limit"]) for g in groups] == [("product", 1, 1), ("region", 0, 1)]
    res = await client.get("/admin/search", params={"entity": "product_variant",
                                                     "q": catalog["published"][0]["variants"][0]["sku"]}, headers=h)
    [variants] = res.json()["results"]
    assert [v["id"] for v in variants["data"]] == [catalog["published"][0]["variants"][0]["id"]]
    assert set(variants["data"][0]) == {"id", "title", "sku", "product_id"}
    res = await client.get("/admin/search", params={"entity": "spaceship"}, headers=h)
    assert res.status_code == 404 and 'No search entity registered for "spaceship"' in res.json()["message"]
    res = await client.get("/admin/search", params={"limit": "0"}, headers=h)
    assert res.status_code == 400 and res.json()["type"] == "invalid_data"
    assert (await client.get("/admin/search")).status_code == 401


async def test_admin_search_fallback_answers_every_registered_entity(client: httpx.AsyncClient,
                                                                     catalog: dict[str, Any]) -> None:
    from euryale.api.admin.search import FALLBACK_ENTITIES

    names = ",".join(e.name for e in FALLBACK_ENTITIES if e.name != "product")
    res = await client.get("/admin/search", params={"entity": names, "q": "x"}, headers=catalog["admin"])
    assert res.status_code == 200, res.text
    assert [g["entity"] for g in res.json()["results"]] == names.split(",")


async def test_search_index_admin(client: httpx.AsyncClient, catalog: dict[str, Any]) -> None:
    h = catalog["admin"]
    res = await client.get("/admin/search-indexes", headers=h)
    assert res.status_code == 200
    body = res.json()
    assert body["enabled"] is True
    [product] = [i for i in body["search_indexes"] if i["name"] == "product"]
    assert (product["entity"], product["provider"], product["status"]) == ("product", "postgres", "ready")
    assert {"name": "sales_channel_ids", "type": "keyword", "searchable": False, "filterable": True,
            "sortable": False, "facetable": False} in product["fields"]
    assert (await client.post("/admin/search-indexes/nope/reindex", headers=h)).status_code == 404
    assert (await client.delete("/admin/search-indexes/nope", headers=h)).status_code == 404
    res = await client.post("/admin/search-indexes/product/reindex", json={"strategy": "sideways"}, headers=h)
    assert res.status_code == 400
    res = await client.delete("/admin/search-indexes/product", headers=h)
    assert res.json() == {"id": "product", "object": "search_index", "deleted": True, "deleted_versions": 1}
    res = await client.get("/admin/search-indexes", headers=h)
    assert [i["status"] for i in res.json()["search_indexes"] if i["name"] == "product"] == ["pending"]
    res = await client.delete("/admin/search-indexes/product", headers=h)
    assert res.json()["deleted_versions"] == 0
    res = await client.post("/admin/search-indexes/product/reindex", headers=h)
    assert res.status_code == 202 and res.json()["indexes"] == ["product"] and res.json()["job_id"]
    res = await client.get(f"/admin/workflows-executions?transaction_id={res.json()['job_id']}", headers=h)
    assert res.status_code == 200
    assert (await client.get("/admin/search-indexes")).status_code == 401


@pytest.mark.usefixtures("store_opt_in")
async def test_store_search_is_one_statement_per_query(client: httpx.AsyncClient, container: Container,
                                                       catalog: dict[str, Any]) -> None:
    queries = [{"entity": "product", "filters": {"q": catalog["word"]}} for _ in range(3)]
    await client.post("/store/search", json={"entity": "product"}, headers=catalog["pk"])  # warm the key cache
    with captured_statements(container) as statements:
        res = await client.post("/store/search", json={"queries": queries}, headers=catalog["pk"])
    assert res.status_code == 200
    assert all(r["metadata"]["count"] == 2 for r in res.json()["results"])
    assert len([s for s, _ in statements if "search_document" in s]) == 3


async def test_ingestion_maps_variant_and_channel_events_to_products(client: httpx.AsyncClient,
                                                                     container: Container,
                                                                     catalog: dict[str, Any],
                                                                     store_opt_in: None) -> None:
    product = catalog["published"][1]
    variant = product["variants"][0]
    new_sku = unique("ZSKU").replace("_", "").replace("-", "").upper()
    res = await client.post(f"/admin/products/{product['id']}/variants/{variant['id']}", json={"sku": new_sku},
                            headers=catalog["admin"])
    assert res.status_code == 200, res.text
    await ingest(Event("product-variant.updated", {"id": variant["id"]}), container)
    found = (await client.post("/store/search", json={"entity": "product", "filters": {"variants.sku": new_sku}},
                               headers=catalog["pk"])).json()["results"][0]
    assert [h["id"] for h in found["hits"]] == [product["id"]]

    async with container.database().read() as conn:
        channel_id = (await conn.execute(text(
            "SELECT sales_channel_id FROM product_sales_channel WHERE product_id = :p AND deleted_at IS NULL"),
            {"p": product["id"]})).scalar_one()
    assert (await client.delete(f"/admin/sales-channels/{channel_id}", headers=catalog["admin"])).status_code == 200
    await ingest(Event("sales-channel.deleted", {"id": channel_id}), container)
    async with container.database().read() as conn:
        channels = (await conn.execute(text(
            "SELECT document->'sales_channel_ids' FROM search_document WHERE index_name = 'product' "
            "AND entity_id = :p"), {"p": product["id"]})).scalar_one()
    assert channels == []


async def _outbox(container: Container, name: str, since: Any) -> list[dict[str, Any]]:
    async with container.database().read() as conn:
        rows = (await conn.execute(text(
            "SELECT data FROM event_outbox WHERE name = :n AND created_at >= :t ORDER BY created_at"),
            {"n": name, "t": since})).scalars().all()
    return [dict(r) for r in rows]


async def _document_channels(container: Container, product_id: str) -> list[str]:
    async with container.database().read() as conn:
        return list((await conn.execute(text(
            "SELECT document->'sales_channel_ids' FROM search_document WHERE index_name = 'product' "
            "AND entity_id = :p"), {"p": product_id})).scalar_one())


async def test_channel_product_links_emit_link_events_that_resync_documents(
        client: httpx.AsyncClient, container: Container, catalog: dict[str, Any]) -> None:
    product = catalog["foreign"]
    before = await _document_channels(container, product["id"])
    other_sc, _, _ = await channel_with_key(container)
    async with container.database().read() as conn:
        since = (await conn.execute(text("SELECT clock_timestamp()"))).scalar_one()
    res = await client.post(f"/admin/sales-channels/{other_sc[0]}/products", json={"add": [product["id"]]},
                            headers=catalog["admin"])
    assert res.status_code == 200, res.text
    attached = await _outbox(container, "LinkProductSalesChannel.attached", since)
    async with container.database().read() as conn:
        link_id = (await conn.execute(text(
            "SELECT id FROM product_sales_channel WHERE product_id = :p AND sales_channel_id = :s "
            "AND deleted_at IS NULL"), {"p": product["id"], "s": other_sc[0]})).scalar_one()
    assert attached == [{"id": link_id}]
    await ingest(Event("LinkProductSalesChannel.attached", attached[0]), container)
    assert await _document_channels(container, product["id"]) == sorted([*before, other_sc[0]])

    # linking again creates no link and emits nothing
    res = await client.post(f"/admin/sales-channels/{other_sc[0]}/products", json={"add": [product["id"]]},
                            headers=catalog["admin"])
    assert res.status_code == 200
    assert len(await _outbox(container, "LinkProductSalesChannel.attached", since)) == 1

    res = await client.post(f"/admin/sales-channels/{other_sc[0]}/products", json={"remove": [product["id"]]},
                            headers=catalog["admin"])
    assert res.status_code == 200, res.text
    detached = await _outbox(container, "LinkProductSalesChannel.detached", since)
    assert detached == [{"id": link_id}]
    await ingest(Event("LinkProductSalesChannel.detached", detached[0]), container)
    assert await _document_channels(container, product["id"]) == before
