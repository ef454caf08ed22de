"""Near cache: process-local copies of a few small, hot Redis keys, kept coherent by Redis's client-side caching.

Every store request reads its publishable key's lookup and the catalog version from Redis (`store_context`): one
MGET round trip, ~4% of the event loop's CPU on a checkout and more on a cart write (issue 7). Those values change
rarely (a key revoked, a catalog write), so each process keeps a copy and Redis says when to drop it:

- one connection of our own asks Redis to track every key under the given prefixes (`CLIENT TRACKING ON BCAST
  PREFIX ...`), with the invalidations redirected to itself, then subscribes to them (`__redis__:invalidate`);
  Redis then pushes the name of each such key that changes, is deleted or expires, whoever changed it;
- a pushed name drops the local copy in the read callback of that connection (no task in between), a flush drops
  them all; each invalidation bumps `generation`, and a value read from Redis is kept only if no invalidation came
  during the read (else a value read before a change could outlive the change's invalidation);
- the copies are used only while that connection is up: when it drops (or misses two heartbeats: a PING a second),
  every copy is dropped at once, reads go to Redis as before, and it reconnects in the background;
- a copy also expires after `max_age` seconds (the keys' own TTL in Redis), a bound for the unforeseen.

Ordering: Redis queues a key's invalidation while it runs the command that changes it, before that command's reply,
and sends both in the same pass; the writer's reply, then its HTTP answer, then a client's next request to another
process all follow, and that process's event loop reads the invalidation (ready first) before the request. A write
through this process's own `RedisCache` also drops the copy directly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any, cast

import hiredis
import structlog
from redis.asyncio.connection import SSLConnection, UnixDomainSocketConnection, parse_url

from euryale import metrics

log = structlog.get_logger("euryale.cache.near")

MISS: Any = object()  # `get`'s answer when there is no usable copy (None is a value: a key known to be absent)
CHANNEL = b"__redis__:invalidate"
HEARTBEAT_S = 1.0


def _command(*parts: Any) -> bytes:
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        raw = part if isinstance(part, bytes) else str(part).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(out)


class _Link(asyncio.Protocol):
    """The tracking connection: replies to the set-up commands in order, then pushed messages."""

    def __init__(self, near: NearCache) -> None:
        self.near = near
        self.reader = hiredis.Reader()
        self.transport: asyncio.Transport | None = None
        self.replies: list[asyncio.Future[Any]] = []
        self.subscribed = False
        self.pong_waiters: list[asyncio.Future[None]] = []
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio.Transport subclasses

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while (message := self.reader.gets()) is not False:
            if self.subscribed and isinstance(message, list) and message:
                kind = message[0]
                if kind == b"message" and len(message) == 3 and message[1] == CHANNEL:
                    self.near._invalidate(message[2])
                elif kind == b"pong":
                    if self.pong_waiters:
                        waiter = self.pong_waiters.pop(0)
                        if not waiter.done():
                            waiter.set_result(None)
                continue
            if self.replies:
                reply = self.replies.pop(0)
                if not reply.done():
                    reply.set_result(message)

    def connection_lost(self, exc: Exception | None) -> None:
        for reply in self.replies:
            if not reply.done():
                reply.set_exception(ConnectionError("near cache connection lost"))
        for waiter in self.pong_waiters:  # nothing is held any more: nothing to wait for
            if not waiter.done():
                waiter.set_result(None)
        self.replies.clear()
        self.pong_waiters.clear()
        if not self.lost.done():
            self.lost.set_result(None)
        if self.near._link is self:  # not a link already replaced by a newer connection
            self.near._down()

    def ping(self) -> asyncio.Future[None]:
        """Send a PING; the future resolves with its pong (pongs answer PINGs in order, after every message Redis
        queued before it), or when the connection is lost."""
        assert self.transport is not None
        pong: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pong_waiters.append(pong)
        self.transport.write(_command("PING"))
        return pong

    async def call(self, *parts: Any) -> Any:
        assert self.transport is not None
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.replies.append(reply)
        self.transport.write(_command(*parts))
        result = await asyncio.wait_for(reply, 5)
        if isinstance(result, hiredis.ReplyError):
            raise TrackingRefused(str(result))
        return result


class TrackingRefused(Exception):
    """Redis answered a set-up command with an error (an old server, an ACL without CLIENT): no retry."""


class NearCache:
    """Local copies of the Redis keys under `prefixes` (full key names), valid while Redis tracks them for us."""

    def __init__(self, url: str, prefixes: Sequence[str], *, max_age: float = 30.0, max_entries: int = 10_000) -> None:
        self.url = url
        self.prefixes = tuple(prefixes)
        self.max_age = max_age
        self.max_entries = max_entries
        self.live = False
        self.generation = 0
        self.hits = 0
        self.client_id: int | None = None  # of the tracking connection, while it is up
        self._entries: dict[str, tuple[Any, float]] = {}
        self._task: asyncio.Task[None] | None = None
        self._link: _Link | None = None
        metrics.track_near_cache(self)

    # ------------------------------------------------------------------ reads

    def covers(self, key: str) -> bool:
        return key.startswith(self.prefixes)

    def get(self, key: str) -> Any:
        """The local copy of `key`, or MISS (not live, no copy, or the copy is older than `max_age`)."""
        if not self.live:
            return MISS
        entry = self._entries.get(key)
        if entry is None or entry[1] < time.monotonic():
            return MISS
        self.hits += 1
        return entry[0]

    def put(self, key: str, value: Any, generation: int) -> None:
        """Keep `value`, read from Redis when `generation` was current, unless an invalidation came since."""
        if self.live and generation == self.generation and len(self._entries) < self.max_entries:
            self._entries[key] = (value, time.monotonic() + self.max_age)

    def drop(self, key: str | None = None) -> None:
        """Forget `key` (every copy when None): a write made through this process."""
        self.generation += 1
        if key is None:
            self._entries.clear()
        else:
            self._entries.pop(key, None)

    def _invalidate(self, keys: Any) -> None:
        if keys is None:  # FLUSHDB / FLUSHALL
            self.drop()
            return
        self.generation += 1
        for key in keys:
            self._entries.pop(key.decode() if isinstance(key, bytes) else str(key), None)

    def _down(self) -> None:
        if self.live:
            log.warning("near cache off until Redis tracking is back", url=_redacted(self.url))
        self.live = False
        self.client_id = None
        self.drop()

    async def sync(self) -> None:
        """Return once every invalidation Redis queued before now has been applied: a PING on the tracking
        connection, answered after them (a no-op while not live)."""
        link = self._link
        if not self.live or link is None or link.transport is None:
            return
        await asyncio.wait_for(link.ping(), 5)

    # ------------------------------------------------------------------ connection

    def start(self) -> None:
        """Connect in the background (reads go to Redis until tracking is on); idempotent."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="near-cache")

    async def stop(self) -> None:
        self.live = False  # a stop, not an outage: nothing to warn about
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._link is not None and self._link.transport is not None:
            self._link.transport.close()
        self.live = False
        self._entries.clear()

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self._serve()
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except TrackingRefused as exc:
                log.warning("near cache off: Redis refused client tracking", error=str(exc))
                self._down()
                return
            except Exception as exc:  # Redis down: reads stay on Redis, retry later
                log.info("near cache connection failed", error=str(exc), retry_in=backoff)
            self._down()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    async def _serve(self) -> None:
        """One connection's life: set tracking up, go live, heartbeat until it is lost."""
        loop = asyncio.get_running_loop()
        params = parse_url(self.url)
        kind = params.get("connection_class")
        if kind is UnixDomainSocketConnection:
            _, link = await loop.create_unix_connection(lambda: _Link(self), params["path"])
        else:
            _, link = await asyncio.wait_for(loop.create_connection(
                lambda: _Link(self), params.get("host", "127.0.0.1"), params.get("port", 6379),
                ssl=True if kind is SSLConnection else None), 5)
        self._link = link
        try:
            if params.get("password"):
                await link.call("AUTH", *([params["username"]] if params.get("username") else []),
                                params["password"])
            client_id = await link.call("CLIENT", "ID")
            prefixes = [part for prefix in self.prefixes for part in ("PREFIX", prefix)]
            await link.call("CLIENT", "TRACKING", "ON", "REDIRECT", client_id, "BCAST", *prefixes)
            self.client_id = int(client_id)
            confirmed = await link.call("SUBSCRIBE", CHANNEL)
            if not (isinstance(confirmed, list) and confirmed[:1] == [b"subscribe"]):
                raise ConnectionError(f"near cache: unexpected answer to SUBSCRIBE: {confirmed!r}")
            link.subscribed = True
            self.drop()
            self.live = True
            log.debug("near cache live", prefixes=self.prefixes)
            while not link.lost.done():
                beat = link.ping()
                await asyncio.wait([beat, link.lost], timeout=2 * HEARTBEAT_S)
                if link.lost.done():
                    break
                if not beat.done():
                    raise ConnectionError("near cache: Redis stopped answering")
                await asyncio.wait([link.lost], timeout=HEARTBEAT_S)
        finally:
            self._down()
            if link.transport is not None:
                link.transport.close()


def _redacted(url: str) -> str:
    head, sep, tail = url.rpartition("@")
    return f"{head.split('://')[0]}://***@{tail}" if sep else url
