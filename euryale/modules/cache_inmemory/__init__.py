"""In-memory LRU cache with TTL (the default; per process)."""

from __future__ import annotations

import fnmatch
import time
from collections import OrderedDict
from typing import Any


class InMemoryCache:
    def __init__(self, *, ttl: int = 30, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    async def get(self, key: str) -> Any | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires, value = item
        if expires < time.monotonic():
            self._data.pop(key, None)
            return None
        self._data.move_to_end(key)
        return value

    async def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        self._data[key] = (time.monotonic() + (ttl if ttl is not None else self.ttl), value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    async def invalidate(self, key: str) -> None:
        """Drop `key`; a key with `*` drops every matching key."""
        if "*" in key:
            for k in [k for k in self._data if fnmatch.fnmatchcase(k, key)]:
                self._data.pop(k, None)
        else:
            self._data.pop(key, None)


def load(container: Any, options: dict[str, Any]) -> InMemoryCache:
    return InMemoryCache(ttl=int(options.get("ttl", 30)), max_entries=int(options.get("max_entries", 10_000)))
