"""Cache interface: get/set/invalidate with a TTL."""

from __future__ import annotations

from typing import Any, Protocol


class Cache(Protocol):
    async def get(self, key: str) -> Any | None: ...

    async def set(self, key: str, value: Any, ttl: int | None = None) -> None: ...

    async def invalidate(self, key: str) -> None: ...
