"""store_context with a shared (Redis) cache: cached lookups, and revocation seen at once through invalidation."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import redis.asyncio as aioredis
from starlette.requests import Request

from euryale.container import Container
from euryale.errors import MedusaError
from euryale.flows import catalog as flows
from euryale.http.store_context import StoreContext, store_context
from euryale.modules.cache_redis import RedisCache
from euryale.query.cache import VERSION_KEY
from tests.support.catalog import channel_with_key


class SharedCacheContainer:
    """The run's database with a Redis cache, as a process of a multi-worker deployment sees it."""

    def __init__(self, inner: Container, cache: RedisCache) -> None:
        self.inner = inner
        self.cache = cache

    def has(self, key: str) -> bool:
        return key == "cache"

    def resolve(self, key: str) -> Any:
        return self.cache

    def database(self) -> Any:
        return self.inner.database()


def _count_commands(cache: RedisCache, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the Redis commands `cache` sends from now on (until the test ends)."""
    seen: list[str] = []
    inner = cache.redis.execute_command

    async def counted(*args: Any, **kwargs: Any) -> Any:
        seen.append(str(args[0]))
        return await inner(*args, **kwargs)

    monkeypatch.setattr(cache.redis, "execute_command", counted)
    return seen


def _request(container: Any, headers: dict[str, str], query: str = "") -> Request:
    app = SimpleNamespace(state=SimpleNamespace(container=container))
    scope = {"type": "http", "method": "GET", "path": "/store/products", "query_string": query.encode(),
             "headers": [(k.encode(), v.encode()) for k, v in headers.items()], "app": app}
    return Request(scope)


async def test_shared_cache_lookup_and_revocation(container: Container, redis_client: aioredis.Redis,
                                                  redis_prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sc_ids, token, key_id = await channel_with_key(container)
    process_a = SharedCacheContainer(container, RedisCache(redis_client, prefix=redis_prefix))
    process_b = SharedCacheContainer(container, RedisCache(redis_client, prefix=redis_prefix))
    ctx = await store_context(_request(process_a, {"x-publishable-api-key": token}, "locale=fr-FR"))
    assert isinstance(ctx, StoreContext) and ctx.sales_channel_ids == sc_ids and ctx.locale == "fr-FR"
    assert await process_b.cache.get(f"euryale:pk:{token}") is not None  # B now reads A's cached lookup
    # the key and the catalog version in one round trip: the catalog response cache reuses the version
    await process_a.cache.set(VERSION_KEY, "cv_test")
    commands = _count_commands(process_b.cache, monkeypatch)
    request = _request(process_b, {"x-publishable-api-key": token})
    await store_context(request)
    assert commands == ["MGET"] and request.state.catalog_version == "cv_test"
    # the flow itself (not the workflow, whose step would run with the engine's container) in "process A"
    await flows.revoke_api_key.flow(process_a, key_id, revoked_by="test", revoke_in=None)  # type: ignore[attr-defined]
    with pytest.raises(MedusaError) as err:
        await store_context(_request(process_b, {"x-publishable-api-key": token}))
    assert err.value.type == "not_allowed"


async def test_locale_header_and_empty_query(container: Container) -> None:
    _, token, _ = await channel_with_key(container)
    ctx = await store_context(_request(container, {"x-publishable-api-key": token, "x-medusa-locale": "de-DE"}))
    assert ctx.locale == "de-DE"
    ctx = await store_context(_request(container, {"x-publishable-api-key": token, "x-medusa-locale": "de-DE"},
                                       "locale="))
    assert ctx.locale is None
