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
