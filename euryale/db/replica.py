"""Read-replica routing: which store catalog reads a PostgreSQL streaming replica may answer.

A replica replays the primary's WAL some time after each commit. Reads that must see the request's own writes (a
cart after adding to it, the workflow engine's executions, auth, every admin read) never go there: only store
catalog reads do (`Database.catalog`), and only while :class:`ReplicaMonitor` finds the replica close behind.

The monitor samples the primary's WAL position and the replica's replay position a few times a second. The replica
serves while it has replayed everything the primary had written `max_lag` seconds earlier; a replica that stops
answering, or falls further behind, is left until it catches up again, and its reads go to the primary meanwhile.

A read the replica fails under (`replica_failure`: its connection dropped, a replay conflict cancelled it) runs
again on the primary (`Database.catalog`).

A read URL that leads to another cluster than the primary's (its system identifier differs: not a physical
standby of it) never serves: its catalog could be anything. `euryale doctor` reports it, and a replica without
`hot_standby_feedback`.

A read may also ask for a floor (:data:`REPLICA_FLOOR`): a WAL position the replica must have replayed for its
answer to be used. The catalog response cache sets it while filling an entry under a catalog version that a write
bumped (the version carries the primary's WAL position after that write): without it a lagging replica could fill
the new version's entry with the catalog as it was before the write, and every process would serve that until
the next write.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from contextvars import ContextVar

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = structlog.get_logger(__name__)

# the WAL position a catalog read's replica must have replayed (None: any replica the monitor accepts)
REPLICA_FLOOR: ContextVar[int | None] = ContextVar("euryale_replica_floor", default=None)

# a server's identity (shared by a primary and its physical standbys) and how far it has replayed; one that is not
# in recovery is read as the primary itself (a read URL through another host or pooler)
_SAMPLE = text("SELECT (SELECT system_identifier FROM pg_control_system()), (CASE WHEN pg_is_in_recovery() "
               "THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text")


# SQLSTATEs of a replica failing a read under it: its connection lost (08...), a replay conflict (40001), the
# standby shutting down or starting (57P01-57P03)
_FAILURE_STATES = ("40001", "57P01", "57P02", "57P03")


def replica_failure(exc: BaseException) -> bool:
    """Whether `exc` (raised by a read on the replica) is the replica failing rather than the read being wrong."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "connection_invalidated", False) or isinstance(current, (OSError, ConnectionError)):
            return True
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str) and (state.startswith("08") or state in _FAILURE_STATES):
            return True
        if type(current).__name__ in ("ConnectionDoesNotExistError", "InterfaceError", "InternalClientError"):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def lsn_value(lsn: str) -> int:
    """PostgreSQL's `X/Y` WAL position as one comparable integer."""
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


async def _sample(engine: AsyncEngine) -> tuple[int, str | None]:
    """(system identifier, WAL position replayed or written) of the server behind `engine`."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        system, position = (await conn.execute(_SAMPLE)).one()
        return int(system), position


async def primary_position(engine: AsyncEngine) -> str:
    """The primary's current WAL position (`X/Y`): everything committed before this call lies at or before it."""
    return str((await _sample(engine))[1])


class ReplicaMonitor:
    """Whether the replica may answer store catalog reads, from periodic samples of both servers' WAL positions.

    Started by the first catalog read of the process (a worker, which serves none, never probes) and stopped with
    the database. Until its first sample, and whenever a sample fails, the replica serves nothing.
    """

    def __init__(self, primary: AsyncEngine, replica: AsyncEngine, *, max_lag: float, interval: float = 0.25
                 ) -> None:
        self.primary = primary
        self.replica = replica
        self.max_lag = max_lag
        self.interval = interval
        self.replayed: int | None = None  # the replica's replay position at the last sample
        self.lag_bytes: int | None = None  # how far that was behind the primary's position sampled just before
        self.usable = False
        self.foreign = False  # the read URL leads to another cluster than the primary's
        self._samples: deque[tuple[float, int]] = deque()  # (monotonic time, primary position), oldest first
        self._task: asyncio.Task[None] | None = None

    def serves(self, floor: int | None) -> bool:
        """Whether a read that needs the replica to have replayed `floor` (None: nothing in particular) may go
        there now."""
        self.ensure_running()
        if not self.usable:
            return False
        return floor is None or (self.replayed is not None and self.replayed >= floor)

    def failed(self, exc: BaseException) -> None:
        """A read could not reach the replica: nothing goes there until a sample succeeds again."""
        if self.usable:
            log.warning("read replica unreachable, reading from the primary", error=str(exc))
        self.usable = False

    async def lost(self, exc: BaseException) -> None:
        """The replica failed under a read or a sample: nothing goes there until a sample succeeds again, and its
        pooled connections are dropped (after a restart they would fail the first reads once it is back)."""
        self.failed(exc)
        await self.replica.dispose()

    def ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="euryale-replica-monitor")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            await self.sample()
            await asyncio.sleep(self.interval)

    async def sample(self) -> None:
        """One sample of both positions, and the verdict it gives."""
        try:
            primary_system, primary_text = await _sample(self.primary)
            now = time.monotonic()
            replica_system, replayed_text = await _sample(self.replica)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any failure of either server: the replica serves nothing
            await self.lost(exc)
            return
        if replica_system != primary_system:
            if not self.foreign:
                log.error("DATABASE_READ_URL is not a replica of DATABASE_URL (another system identifier): "
                          "catalog reads stay on the primary", primary=primary_system, replica=replica_system)
            self.foreign = True
            self._set_usable(False)
            return
        self.foreign = False
        primary = lsn_value(str(primary_text))
        self._samples.append((now, primary))
        # keep the newest sample at least max_lag old, and every newer one
        while len(self._samples) > 1 and self._samples[1][0] <= now - self.max_lag:
            self._samples.popleft()
        if replayed_text is None:  # a standby that has not replayed anything since it started
            self.replayed, self.lag_bytes = None, None
            self._set_usable(False)
            return
        self.replayed = lsn_value(str(replayed_text))
        self.lag_bytes = max(0, primary - self.replayed)
        # the primary's position max_lag ago (or the oldest known while the monitor is younger than that)
        self._set_usable(self.replayed >= self._samples[0][1])

    def _set_usable(self, usable: bool) -> None:
        if usable != self.usable:
            log.info("read replica " + ("in use" if usable else "behind: reading from the primary"),
                     lag_bytes=self.lag_bytes, max_lag_s=self.max_lag)
        self.usable = usable
