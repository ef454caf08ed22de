"""Redis locking provider: `SET key token NX PX`, token-checked release (Lua), retry with backoff while waiting.

Keys live under `<prefix>lock:`; a holder that crashed frees its keys when `expire` runs out.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from euryale.config import ConfigError
from euryale.errors import MedusaError, MedusaErrorType
from euryale.locking import key_list
from euryale.redis_claims import RedisClaims, redis_client

T = TypeVar("T")


class RedisLocking:
    """Implements `euryale.locking.Locking` across processes."""

    def __init__(self, client: Any, *, prefix: str = "", default_expire: float = 30.0, wait_timeout: float = 5.0,
                 retry_interval: float = 0.005, max_retry_interval: float = 0.2) -> None:
        self.redis = client
        self.claims = RedisClaims(client, prefix + "lock:")
        self.default_expire = default_expire
        self.wait_timeout = wait_timeout
        self.retry_interval = retry_interval
        self.max_retry_interval = max_retry_interval

    async def acquire(self, keys: str | Sequence[str], *, owner: str | None = None, expire: float | None = None,
                      timeout: float | None = None) -> None:
        """Take every key for `owner` (re-entrant for the same owner) or raise a conflict after `timeout`."""
        me = owner or "anonymous"
        ttl_ms = int((expire or self.default_expire) * 1000)
        deadline = time.monotonic() + (self.wait_timeout if timeout is None else timeout)
        taken: list[str] = []
        delay = self.retry_interval
        for key in key_list(keys):
            while True:
                if await self.claims.claim(key, ttl_ms, token=me) is not None:
                    taken.append(key)
                    break
                if await self.claims.owner(key) == me:  # re-entrant: refresh the expiry
                    await self.claims.renew(key, me, ttl_ms)
                    break
                if time.monotonic() >= deadline:
                    for k in taken:
                        await self.claims.release(k, me)
                    raise MedusaError(MedusaErrorType.CONFLICT, f"Timed-out acquiring lock on {key}")
                await asyncio.sleep(delay)
                delay = min(self.max_retry_interval, delay * 2)

    async def release(self, keys: str | Sequence[str], *, owner: str | None = None) -> bool:
        me = owner or "anonymous"
        released = False
        for key in key_list(keys):
            if await self.claims.owner(key) == me:
                await self.claims.release(key, me)
                released = True
        return released

    async def execute(self, keys: str | Sequence[str], job: Callable[[], Awaitable[T]], *,
                      timeout: float | None = None, expire: float | None = None) -> T:
        """Run `job` holding every key; always released afterwards."""
        owner = f"exec:{uuid.uuid4().hex}"
        await self.acquire(keys, owner=owner, timeout=timeout, expire=expire)
        try:
            return await job()
        finally:
            await self.release(keys, owner=owner)

    async def stop(self) -> None:
        await self.redis.aclose()


def load(container: Any, options: dict[str, Any]) -> RedisLocking:
    pc = container.config.project_config
    url = options.get("redis_url") or options.get("redisUrl") or pc.redis_url
    if not url:
        raise ConfigError("modules[locking].options.redis_url", "REDIS_URL", "Redis locking needs a Redis URL",
                          "set REDIS_URL or options.redis_url")
    return RedisLocking(redis_client(url, options.get("redis_options") or pc.redis_options or None),
                        prefix=options.get("prefix", options.get("namespace", pc.redis_prefix)),
                        default_expire=float(options.get("default_expire", 30.0)),
                        wait_timeout=float(options.get("wait_timeout", options.get("waitLockingTimeout", 5.0))))
