"""The process's database handle: an async SQLAlchemy engine on asyncpg, and transaction helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util.concurrency import await_, greenlet_spawn

from euryale.db.compiled import DEFERRED_WRITES
from euryale.db.direct import flush_later
from euryale.db.replica import REPLICA_FLOOR, ReplicaMonitor, primary_position, replica_failure

T = TypeVar("T")


def _json_dumps(value: Any) -> str:
    # workflow checkpoints may hold step outputs keyed by non-str keys (ints, enums): JSON object keys are text
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


# connections one process keeps (`database_driver_options={"pool": {"max": N, "overflow": M}}`)
DEFAULT_POOL_MAX = 20


def _run_queued_writes_first(engine: AsyncEngine) -> None:
    """Writes queued on a connection of `engine` (`euryale.db.direct.update_later`) run before the next statement
    that goes through SQLAlchemy and before the commit, so that statement sees them and the commit includes them
    (SQLAlchemy's events run inside the greenlet of the async call: `await_` may wait there); a rollback drops
    them."""
    def flush(conn: Connection, *_: Any) -> None:
        if conn.info.get(DEFERRED_WRITES):
            await_(flush_later(AsyncConnection(engine, conn)))

    def drop(conn: Connection) -> None:
        conn.info.pop(DEFERRED_WRITES, None)

    event.listen(engine.sync_engine, "before_cursor_execute", flush)
    event.listen(engine.sync_engine, "commit", flush)
    event.listen(engine.sync_engine, "rollback", drop)


def _autocommit_connection(engine: AsyncEngine) -> Connection:
    """A pooled connection set to AUTOCOMMIT (runs inside a greenlet: the pool may wait for a free connection)."""
    conn = engine.sync_engine.connect()
    try:
        conn.execution_options(isolation_level="AUTOCOMMIT")
    except BaseException:
        conn.close()
        raise
    return conn


def _idle(conn: AsyncConnection) -> bool:
    """Whether returning `conn` to the pool does no I/O: no transaction open on it (the reset's rollback is then a
    no-op on the asyncpg adapter) and not invalidated."""
    sync = conn.sync_connection
    if sync is None or sync.closed or sync.invalidated:
        return False
    adapted = sync.connection.dbapi_connection
    driver = getattr(adapted, "_connection", None)
    return (driver is not None and getattr(adapted, "_transaction", False) is None
            and not driver.is_in_transaction())


async def _close(conn: AsyncConnection) -> None:
    """Hand `conn` back to its pool: in one greenlet step when that does no I/O, else through SQLAlchemy's
    shielded close (safe against a cancellation in the middle of the rollback)."""
    if _idle(conn):
        sync = conn.sync_connection
        assert sync is not None
        await greenlet_spawn(sync.close)
    else:
        await conn.__aexit__(None, None, None)


class RequestConnections:
    """The read connection one HTTP request's read blocks pass on to each other.

    A store GET checks its publishable key in a read block, then reads its page in another: two pool checkouts
    and returns (~50 us of CPU each). The key's block may leave its connection here (`read(keep=True)`) for the
    request's next read block, which takes it instead of checking one out. Whatever is left when the request ends
    goes back to the pool (`release`, by the request middleware), and a transaction block releases it first, so a
    request never holds more connections at once than it did without this.
    """

    __slots__ = ("kept",)

    def __init__(self) -> None:
        self.kept: AsyncConnection | None = None

    def take(self, engine: AsyncEngine) -> AsyncConnection | None:
        conn = self.kept
        if conn is None or conn.engine is not engine:
            return None
        self.kept = None
        return conn

    async def release(self) -> None:
        conn, self.kept = self.kept, None
        if conn is not None:
            await _close(conn)


# set for the duration of each HTTP request by euryale.http.middleware.RequestMiddleware
REQUEST_CONNECTIONS: ContextVar[RequestConnections | None] = ContextVar("euryale_request_connections",
                                                                       default=None)


class Database:
    """Owns the engine (and an optional read-replica engine for store catalog reads)."""

    def __init__(
        self,
        url: str,
        *,
        read_url: str | None = None,
        read_max_lag: float = 5.0,
        schema: str = "public",
        echo: bool = False,
        pool_size: int = DEFAULT_POOL_MAX,
        max_overflow: int = 0,
        statement_cache: bool = True,
        driver_options: dict[str, Any] | None = None,
    ) -> None:
        self.url = url
        connect_args: dict[str, Any] = {"server_settings": {"search_path": schema, "application_name": "euryale"}}
        if not statement_cache:
            # behind a transaction-mode PgBouncer: it cannot keep prepared statements across transactions, and it
            # refuses a connection that sends `search_path` ("unsupported startup parameter"); the schema comes
            # from the role's or database's own search_path then (`euryale doctor` checks it)
            connect_args["statement_cache_size"] = 0
            connect_args["prepared_statement_cache_size"] = 0
            del connect_args["server_settings"]["search_path"]
        else:
            # asyncpg prepares a statement longer than 15 KiB again on every execution (parse + plan each time);
            # the hot reads compiled once (euryale.db.compiled) embed their relations and can approach that size
            connect_args["max_cacheable_statement_size"] = 64 * 1024
        connect_args.update((driver_options or {}).get("connect_args", {}))
        # `pool_size` connections are opened on demand and then kept: an overflow connection is closed as soon as
        # it is returned, so under a steady concurrency above the pool size every request paid for a new backend
        # (fork, asyncpg's type introspection, every statement prepared again): product detail 320 -> 446 req/s at
        # concurrency 16 once the 10 + 10 default became 20 + 0. Callers beyond the cap wait for a connection.
        kwargs: dict[str, Any] = {
            "echo": echo,
            "pool_size": pool_size,
            "max_overflow": max_overflow,
            "pool_pre_ping": False,
            "json_serializer": _json_dumps,
            "json_deserializer": orjson.loads,
            "connect_args": connect_args,
        }
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self.read_engine: AsyncEngine = self.engine
        self.replica: ReplicaMonitor | None = None
        if read_url:
            # a replica that stops answering must not hold requests for asyncpg's 60 s default: its reads go to
            # the primary instead (`catalog_read`)
            replica_args = {**connect_args, "timeout": connect_args.get("timeout", 2)}
            self.read_engine = create_async_engine(read_url, **{**kwargs, "connect_args": replica_args})
            self.replica = ReplicaMonitor(self.engine, self.read_engine, max_lag=read_max_lag)
        self._commit_listeners: list[Callable[[list[Any]], None]] = []
        _run_queued_writes_first(self.engine)

    def on_commit(self, listener: Callable[[list[Any]], None]) -> None:
        """Call `listener(staged_events)` after each transaction that staged outbox events commits."""
        self._commit_listeners.append(listener)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction: committed on success, rolled back on any exception."""
        shared = REQUEST_CONNECTIONS.get()
        if shared is not None:
            await shared.release()
        async with self.engine.begin() as conn:
            # conn.info lives on the pooled DBAPI connection: start clean so no stale staged event leaks in
            conn.info.pop("staged_events", None)
            conn.info.pop(DEFERRED_WRITES, None)
            try:
                yield conn
            finally:
                staged = conn.info.pop("staged_events", None)
        # reached only once the commit succeeded: wake the outbox relay
        if staged is not None:
            for listener in self._commit_listeners:
                listener(staged)

    @asynccontextmanager
    async def write_aside(self, conn: AsyncConnection) -> AsyncIterator[AsyncConnection]:
        """A connection for a small write a read block makes while it holds `conn` (a store document, a listing
        count): `conn` itself when it is an autocommit connection of the primary (the write commits on its own
        statement), else a transaction on the primary (a read replica's connection cannot write).

        Not a second checkout from the pool `conn` came from: when a burst of reads (after a catalog write) holds
        every pooled connection and each waits for a second one, none is ever returned (a circular wait until the
        pool's timeout)."""
        sync = conn.sync_connection
        if (conn.engine is self.engine and sync is not None
                and sync.get_execution_options().get("isolation_level") == "AUTOCOMMIT"):
            yield conn
            return
        async with self.transaction() as primary:
            yield primary

    def read(self, *, keep: bool = False) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for reads, on the primary: it sees every write committed before it was asked for.

        Autocommit: under READ COMMITTED each statement reads its own snapshot inside a transaction too, so the
        BEGIN and the ROLLBACK that closed every read block were two round trips for nothing.

        Every store request takes one or two of these, so the checkout is kept to what it needs: the pool checkout
        and the isolation level in one greenlet (`async with engine.connect()` and `execution_options` were two),
        and a connection left idle (no transaction open on it, not invalidated) goes back to the pool in the same
        step, since returning it does no I/O; `AsyncConnection.__aexit__` runs the close in a task of its own
        behind `asyncio.shield` (safe against a cancellation in the middle of I/O), three event loop iterations
        per block. Any other state is closed that way, as before. ~90 -> ~50 us of CPU per block.

        Inside an HTTP request, the block uses the connection an earlier block of the request kept, if any; with
        `keep`, a block that ends normally with its connection idle keeps it for the request's next read block
        (see :class:`RequestConnections`) instead of returning it to the pool.
        """
        return self._read(self.engine, keep)

    def catalog_read(self, *, keep: bool = False) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for a store catalog read (products, variants, categories, collections, tags, types,
        options, regions, currencies, search), which may answer from the catalog as it was a moment ago: the read
        replica when `database_read_url` is configured and :class:`~euryale.db.replica.ReplicaMonitor` finds it
        close behind (and past :data:`~euryale.db.replica.REPLICA_FLOOR`), else the primary as :meth:`read`.
        Prefer :meth:`catalog`, which also reads again on the primary when the replica fails under the read."""
        replica = self.replica
        engine = self.read_engine if replica is not None and replica.serves(REPLICA_FLOOR.get()) else self.engine
        return self._read(engine, keep)

    async def catalog(self, read: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """`read(conn)` on a :meth:`catalog_read` connection; when the replica fails under it (it went away, or
        replaying the primary's WAL cancelled the statement: SQLSTATE 40001 "conflict with recovery"), `read` runs
        again on the primary instead of the request failing, and the replica is left until its next good sample.
        `read` must be safe to run twice (a read, or the idempotent upserts of store documents)."""
        async with self.catalog_read() as conn:
            try:
                return await read(conn)
            except Exception as exc:
                replica = self.replica
                if replica is None or not self.is_replica(conn) or not replica_failure(exc):
                    raise
                await conn.invalidate()  # never back to the pool: it may be a connection the replica dropped
                await replica.lost(exc)
        async with self.read() as conn:
            return await read(conn)

    def is_replica(self, conn: AsyncConnection) -> bool:
        """Whether `conn` reads from the replica (it may not have replayed the latest writes yet)."""
        return self.replica is not None and conn.engine is self.read_engine

    async def primary_position(self) -> str:
        """The primary's current WAL position (`X/Y`), which the replica has replayed once it has everything
        committed so far."""
        return await primary_position(self.engine)

    @asynccontextmanager
    async def _read(self, engine: AsyncEngine, keep: bool) -> AsyncIterator[AsyncConnection]:
        shared = REQUEST_CONNECTIONS.get()
        conn = None
        if shared is not None:
            conn = shared.take(engine)
            if conn is None and shared.kept is not None:
                await shared.release()  # one connection at a time per request, whichever server it is on
        if conn is None:
            conn = await self._checkout(engine)
        ended = False
        try:
            yield conn
            ended = True
        finally:
            sync = conn.sync_connection
            if (ended and keep and shared is not None and shared.kept is None and _idle(conn)
                    and sync is not None and not sync.in_transaction()):
                shared.kept = conn
            else:
                await _close(conn)

    async def _checkout(self, engine: AsyncEngine) -> AsyncConnection:
        try:
            return AsyncConnection(engine, await greenlet_spawn(_autocommit_connection, engine))
        except (OSError, SQLAlchemyError, TimeoutError) as exc:
            if engine is self.engine or self.replica is None:
                raise
            self.replica.failed(exc)
            return AsyncConnection(self.engine, await greenlet_spawn(_autocommit_connection, self.engine))

    async def dispose(self) -> None:
        if self.replica is not None:
            await self.replica.stop()
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
