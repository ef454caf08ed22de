"""Outbox relay: publishes committed `event_outbox` rows to the event bus and marks them `published_at`.

Woken right after a transaction that staged events commits (`Database.on_commit`), and polling every
`poll_interval` seconds for anything left behind (a crash between commit and publish, the bus being down).
Several processes may relay at once: each batch is claimed with `FOR UPDATE SKIP LOCKED`, and a batch whose
publish fails is rolled back and retried with backoff, so a row is marked only after the bus accepted it
(at-least-once: a crash between publish and mark re-publishes, handlers deduplicate by event id).
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from sqlalchemy import text

from euryale.events import Event, EventBus

log = structlog.get_logger("euryale.events.relay")

# claims and marks the batch in one statement: the mark commits only if the bus accepted the batch (the publish
# runs before COMMIT, a failure rolls it back), as a separate UPDATE after the publish did, one round trip fewer
# per batch (the server relays after nearly every write: ~10 batches per checkout flow)
_CLAIM_AND_MARK = text("""
    WITH batch AS (
        SELECT id FROM event_outbox
        WHERE published_at IS NULL AND held = false
        ORDER BY seq LIMIT :limit FOR UPDATE SKIP LOCKED)
    UPDATE event_outbox o SET published_at = now() FROM batch WHERE o.id = batch.id
    RETURNING o.id, o.seq, o.name, o.data, o.metadata""")
_PURGE = text("DELETE FROM event_outbox WHERE published_at < now() - make_interval(secs => :age)")


class OutboxRelay:
    """One per process; `start()` hooks the database's commit listener and runs the publish loop."""

    def __init__(self, db: Any, bus: EventBus, *, batch: int = 500, poll_interval: float = 1.0,
                 max_backoff: float = 10.0, keep_published_s: int = 24 * 3600,
                 min_batch_interval: float = 0.05) -> None:
        self.db = db
        self.bus = bus
        self.batch = batch
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.keep_published_s = keep_published_s
        # a batch costs ~1.5 ms of the server's CPU whatever its size: under load, commits arriving within this
        # interval of the previous batch wait for it and go out together (a sparse event still goes out at once).
        # 50 ms: at most 20 batches/s (a checkout flow stages ~9 events); subscribers see an event at most that much
        # later than at once
        self.min_batch_interval = min_batch_interval
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._hooked = False
        self.published = 0

    def _on_commit(self, staged: list[Any]) -> None:
        self._wake.set()

    def start(self) -> None:
        if not self._hooked:
            self.db.on_commit(self._on_commit)
            self._hooked = True
        if self._task is None:
            self._stopping = False
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Publish what is pending (best effort), then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            await self.publish_pending()
        except Exception as exc:
            log.warning("outbox relay could not drain on stop", error=str(exc))

    async def publish_pending(self) -> int:
        """Publish every publishable row now; returns how many were published."""
        total = 0
        while True:
            n = await self._publish_batch()
            total += n
            if n < self.batch:
                return total

    async def _publish_batch(self) -> int:
        async with self.db.engine.begin() as conn:
            rows = sorted((await conn.execute(_CLAIM_AND_MARK, {"limit": self.batch})).all(), key=lambda r: r.seq)
            if not rows:
                return 0
            events = [Event(r.name, r.data, r.metadata or {}, r.id) for r in rows]
            await self.bus.emit(events)  # raises if the bus is down: the rollback unmarks the rows for later
        self.published += len(rows)
        _count(events)
        return len(rows)

    async def _loop(self) -> None:
        failures = 0
        ticks = 0
        loop = asyncio.get_running_loop()
        last = -self.min_batch_interval
        while not self._stopping:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            except TimeoutError:
                pass
            early = last + self.min_batch_interval - loop.time()
            if early > 0 and not self._stopping:
                await asyncio.sleep(early)
            last = loop.time()
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self.publish_pending()
                failures = 0
                ticks += 1
                if ticks % 600 == 1:
                    async with self.db.engine.begin() as conn:
                        await conn.execute(_PURGE, {"age": float(self.keep_published_s)})
            except Exception as exc:
                failures += 1
                delay = min(self.max_backoff, 0.1 * 2 ** min(failures, 10))
                log.warning("outbox relay cannot publish; will retry", error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                self._wake.set()


def _count(events: list[Event]) -> None:
    try:
        from euryale.metrics import EVENTS_PUBLISHED

        for e in events:
            EVENTS_PUBLISHED.labels(event=e.name).inc()
    except Exception:  # metrics never break publishing
        pass
