"""Cache interface: get/set/invalidate with a TTL."""

from __future__ import annotations

from typing import Any, Protocol

# keys every store request reads (`euryale.http.store_context`): small, rarely changed, worth a copy in process
PUBLISHABLE_KEY_PREFIX = "euryale:pk:"  # + token: the key's id, revocation and sales channels
CATALOG_VERSION_KEY = "euryale:catalog:version"  # the response cache's version (`euryale.query.cache`)
NEAR_KEYS = (PUBLISHABLE_KEY_PREFIX, CATALOG_VERSION_KEY)


class Cache(Protocol):
    async def get(self, key: str) -> Any | None: ...

    async def set(self, key: str, value: Any, ttl: int | None = None) -> None: ...

    async def invalidate(self, key: str) -> None: ...
