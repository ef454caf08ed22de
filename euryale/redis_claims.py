"""Token-checked Redis claims (SET NX PX + Lua), shared by the Redis locking provider and workflow engine."""

from __future__ import annotations

import uuid
from typing import Any

import redis.asyncio as aioredis

# release/renew only when the caller still owns the key: a holder whose claim expired cannot free someone else's
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_RENEW = ("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) "
          "else return 0 end")


def redis_client(url: str, options: dict[str, Any] | None = None, *, max_connections: int = 512) -> Any:
    """An asyncio Redis client on a blocking pool: callers beyond `max_connections` wait for a free connection
    instead of failing (redis-py's default pool raises at 100), and a down Redis fails within the connect timeout.
    """
    opts = {"socket_connect_timeout": 5, **(options or {})}
    pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=30, **opts)
    return aioredis.Redis(connection_pool=pool)


class RedisClaims:
    """`Claims` on Redis: `claim` → token or None; `renew`/`release` only with the owning token."""

    def __init__(self, client: Any, prefix: str = "") -> None:
        self.redis = client
        self.prefix = prefix
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)

    async def claim(self, key: str, ttl_ms: int, token: str | None = None) -> str | None:
        token = token or uuid.uuid4().hex
        ok = await self.redis.set(self.prefix + key, token, nx=True, px=max(1, ttl_ms))
        return token if ok else None

    async def renew(self, key: str, token: str, ttl_ms: int) -> bool:
        return bool(await self._renew(keys=[self.prefix + key], args=[token, max(1, ttl_ms)]))

    async def release(self, key: str, token: str) -> None:
        await self._release(keys=[self.prefix + key], args=[token])

    async def owner(self, key: str) -> str | None:
        value = await self.redis.get(self.prefix + key)
        return value.decode() if isinstance(value, bytes) else value
