"""The Redis cache's near cache: copies held in process while Redis tracks their keys for us, dropped when another
client changes them, all dropped while the tracking connection is down (real Redis, real connections)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from euryale.modules.cache_redis import RedisCache
from euryale.modules.cache_redis.near import MISS
from euryale.redis_claims import redis_client
from tests.support import services
from tests.support.arch import wait_until


@asynccontextmanager
async def _paired(prefix: str, near_url: str | None = None) -> AsyncIterator[tuple[RedisCache, RedisCache]]:
    """(this process's cache, with a near cache tracking at `near_url` (default: the Redis it reads); another
    process's, without one, writing the same keys); their keys dropped and both stopped afterwards."""
    url = services.redis_url()
    cache = RedisCache(redis_client(url), prefix=prefix, ttl=30, url=near_url or url, near=("pk:", "version"))
    other = RedisCache(redis_client(url), prefix=prefix, ttl=30)
    try:
        yield cache, other
    finally:
        await other.invalidate("*")
        await cache.stop()
        await other.stop()


async def _live(cache: RedisCache) -> None:
    assert cache.near is not None
    await cache.get_many(["pk:warm-up"])  # the first read starts the tracking connection
    near = cache.near

    async def live() -> bool:
        return near.live

    assert await wait_until(live, timeout=5), "tracking never came up"


async def _held(cache: RedisCache, key: str) -> Any:
    assert cache.near is not None
    return cache.near.get(cache.base + key)


async def test_held_until_another_client_changes_it(prefix: str) -> None:
    async with _paired(prefix) as (cache, other):
        await _live(cache)
        assert cache.near is not None
        await other.set("pk:t1", {"id": "k1", "channels": ["sc_1"]})
        await other.set("version", "cv_1")
        await other.set("plain", 1)
        await cache.near.sync()  # their invalidations applied: the next read may keep what it reads
        assert await cache.get_many(["pk:t1", "version", "plain"]) == [{"id": "k1", "channels": ["sc_1"]}, "cv_1", 1]
        hits = cache.near.hits
        assert await cache.get_many(["pk:t1", "version"]) == [{"id": "k1", "channels": ["sc_1"]}, "cv_1"]
        assert cache.near.hits == hits + 2, "both answered in process"
        assert await _held(cache, "plain") is MISS, "a key under no near prefix is never held"

        await other.set("pk:t1", {"id": "k1", "channels": []})  # another process changes it
        await cache.near.sync()
        assert await _held(cache, "pk:t1") is MISS, "Redis's invalidation dropped it"
        assert await _held(cache, "version") == "cv_1", "only the changed key is dropped"
        assert await cache.get_many(["pk:t1", "version"]) == [{"id": "k1", "channels": []}, "cv_1"]
        await other.invalidate("pk:t1")
        await cache.near.sync()
        assert await _held(cache, "pk:t1") is MISS
        assert await cache.get_many(["pk:t1"]) == [None]
        assert await _held(cache, "pk:t1") is None, "an absent key is held as absent"
        await other.set("pk:t1", {"id": "k1", "channels": ["sc_2"]})
        await cache.near.sync()
        assert await _held(cache, "pk:t1") is MISS, "until it is set"
        assert await cache.get_many(["pk:t1"]) == [{"id": "k1", "channels": ["sc_2"]}]


async def test_own_writes_drop_at_once_and_a_read_overtaken_by_an_invalidation_is_not_kept(prefix: str) -> None:
    async with _paired(prefix) as (cache, other):
        await _live(cache)
        assert cache.near is not None
        await other.set("version", "cv_1")
        await cache.near.sync()
        assert await cache.get_many(["version"]) == ["cv_1"]
        assert await _held(cache, "version") == "cv_1"
        await cache.set("version", "cv_2")  # this process's write: no wait for Redis's message
        assert await _held(cache, "version") is MISS
        await cache.near.sync()  # (Redis's message for it comes too)
        assert await cache.get_many(["version"]) == ["cv_2"]
        generation = cache.near.generation
        cache.near.drop(cache.base + "unrelated")  # an invalidation while a read was in flight
        cache.near.put(cache.base + "version", "cv_old", generation)
        assert await _held(cache, "version") == "cv_2", "the late value was refused"


async def test_connection_lost_drops_every_copy_and_tracking_comes_back(prefix: str) -> None:
    async with _paired(prefix) as (cache, other):
        await _live(cache)
        near = cache.near
        assert near is not None and near.client_id is not None
        await other.set("pk:t2", {"id": "k2"})
        await near.sync()
        assert await cache.get_many(["pk:t2"]) == [{"id": "k2"}]
        assert await _held(cache, "pk:t2") == {"id": "k2"}
        first_id = near.client_id
        await other.redis.execute_command("CLIENT", "KILL", "ID", first_id)  # Redis drops our tracking connection

        async def down() -> bool:
            return not near.live

        assert await wait_until(down, timeout=2)
        assert await _held(cache, "pk:t2") is MISS, "no copy is trusted without tracking"
        await other.set("pk:t2", {"id": "k2", "revoked": True})  # changed while nobody told us
        assert await cache.get_many(["pk:t2"]) == [{"id": "k2", "revoked": True}], "read from Redis meanwhile"

        async def back() -> bool:
            return near.live and near.client_id != first_id

        assert await wait_until(back, timeout=5), "tracking did not come back"
        assert await cache.get_many(["pk:t2"]) == [{"id": "k2", "revoked": True}]
        assert await _held(cache, "pk:t2") == {"id": "k2", "revoked": True}
        await other.set("pk:t2", {"id": "k2", "revoked": False})
        await near.sync()
        assert await _held(cache, "pk:t2") is MISS, "the new connection tracks the keys too"


async def test_a_cache_without_redis_tracking_reads_through(prefix: str) -> None:
    """Nothing listens at the near cache's address: it never goes live, every read goes to Redis."""
    async with _paired(prefix, near_url="redis://127.0.0.1:1/0") as (cache, other):
        await other.set("pk:t3", {"id": "k3"})
        for _ in range(3):
            assert await cache.get_many(["pk:t3"]) == [{"id": "k3"}]
            await asyncio.sleep(0.05)
        assert cache.near is not None and not cache.near.live and cache.near.hits == 0


def test_on_uvloop_as_the_server_runs_it(prefix: str) -> None:
    """The server's event loop is uvloop, whose transports are not asyncio.Transport subclasses (an assertion on
    that once kept the near cache from ever going live in production while the suite, on asyncio's loop, passed)."""
    uvloop = pytest.importorskip("uvloop")  # uvicorn[standard] installs it where it runs

    async def scenario() -> None:
        async with _paired(prefix) as (cache, other):
            await _live(cache)
            assert cache.near is not None
            await other.set("pk:uv", {"id": "k"})
            await cache.near.sync()
            assert await cache.get_many(["pk:uv"]) == [{"id": "k"}]
            assert await _held(cache, "pk:uv") == {"id": "k"}
            await other.invalidate("pk:uv")
            await cache.near.sync()
            assert await _held(cache, "pk:uv") is MISS

    uvloop.run(scenario())
