"""With a shared (Redis) cache, store product reads are cached and every admin catalog write invalidates them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import redis.asyncio as aioredis

from euryale.boot import build_container
from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.http.app import create_app
from euryale.modules.cache_redis import RedisCache
from tests.support.catalog import admin_headers, channel_with_key, create_product, make_region, product_body


@pytest.fixture
async def redis_app(config: EuryaleConfig, redis_client: aioredis.Redis,
                    redis_prefix: str) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    container = build_container(config)
    container.register("cache", RedisCache(redis_client, prefix=redis_prefix + "catalog-cache:"))
    await container.start()
    transport = httpx.ASGITransport(app=create_app(container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, container
    finally:
        container._services.pop("cache", None)  # the Redis client belongs to the session fixture
        await container.stop()


async def test_cached_until_an_admin_write(redis_app: tuple[httpx.AsyncClient, Container],
                                           config: EuryaleConfig) -> None:
    client, container = redis_app
    h = admin_headers(config)
    sc_ids, token, _ = await channel_with_key(container)
    region_id = await make_region(container, "eur")
    product = await create_product(client, h, product_body(sc_ids, eur=10))
    pk = {"x-publishable-api-key": token}
    params = {"region_id": region_id}
    first = await client.get("/store/products", params=params, headers=pk)
    assert first.status_code == 200 and first.json()["count"] == 1
    again = await client.get("/store/products", params=params, headers=pk)
    assert again.content == first.content  # served from the cache, same wire format
    assert again.json()["products"][0]["created_at"].endswith("Z")
    res = await client.post(f"/admin/products/{product['id']}", json={"title": "Renamed"}, headers=h)
    assert res.status_code == 200
    after = await client.get("/store/products", params=params, headers=pk)
    assert after.json()["products"][0]["title"] == "Renamed"
    stock = await client.get("/store/products", params={**params, "fields": "+variants.inventory_quantity"},
                             headers=pk)
    assert stock.status_code == 200
    one = await client.get(f"/store/products/{product['id']}", params=params, headers=pk)
    assert one.json()["product"]["title"] == "Renamed"
    missing = await client.get("/store/products/prod_nope", headers=pk)
    assert missing.status_code == 404


async def test_memo_never_serves_a_body_of_an_older_version(redis_app: tuple[httpx.AsyncClient, Container],
                                                            config: EuryaleConfig) -> None:
    """The process memo answers a repeated read; a version bumped elsewhere (another process's write) wins."""
    from sqlalchemy import update

    from euryale.modules.product.models import product as product_table
    from euryale.query.cache import bump_catalog_version

    client, container = redis_app
    sc_ids, token, _ = await channel_with_key(container)
    region_id = await make_region(container, "eur")
    created = await create_product(client, admin_headers(config), product_body(sc_ids, eur=10))
    pk = {"x-publishable-api-key": token}
    path = f"/store/products/{created['id']}"
    first = await client.get(path, params={"region_id": region_id}, headers=pk)
    again = await client.get(path, params={"region_id": region_id}, headers=pk)
    assert again.content == first.content
    # a write that did not go through this process: only the shared version tells this process about it
    async with container.database().transaction() as conn:
        await conn.execute(update(product_table).where(product_table.c.id == created["id"]).values(title="Elsewhere"))
    await bump_catalog_version(container)
    after = await client.get(path, params={"region_id": region_id}, headers=pk)
    assert after.json()["product"]["title"] == "Elsewhere"


def test_response_memo_is_bounded_and_keeps_one_version() -> None:
    from euryale.query.cache import ResponseMemo

    memo = ResponseMemo(max_bytes=100)
    memo.put("v1", "a", b"x" * 20, ttl=60)
    memo.put("v1", "b", b"y" * 20, ttl=60)
    assert memo.get("v1", "a") == b"x" * 20 and memo.get("v2", "a") is None
    for i in range(10):
        memo.put("v1", f"k{i}", b"z" * 20, ttl=60)
    assert memo.size <= 100 and memo.get("v1", "a") is None  # least recently used went first
    memo.put("v2", "c", b"w" * 20, ttl=60)
    assert memo.get("v1", "k9") is None and memo.size == 20  # a newer version drops the older bodies
    memo.put("v2", "big", b"b" * 60, ttl=60)
    assert memo.get("v2", "big") is None  # larger than a quarter of the bound: not kept
    memo.put("v2", "old", b"o", ttl=-1)
    assert memo.get("v2", "old") is None  # past the shared cache's TTL


def test_response_memo_lets_go_of_bodies_past_their_ttl() -> None:
    from euryale.query.cache import ResponseMemo

    memo = ResponseMemo(max_bytes=10_000)
    for i in range(5):
        memo.put("v1", f"once{i}", b"x" * 100, ttl=-1)  # served once, expired since, never asked for again
    memo.put("v1", "kept", b"k" * 100, ttl=60)
    memo.put("v1", "new", b"n" * 100, ttl=60)
    assert memo.size == 200 and memo.get("v1", "kept") == b"k" * 100


async def test_regions_cached_until_an_admin_region_write(redis_app: tuple[httpx.AsyncClient, Container],
                                                          config: EuryaleConfig) -> None:
    client, container = redis_app
    _, token, _ = await channel_with_key(container)
    region_id = await make_region(container, "eur")
    pk = {"x-publishable-api-key": token}
    first = await client.get(f"/store/regions/{region_id}", headers=pk)
    assert first.status_code == 200
    listed = await client.get("/store/regions", params={"limit": 100, "order": "-created_at"}, headers=pk)
    again = await client.get("/store/regions", params={"limit": 100, "order": "-created_at"}, headers=pk)
    assert again.content == listed.content
    res = await client.post(f"/admin/regions/{region_id}", json={"name": "Renamed region"},
                            headers=admin_headers(config))
    assert res.status_code == 200, res.text
    one = await client.get(f"/store/regions/{region_id}", headers=pk)
    assert one.json()["region"]["name"] == "Renamed region"
    after = await client.get("/store/regions", params={"limit": 100, "order": "-created_at"}, headers=pk)
    assert "Renamed region" in [r["name"] for r in after.json()["regions"]]
    missing = await client.get("/store/regions/reg_nope", headers=pk)
    assert missing.status_code == 404


async def test_concurrent_misses_render_the_page_once(redis_app: tuple[httpx.AsyncClient, Container],
                                                      config: EuryaleConfig) -> None:
    """When an entry expires under load, concurrent readers of the same page wait for one rendering."""
    import asyncio

    from euryale.query.cache import bump_catalog_version
    from tests.support.sql_capture import captured_statements

    client, container = redis_app
    sc_ids, token, _ = await channel_with_key(container)
    region_id = await make_region(container, "eur")
    created = await create_product(client, admin_headers(config), product_body(sc_ids, eur=10))
    pk = {"x-publishable-api-key": token}
    path, params = f"/store/products/{created['id']}", {"region_id": region_id}
    await client.get(path, params=params, headers=pk)  # the key lookup is cached from here on
    await bump_catalog_version(container)
    with captured_statements(container) as one:
        single = await client.get(path, params=params, headers=pk)
    await bump_catalog_version(container)
    with captured_statements(container) as many:
        answers = await asyncio.gather(*(client.get(path, params=params, headers=pk) for _ in range(8)))
    assert all(a.status_code == 200 and a.content == single.content for a in answers)
    assert len(one) > 0 and len(many) == len(one), (len(one), len(many))
