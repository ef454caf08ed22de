"""Response cache for hot store catalog reads, used only with a shared (Redis) cache.

Keys carry a catalog version that every admin catalog write bumps (after its transaction), so a change is seen by
the next read of every process; the TTL bounds what no write announces (price list dates). Responses that depend on
stock (`inventory_quantity`) or on the customer are never cached.

With a read replica, a version also carries the primary's WAL position once the write that made it had committed
(`<id>@<X/Y>`), and a response is produced for it on the replica only once the replica has replayed that far
(`euryale.db.replica.REPLICA_FLOOR`): the new version's entry is never filled with the catalog before the write.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request
from starlette.responses import Response

from euryale.cache import CATALOG_VERSION_KEY
from euryale.db.replica import REPLICA_FLOOR, lsn_value
from euryale.http.json import dumps
from euryale.ids import generate_id

VERSION_KEY = CATALOG_VERSION_KEY
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
        await _new_version(container, cache)


async def _new_version(container: Any, cache: Any) -> str:
    """A new catalog version, set in the shared cache (with the primary's WAL position when there is a replica)."""
    version = generate_id("cv")
    db = container.db
    if db is not None and db.replica is not None:
        version = f"{version}@{await db.primary_position()}"
    await cache.set(VERSION_KEY, version, 7 * 24 * 3600)
    return version


def _floor(version: str) -> int | None:
    """The WAL position a replica must have replayed to produce responses for `version`."""
    _, at, position = version.partition("@")
    return lsn_value(position) if at else None


async def bump_after_write(request: Request) -> AsyncIterator[None]:
    """Router dependency for admin catalog routes: a non-GET request bumps the version once it is handled."""
    yield
    if request.method != "GET":
        await bump_catalog_version(request.app.state.container)


class ResponseMemo:
    """This process's copy of cached catalog responses (bytes), in front of the shared cache.

    Entries are only served under the catalog version read from the shared cache on the same request, so a write
    that bumped the version is never answered from here; entries of an older version are dropped as soon as a newer
    one is seen, and the whole memo is bounded in bytes (least recently used out first) and by the shared TTL
    (expired entries leave as soon as they are the least recently used).
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.version: str | None = None
        self.size = 0
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.inflight: dict[str, asyncio.Future[bytes]] = {}

    def get(self, version: str, key: str) -> bytes | None:
        if version != self.version:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, version: str, key: str, body: bytes, ttl: float) -> None:
        if version != self.version:
            self._entries.clear()
            self.size = 0
            self.version = version
        if len(body) > self.max_bytes // 4:
            return
        self._drop(key)
        now = time.monotonic()
        # bodies nobody asked for within their TTL go as soon as they are the least recently used: the memo holds
        # what was served lately, not up to its bound of pages served once (~a TTL or two of traffic at most)
        while self._entries:
            oldest = next(iter(self._entries))
            if self._entries[oldest][0] >= now:
                break
            self._drop(oldest)
        self._entries[key] = (now + ttl, body)
        self.size += len(body)
        while self.size > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.size -= len(entry[1])


def _memo(request: Request) -> ResponseMemo:
    memo: ResponseMemo | None = getattr(request.app.state, "catalog_responses", None)
    if memo is None:
        memo = request.app.state.catalog_responses = ResponseMemo()
    return memo


async def cached_json(request: Request, key_parts: list[Any], produce: Callable[[], Awaitable[Any]]) -> Any:
    """The cached JSON response for `key_parts` (+ the catalog version), or `produce()` rendered and stored.

    One shared-cache read per hit (the version, which `store_context` may already have read); the body comes from this process's memo when it holds it for that
    version, else from the shared cache (raw bytes when the cache offers them), else it is produced.
    """
    cache = shared_cache(request.app.state.container)
    if cache is None:
        return await produce()
    # store_context read it with the publishable key, in the same round trip (this request: never stale)
    version = getattr(request.state, "catalog_version", None) or await cache.get(VERSION_KEY)
    if version is None:
        version = await _new_version(request.app.state.container, cache)
    digest = hashlib.sha256(repr([request.url.path, *key_parts]).encode()).hexdigest()
    memo = _memo(request)
    body = memo.get(version, digest)
    if body is not None:
        return Response(content=body, media_type="application/json")
    # one fill per key and process: when an entry expires under load, concurrent readers wait for the first
    # one's answer instead of each rendering the same page (the p99 spikes every TTL)
    flight = f"{version}:{digest}"
    while (pending := memo.inflight.get(flight)) is not None:
        try:
            return Response(content=await asyncio.shield(pending), media_type="application/json")
        except asyncio.CancelledError:
            if not pending.cancelled():
                raise  # this request was cancelled
            # the filling request was (its client left): fill it here
    future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    memo.inflight[flight] = future
    try:
        body = await _fill(cache, memo, version, digest, produce)
    except Exception as exc:  # a 404 or a failure: the waiters answer the same
        future.set_exception(exc)
        future.exception()  # retrieved here: no "never retrieved" warning when nobody waited
        raise
    except BaseException:
        future.cancel()
        raise
    else:
        future.set_result(body)
    finally:
        memo.inflight.pop(flight, None)
    return Response(content=body, media_type="application/json")


async def _fill(cache: Any, memo: ResponseMemo, version: str, digest: str,
                produce: Callable[[], Awaitable[Any]]) -> bytes:
    """The body from the shared cache, or produced, rendered and stored there; kept in the memo either way."""
    # raw bytes: not the JSON-encoded strings earlier releases stored under `euryale:catalog:` (rolling deploys)
    raw = hasattr(cache, "get_bytes")
    key = f"euryale:catalog-body:{version}:{digest}" if raw else f"euryale:catalog:{version}:{digest}"
    stored = await (cache.get_bytes(key) if raw else cache.get(key))
    if isinstance(stored, (bytes, str)):
        body = stored.encode() if isinstance(stored, str) else stored
    else:
        floor = REPLICA_FLOOR.set(_floor(version))
        try:
            body = dumps(await produce())
        finally:
            REPLICA_FLOOR.reset(floor)
        await (cache.set_bytes(key, body, TTL) if raw else cache.set(key, body.decode(), TTL))
    # the memo keeps it at most as long as the shared cache does (price list dates are not announced by writes)
    memo.put(version, digest, body, TTL)
    return body
