"""Response cache for hot store catalog reads, used only with a shared (Redis) cache.

Keys carry a catalog version that every admin catalog write bumps (after its transaction), so a change is seen by
the next read of every process; the TTL bounds what no write announces (price list dates). Responses that depend on
stock (`inventory_quantity`) or on the customer are never cached.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request
from starlette.responses import Response

from euryale.http.json import dumps
from euryale.ids import generate_id

VERSION_KEY = "euryale:catalog:version"
TTL = 10


def shared_cache(container: Any) -> Any | None:
    """The container's cache when it is shared by every process (not the per-process in-memory one)."""
    if not container.has("cache"):
        return None
    cache = container.resolve("cache")
    return None if type(cache).__name__ == "InMemoryCache" else cache


async def bump_catalog_version(container: Any) -> None:
    """Invalidate every cached catalog response (all processes)."""
    cache = shared_cache(container)
    if cache is not None:
        await cache.set(VERSION_KEY, generate_id("cv"), 7 * 24 * 3600)


async def bump_after_write(request: Request) -> AsyncIterator[None]:
    """Router dependency for admin catalog routes: a non-GET request bumps the version once it is handled."""
    yield
    if request.method != "GET":
        await bump_catalog_version(request.app.state.container)


async def cached_json(request: Request, key_parts: list[Any], produce: Callable[[], Awaitable[Any]]) -> Any:
    """The cached JSON response for `key_parts` (+ the catalog version), or `produce()` rendered and stored."""
    cache = shared_cache(request.app.state.container)
    if cache is None:
        return await produce()
    version = await cache.get(VERSION_KEY)
    if version is None:
        version = generate_id("cv")
        await cache.set(VERSION_KEY, version, 7 * 24 * 3600)
    digest = hashlib.sha256(repr([request.url.path, *key_parts]).encode()).hexdigest()
    key = f"euryale:catalog:{version}:{digest}"
    body = await cache.get(key)
    if isinstance(body, str):
        return Response(content=body, media_type="application/json")
    result = await produce()
    rendered = dumps(result).decode()
    await cache.set(key, rendered, TTL)
    return Response(content=rendered, media_type="application/json")
