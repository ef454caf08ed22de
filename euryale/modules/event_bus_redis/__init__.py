"""Durable event bus on Redis Streams: at-least-once delivery across processes.

Layout (every key under the configured prefix):
- `<p>events:stream:<concern>`: the events (`events` by default; `options.streams` routes name patterns such as
  `{"notification.*": "notifications"}` to their own stream so one busy concern cannot starve the others);
- one consumer group per subscriber id on each stream: every subscriber sees every event once, whatever the
  number of worker replicas; each replica is a consumer of the group;
- `<p>events:attempts:<subscriber>` (hash: message id → failed attempts) and `<p>events:dead` (dead-letter stream);
- `<p>events:staging:<group>` (list): events emitted with a group id, until released or cleared.

A handler that raises is retried with exponential backoff up to `max_attempts`, then dead-lettered. Messages of
a killed worker stay pending and are taken over (XAUTOCLAIM) once idle longer than `visibility_timeout_ms`;
live workers keep their in-flight messages fresh with a heartbeat (XCLAIM JUSTID). Retention is bounded by
count (`maxlen`, approximate XADD MAXLEN) and age (`max_age_s`, XTRIM MINID).
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import structlog
from redis.exceptions import ResponseError

from euryale.events import Event, Handler
from euryale.redis_claims import redis_client

log = structlog.get_logger("euryale.events.redis")

DEFAULT_STREAM = "events"


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=str)


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass
class _Subscriber:
    id: str
    patterns: list[str]
    handlers: list[Handler] = field(default_factory=list)

    def matches(self, name: str) -> bool:
        return any(p == "*" or p == name or fnmatch.fnmatchcase(name, p) for p in self.patterns)


class _Acks:
    """Acknowledgements of one consumer group's handled messages, sent together: one XACK carries every message
    handled while the previous one was on its way (one round trip per message was ~40% of a busy consumer's CPU).

    A message stays in flight (its idle time refreshed by the heartbeat) until its XACK is answered; one that never
    is (the process dies, Redis fails) stays pending and is delivered again: at least once, as before.
    """

    def __init__(self, redis: Any, stream: str, group: str, inflight: set[bytes]) -> None:
        self.redis = redis
        self.stream = stream
        self.group = group
        self.inflight = inflight
        self.ids: list[bytes] = []
        self.waiting = asyncio.Event()

    def add(self, mid: bytes) -> None:
        self.ids.append(mid)
        self.waiting.set()

    async def run(self) -> None:
        while True:
            await self.waiting.wait()
            await self.flush()

    async def flush(self) -> None:
        self.waiting.clear()
        ids, self.ids = self.ids, []
        if not ids:
            return
        try:
            await self.redis.xack(self.stream, self.group, *ids)
        except asyncio.CancelledError:
            self.ids[:0] = ids  # sent or not, the final flush sends them again (XACK is idempotent)
            raise
        except Exception as exc:  # left pending: reclaimed and handled again after the visibility timeout
            log.warning("event acknowledgement failed", subscriber=self.group, count=len(ids), error=str(exc))
        self.inflight.difference_update(ids)


class RedisEventBus:
    """Implements the `EventBus` protocol; `start_consumers()` runs this process's subscribers (worker mode)."""

    def __init__(self, url: str, *, prefix: str = "", mode: str = "shared", max_attempts: int = 3,
                 backoff_ms: int = 200, max_backoff_ms: int = 30_000, visibility_timeout_ms: int = 30_000,
                 maxlen: int = 100_000, max_age_s: int = 7 * 24 * 3600, batch: int = 50, concurrency: int = 20,
                 block_ms: int = 1000, new_group_backfill_s: int = 600, staging_ttl_s: int = 600,
                 streams: dict[str, str] | None = None, redis_options: dict[str, Any] | None = None) -> None:
        self.url = url
        self.prefix = prefix
        self.mode = mode
        self.max_attempts = max(1, max_attempts)
        self.backoff_ms = backoff_ms
        self.max_backoff_ms = max_backoff_ms
        self.visibility_timeout_ms = visibility_timeout_ms
        self.maxlen = maxlen
        self.max_age_s = max_age_s
        self.batch = batch
        self.concurrency = concurrency
        self.block_ms = block_ms
        self.new_group_backfill_s = new_group_backfill_s
        self.staging_ttl_s = staging_ttl_s
        self.routes = dict(streams or {})
        # typed loosely: redis-py's stubs model decode_responses both ways and the stream replies as Optional
        self.redis: Any = redis_client(url, redis_options)
        self.consumer_name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._subscribers: dict[str, _Subscriber] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._inflight: dict[str, set[bytes]] = {}
        self._stopping = asyncio.Event()

    # ---------------------------------------------------------------- keys

    def stream_key(self, concern: str = DEFAULT_STREAM) -> str:
        return f"{self.prefix}events:stream:{concern}"

    @property
    def dead_key(self) -> str:
        return f"{self.prefix}events:dead"

    def _attempts_key(self, sub_id: str) -> str:
        return f"{self.prefix}events:attempts:{sub_id}"

    def _staging_key(self, group_id: str) -> str:
        return f"{self.prefix}events:staging:{group_id}"

    def concern_of(self, name: str) -> str:
        for pattern, concern in self.routes.items():
            if fnmatch.fnmatchcase(name, pattern):
                return concern
        return DEFAULT_STREAM

    def concerns(self) -> list[str]:
        return sorted({DEFAULT_STREAM, *self.routes.values()})

    # ---------------------------------------------------------------- producing

    @staticmethod
    def _fields(event: Event, only: str | None = None) -> dict[str, bytes | str]:
        fields: dict[str, bytes | str] = {"id": event.id, "name": event.name, "data": _dumps(event.data),
                                          "metadata": _dumps(event.metadata or {}),
                                          "emitted_at": str(time.time())}
        if only:
            fields["only"] = only
        return fields

    async def emit(self, events: Event | Sequence[Event], *, group_id: str | None = None) -> None:
        """Publish now (every process publishes, whatever it subscribes to), or stage under `group_id`."""
        batch = [events] if isinstance(events, Event) else list(events)
        if not batch:
            return
        if group_id:
            key = self._staging_key(group_id)
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.rpush(key, *[_dumps({"id": e.id, "name": e.name, "data": e.data, "metadata": e.metadata})
                                  for e in batch])
                pipe.expire(key, self.staging_ttl_s)
                await pipe.execute()
            return
        await self._xadd(batch)

    async def _xadd(self, batch: Sequence[Event], only: str | None = None) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for e in batch:
                pipe.xadd(self.stream_key(self.concern_of(e.name)), self._fields(e, only),
                          maxlen=self.maxlen, approximate=True)
            await pipe.execute()

    async def release_group(self, group_id: str) -> None:
        key = self._staging_key(group_id)
        raw = await self.redis.lrange(key, 0, -1)
        events = [Event(d["name"], d["data"], d.get("metadata") or {}, d["id"]) for d in map(orjson.loads, raw)]
        if events:
            await self._xadd(events)
        await self.redis.delete(key)

    async def clear_group(self, group_id: str) -> None:
        await self.redis.delete(self._staging_key(group_id))

    # ---------------------------------------------------------------- consuming

    def subscribe(self, names: str | Sequence[str], handler: Handler, *, subscriber_id: str | None = None) -> None:
        """Register `handler` under `subscriber_id` (one consumer group); runs once `start_consumers()` is called."""
        patterns = [names] if isinstance(names, str) else list(names)
        sub_id = subscriber_id or str(getattr(handler, "__qualname__", "handler")).replace(".", "-")
        sub = self._subscribers.setdefault(sub_id, _Subscriber(sub_id, []))
        sub.patterns.extend(p for p in patterns if p not in sub.patterns)
        sub.handlers.append(handler)

    async def start(self) -> None:
        """Nothing to consume until `start_consumers()`; producers connect lazily."""

    async def start_consumers(self) -> None:
        """Consume every registered subscriber's group (worker/shared mode only)."""
        if self.mode == "server":
            log.info("server mode: event subscribers do not run in this process")
            return
        self._stopping.clear()
        loop = asyncio.get_running_loop()
        for sub in self._subscribers.values():
            for concern in self.concerns():
                await self._ensure_group(self.stream_key(concern), sub.id)
                self._tasks.append(loop.create_task(self._consume(sub, self.stream_key(concern))))
        if self._subscribers:
            self._tasks.append(loop.create_task(self._maintenance()))

    async def _ensure_group(self, stream: str, group: str) -> None:
        # a new group starts a little in the past so events emitted just before the first worker booted count
        start = f"{max(0, int(time.time() * 1000) - self.new_group_backfill_s * 1000)}-0"
        try:
            await self.redis.xgroup_create(stream, group, id=start, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _consume(self, sub: _Subscriber, stream: str) -> None:
        sem = asyncio.Semaphore(self.concurrency)
        inflight = self._inflight.setdefault(f"{stream}|{sub.id}", set())
        heartbeat = asyncio.get_running_loop().create_task(self._heartbeat(sub.id, stream, inflight))
        acks = _Acks(self.redis, stream, sub.id, inflight)
        acking = asyncio.get_running_loop().create_task(acks.run())
        pending: set[asyncio.Task[None]] = set()
        failures = 0
        next_reclaim = 0.0
        try:
            while not self._stopping.is_set():
                try:
                    messages: list[tuple[bytes, dict[bytes, bytes]]] = []
                    reclaimed: set[bytes] = set()
                    if time.monotonic() >= next_reclaim:
                        next_reclaim = time.monotonic() + max(0.2, self.visibility_timeout_ms / 4000)
                        claimed = await self.redis.xautoclaim(stream, sub.id, self.consumer_name,
                                                              min_idle_time=self.visibility_timeout_ms,
                                                              start_id="0-0", count=self.batch)
                        messages.extend((mid, f) for mid, f in claimed[1] if f)
                        reclaimed.update(mid for mid, f in claimed[1] if f)
                        if claimed[1]:
                            log.info("reclaimed events of a dead consumer", subscriber=sub.id,
                                     count=len(claimed[1]))
                    if not messages:
                        free = max(1, min(self.batch, self.concurrency - len(pending)))
                        reply = await self.redis.xreadgroup(sub.id, self.consumer_name, {stream: ">"}, count=free,
                                                            block=self.block_ms)
                        for _stream, entries in reply or []:
                            messages.extend(entries)
                    failures = 0
                except Exception as exc:
                    if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
                        try:  # Redis lost its data (restart without persistence): recreate the group
                            await self._ensure_group(stream, sub.id)
                            continue
                        except Exception as again:
                            exc = again
                    failures += 1
                    log.warning("event stream unreachable", subscriber=sub.id, error=str(exc))
                    await asyncio.sleep(min(5.0, 0.2 * 2 ** min(failures, 5)))
                    continue
                # events this subscriber does not handle are acknowledged together, one XACK per read (no task
                # and no round trip each: every group reads every event of its stream)
                skipped = [mid for mid, fields in messages if not self._wanted(sub, fields)]
                if skipped:
                    try:
                        await self.redis.xack(stream, sub.id, *skipped)
                    except Exception as exc:  # left pending: reclaimed and skipped again after the timeout
                        log.warning("event stream unreachable", subscriber=sub.id, error=str(exc))
                    skip = set(skipped)
                    messages = [(mid, fields) for mid, fields in messages if mid not in skip]
                for mid, fields in messages:
                    await sem.acquire()
                    inflight.add(mid)
                    task = asyncio.get_running_loop().create_task(self._handle(
                        sub, stream, mid, fields, inflight, acks, redelivered=mid in reclaimed))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
                    task.add_done_callback(lambda _t: sem.release())
        finally:
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            acking.cancel()
            await asyncio.gather(acking, return_exceptions=True)
            await acks.flush()  # what the handlers finished last
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)

    @staticmethod
    def _wanted(sub: _Subscriber, fields: dict[bytes, bytes]) -> bool:
        """Whether `sub` handles the message: its name matches and it is not re-delivered to another one."""
        only = _s(fields.get(b"only", b""))
        return not (only and only != sub.id) and sub.matches(_s(fields.get(b"name", b"")))

    async def _heartbeat(self, group: str, stream: str, inflight: set[bytes]) -> None:
        """Reset the idle time of messages this consumer is still handling, so nobody reclaims them."""
        while True:
            await asyncio.sleep(max(0.1, self.visibility_timeout_ms / 3000))
            if inflight:
                try:
                    await self.redis.xclaim(stream, group, self.consumer_name, 0, list(inflight), justid=True)
                except Exception as exc:
                    log.warning("event heartbeat failed", error=str(exc))

    async def _handle(self, sub: _Subscriber, stream: str, mid: bytes, fields: dict[bytes, bytes],
                      inflight: set[bytes], acks: _Acks, *, redelivered: bool = False) -> None:
        acked = False
        try:
            only = _s(fields.get(b"only", b""))
            name = _s(fields.get(b"name", b""))
            if (only and only != sub.id) or not sub.matches(name):
                acks.add(mid)
                acked = True
                return
            event = Event(name, orjson.loads(fields.get(b"data", b"{}")), orjson.loads(fields.get(b"metadata", b"{}")),
                          _s(fields.get(b"id", b"")))
            attempts_key = self._attempts_key(sub.id)
            # only a reclaimed message can have failed attempts recorded (a first delivery skips the round trip)
            attempt = int(await self.redis.hget(attempts_key, mid) or 0) if redelivered else 0
            failed_before = attempt > 0
            while True:
                attempt += 1
                try:
                    for handler in sub.handlers:
                        await handler(event)
                    _metric("processed", event.name, sub.id, "ok")
                    break
                except Exception as exc:
                    _metric("processed", event.name, sub.id, "error")
                    await self.redis.hset(attempts_key, mid, attempt)
                    if attempt >= self.max_attempts:
                        log.error("subscriber failed; event dead-lettered", subscriber=sub.id, event_name=name,
                                  event_id=event.id, attempts=attempt, error=str(exc))
                        await self.redis.xadd(self.dead_key, {
                            "subscriber": sub.id, "stream": stream, "message_id": mid, "id": event.id,
                            "name": name, "data": fields.get(b"data", b"{}"),
                            "metadata": fields.get(b"metadata", b"{}"), "error": f"{type(exc).__name__}: {exc}",
                            "attempts": str(attempt), "failed_at": str(time.time())},
                            maxlen=self.maxlen, approximate=True)
                        break
                    delay = min(self.max_backoff_ms, self.backoff_ms * 2 ** (attempt - 1)) / 1000
                    log.warning("subscriber failed; retrying", subscriber=sub.id, event_name=name, event_id=event.id,
                                attempt=attempt, retry_in_s=delay, error=str(exc))
                    await asyncio.sleep(delay)
            if attempt > 1 or failed_before:
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.xack(stream, sub.id, mid)
                    pipe.hdel(attempts_key, mid)
                    await pipe.execute()
            else:
                acks.add(mid)  # with the other handlers' acknowledgements: the message stays in flight until then
                acked = True
        except asyncio.CancelledError:
            raise
        except Exception:
            # Redis failed under us: leave the message pending, it is reclaimed after the visibility timeout
            log.exception("event handling interrupted", subscriber=sub.id)
        finally:
            if not acked:
                inflight.discard(mid)

    async def _maintenance(self) -> None:
        """Age-bound the streams (count is bounded at XADD)."""
        while not self._stopping.is_set():
            try:
                min_id = f"{int((time.time() - self.max_age_s) * 1000)}-0"
                for concern in self.concerns():
                    await self.redis.xtrim(self.stream_key(concern), minid=min_id, approximate=True)
                await self.redis.xtrim(self.dead_key, minid=min_id, approximate=True)
            except Exception as exc:
                log.debug("stream trim failed", error=str(exc))
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=60)
            except TimeoutError:
                pass

    async def stop_consumers(self) -> None:
        """Stop reading; let in-flight handlers finish (their messages are acked)."""
        self._stopping.set()
        tasks, self._tasks = self._tasks, []
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def stop(self) -> None:
        await self.stop_consumers()
        await self.redis.aclose()

    # ---------------------------------------------------------------- operations

    async def stats(self) -> dict[str, Any]:
        """Backlog (entries not yet read), pending (read, not acked) and oldest pending age per subscriber."""
        out: dict[str, Any] = {"streams": {}, "dead_letters": int(await self.redis.xlen(self.dead_key))}
        now_ms = time.time() * 1000
        for concern in self.concerns():
            key = self.stream_key(concern)
            groups: dict[str, Any] = {}
            try:
                infos = await self.redis.xinfo_groups(key)
            except ResponseError:
                infos = []
            for info in infos:
                name = _s(info["name"])
                oldest_age = 0.0
                if int(info.get("pending", 0)):
                    summary = await self.redis.xpending(key, name)
                    lowest = summary.get("min")
                    if lowest:
                        oldest_age = max(0.0, (now_ms - int(_s(lowest).split("-")[0])) / 1000)
                groups[name] = {"backlog": int(info.get("lag") or 0), "pending": int(info.get("pending", 0)),
                                "oldest_pending_age_s": oldest_age}
            out["streams"][concern] = {"length": int(await self.redis.xlen(key)) if await self.redis.exists(key)
                                       else 0, "subscribers": groups}
        return out

    async def failed(self, limit: int = 100) -> list[dict[str, Any]]:
        """Dead-lettered deliveries, oldest first."""
        entries = await self.redis.xrange(self.dead_key, count=limit)
        return [{"dead_id": _s(mid), **{_s(k): _s(v) for k, v in f.items()}} for mid, f in entries]

    async def retry(self, dead_ids: Sequence[str] | None = None) -> int:
        """Re-deliver dead-lettered events to the subscriber that failed them (only that one); all if no ids."""
        entries = await self.redis.xrange(self.dead_key) if not dead_ids else [
            e for d in dead_ids for e in await self.redis.xrange(self.dead_key, min=d, max=d)]
        count = 0
        for mid, f in entries:
            fields = {_s(k): v for k, v in f.items()}
            event = Event(_s(fields["name"]), orjson.loads(fields["data"]), orjson.loads(fields["metadata"]),
                          _s(fields["id"]))
            await self._xadd([event], only=_s(fields["subscriber"]))
            await self.redis.xdel(self.dead_key, mid)
            count += 1
        return count


def _metric(kind: str, event: str, subscriber: str, outcome: str) -> None:
    try:
        from euryale.metrics import EVENTS_PROCESSED

        EVENTS_PROCESSED.labels(event=event, subscriber=subscriber, outcome=outcome).inc()
    except Exception:  # metrics are optional; never fail a delivery on them
        pass


def load(container: Any, options: dict[str, Any]) -> RedisEventBus:
    pc = container.config.project_config
    url = options.get("redis_url") or options.get("redisUrl") or pc.redis_url
    if not url:
        from euryale.config import ConfigError

        raise ConfigError("modules[event_bus].options.redis_url", "REDIS_URL", "the Redis event bus needs a Redis URL",
                          "set REDIS_URL or options.redis_url")
    keys = ("max_attempts", "backoff_ms", "max_backoff_ms", "visibility_timeout_ms", "maxlen", "max_age_s", "batch",
            "concurrency", "block_ms", "new_group_backfill_s", "staging_ttl_s", "streams")
    return RedisEventBus(url, prefix=options.get("prefix", pc.redis_prefix), mode=container.mode,
                         redis_options=options.get("redis_options") or pc.redis_options or None,
                         **{k: options[k] for k in keys if k in options})
