"""Redis cache: JSON values under `<prefix><namespace>:<key>` with a TTL; `invalidate` accepts `*` patterns."""

from __future__ import annotations

from typing import Any

import orjson

from euryale.config import ConfigError
from euryale.redis_claims import redis_client


class RedisCache:
    """Implements `euryale.cache.Cache` shared by every process."""

    def __init__(self, client: Any, *, prefix: str = "", namespace: str = "cache", ttl: int = 30) -> None:
        self.redis = client
        self.base = f"{prefix}{namespace}:"
        self.ttl = ttl

    async def get(self, key: str) -> Any | None:
        raw = await self.redis.get(self.base + key)
        return None if raw is None else orjson.loads(raw)

    async def get_many(self, keys: list[str]) -> list[Any | None]:
        """The values of several keys in one round trip (MGET), None for each missing one."""
        raws = await self.redis.mget([self.base + key for key in keys])
        return [None if raw is None else orjson.loads(raw) for raw in raws]

    async def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        """Store `value` for `ttl` seconds (default the module's); a ttl of 0 does not cache (as Medusa)."""
        seconds = self.ttl if ttl is None else ttl
        if seconds <= 0:
            return
        await self.redis.set(self.base + key, orjson.dumps(value, default=str), ex=seconds)

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
            return
        batch: list[bytes] = []
        async for k in self.redis.scan_iter(match=self.base + key, count=500):
            batch.append(k)
            if len(batch) >= 500:
                await self.redis.delete(*batch)
                batch = []
        if batch:
            await self.redis.delete(*batch)

    async def stop(self) -> None:
        await self.redis.aclose()


def load(container: Any, options: dict[str, Any]) -> RedisCache:
    pc = container.config.project_config
    url = options.get("redis_url") or options.get("redisUrl") or pc.redis_url
    if not url:
        raise ConfigError("modules[cache].options.redis_url", "REDIS_URL", "the Redis cache needs a Redis URL",
                          "set REDIS_URL or options.redis_url")
    return RedisCache(redis_client(url, options.get("redis_options") or pc.redis_options or None),
                      prefix=options.get("prefix", pc.redis_prefix), namespace=str(options.get("namespace", "cache")),
                      ttl=int(options.get("ttl", 30)))
