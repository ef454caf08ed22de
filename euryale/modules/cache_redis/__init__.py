"""Redis cache: JSON values under `<prefix><namespace>:<key>` with a TTL; `invalidate` accepts `*` patterns.

Keys under `near` prefixes (by default `euryale.cache.NEAR_KEYS`: what every store request reads) are also kept in
process by `get_many`, coherent through Redis's client-side caching (`euryale.modules.cache_redis.near`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from euryale.cache import NEAR_KEYS
from euryale.config import ConfigError
from euryale.modules.cache_redis.near import MISS, NearCache
from euryale.redis_claims import redis_client


class RedisCache:
    """Implements `euryale.cache.Cache` shared by every process."""

    def __init__(self, client: Any, *, prefix: str = "", namespace: str = "cache", ttl: int = 30,
                 url: str | None = None, near: Sequence[str] = ()) -> None:
        self.redis = client
        self.base = f"{prefix}{namespace}:"
        self.ttl = ttl
        # started by the first `get_many`: processes that never serve the store (workers) open no connection for it
        self.near = NearCache(url, [self.base + p for p in near], max_age=ttl) if url and near else None

    async def get(self, key: str) -> Any | None:
        raw = await self.redis.get(self.base + key)
        return None if raw is None else orjson.loads(raw)

    async def get_many(self, keys: list[str]) -> list[Any | None]:
        """The values of several keys in one round trip (MGET), None for each missing one; none when every key is
        under a near prefix and held in process."""
        full = [self.base + key for key in keys]
        near = self.near
        if near is None:
            return [None if raw is None else orjson.loads(raw) for raw in await self.redis.mget(full)]
        if near.live:
            held = [near.get(key) for key in full]
            if not any(value is MISS for value in held):
                return held
        else:
            near.start()
        generation = near.generation
        values = [None if raw is None else orjson.loads(raw) for raw in await self.redis.mget(full)]
        for key, value in zip(full, values, strict=True):
            if near.covers(key):  # an absent key too: Redis tells us when it is set (no catalog version yet...)
                near.put(key, value, generation)
        return values

    async def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        """Store `value` for `ttl` seconds (default the module's); a ttl of 0 does not cache (as Medusa)."""
        seconds = self.ttl if ttl is None else ttl
        if seconds <= 0:
            return
        await self.redis.set(self.base + key, orjson.dumps(value, default=str), ex=seconds)
        if self.near is not None:
            self.near.drop(self.base + key)

    async def get_bytes(self, key: str) -> bytes | None:
        """The raw value of `key` (as stored by :meth:`set_bytes`): no JSON decoding of a large body."""
        raw: bytes | None = await self.redis.get(self.base + key)
        return raw

    async def set_bytes(self, key: str, value: bytes, ttl: int | None = None) -> None:
        """Store raw bytes (a rendered response) for `ttl` seconds (default the module's)."""
        seconds = self.ttl if ttl is None else ttl
        if seconds > 0:
            await self.redis.set(self.base + key, value, ex=seconds)

    async def invalidate(self, key: str) -> None:
        """Drop `key`, or every key matching it when it contains `*` (SCAN + pipelined DEL, never KEYS)."""
        if "*" not in key:
            await self.redis.delete(self.base + key)
            if self.near is not None:
                self.near.drop(self.base + key)
            return
        batch: list[bytes] = []
        async for k in self.redis.scan_iter(match=self.base + key, count=500):
            batch.append(k)
            if len(batch) >= 500:
                await self.redis.delete(*batch)
                batch = []
        if batch:
            await self.redis.delete(*batch)
        if self.near is not None:
            self.near.drop()

    async def stop(self) -> None:
        if self.near is not None:
            await self.near.stop()
        await self.redis.aclose()


def load(container: Any, options: dict[str, Any]) -> RedisCache:
    pc = container.config.project_config
    url = options.get("redis_url") or options.get("redisUrl") or pc.redis_url
    if not url:
        raise ConfigError("modules[cache].options.redis_url", "REDIS_URL", "the Redis cache needs a Redis URL",
                          "set REDIS_URL or options.redis_url")
    return RedisCache(redis_client(url, options.get("redis_options") or pc.redis_options or None),
                      prefix=options.get("prefix", pc.redis_prefix), namespace=str(options.get("namespace", "cache")),
                      ttl=int(options.get("ttl", 30)), url=url, near=tuple(options.get("near", NEAR_KEYS)))
