"""Redis cache: JSON values, TTL, pattern invalidation, shared between two clients (processes)."""

from __future__ import annotations

import asyncio

from euryale.modules.cache_redis import RedisCache
from euryale.redis_claims import redis_client
from tests.support import services


async def test_get_set_ttl_and_pattern_invalidation(prefix: str) -> None:
    a = RedisCache(redis_client(services.redis_url()), prefix=prefix, ttl=30)
    b = RedisCache(redis_client(services.redis_url()), prefix=prefix, ttl=30)
    try:
        await a.set("products:list:eur", {"products": [{"id": "prod_1", "price": "10.50"}], "count": 1})
        await a.set("products:list:usd", {"count": 0})
        await a.set("regions:list", [1, 2])
        await a.set("short", "x", ttl=1)
        await a.set("never", "x", ttl=0)
        assert await b.get("products:list:eur") == {"products": [{"id": "prod_1", "price": "10.50"}], "count": 1}
        assert await b.get("never") is None
        assert await b.get_many(["regions:list", "missing", "products:list:usd"]) == [[1, 2], None, {"count": 0}]
        await b.invalidate("products:*")
        assert await a.get("products:list:eur") is None and await a.get("products:list:usd") is None
        assert await a.get("regions:list") == [1, 2]
        await a.invalidate("regions:list")
        assert await a.get("regions:list") is None
        await asyncio.sleep(1.1)
        assert await a.get("short") is None
    finally:
        await a.stop()
        await b.stop()
