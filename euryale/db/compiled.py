"""Statements compiled once, run straight on the asyncpg connection: the hot, page-sized catalog reads.

On a page of products SQLAlchemy's per-execution work (the statement's cache key, parameter processing, one
`Row` and one mapping per result row, through the async adapter's cursor) cost more CPU than PostgreSQL spent.
A :class:`CompiledQuery` builds its statement once (named `bindparam`s for what changes per call), keeps the SQL
text and the order of its parameters, and fetches asyncpg Records (which asyncpg also prepares once per
connection). Column types decode as on the SQLAlchemy path (the dialect's JSON codecs are on the connection).

Statement observers (tests counting statements, EXPLAIN checks) see each statement as SQLAlchemy's
`before_cursor_execute` listeners see the others.

Reads only, and mind the transaction: SQLAlchemy's asyncpg adapter begins a `transaction()` block's database
transaction with the block's first SQLAlchemy statement. A compiled query run before that one runs outside the
transaction (autocommit): harmless for a read, wrong for `FOR UPDATE` (the lock is released at once) or for
anything that must roll back with the block. Take locks and write through SQLAlchemy (`conn.execute`) or
through `euryale.db.direct`, which begins the transaction first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

DEFERRED_WRITES = "deferred_writes"
"""`conn.info` key of the writes queued on a connection (`euryale.db.direct.update_later`): a compiled query runs
them first."""
StatementObserver = Callable[[str, tuple[Any, ...]], None]
_observers: list[StatementObserver] = []


def observe_statements(observer: StatementObserver) -> Callable[[], None]:
    """Call `observer(sql, args)` before each compiled query runs; returns the function that stops it."""
    _observers.append(observer)
    return lambda: _observers.remove(observer)


class CompiledQuery:
    """A statement built by `build()` once, then fetched with keyword parameters named after its bindparams."""

    def __init__(self, build: Callable[[], ClauseElement]) -> None:
        self._build = build
        self._sql: str | None = None
        self._names: tuple[str, ...] = ()
        self._constants: dict[str, Any] = {}
        self._processors: dict[str, Callable[[Any], Any]] = {}

    def _compile(self, conn: AsyncConnection) -> str:
        compiled: Any = self._build().compile(dialect=conn.dialect)
        self._names = tuple(compiled.positiontup or ())
        # values written into the statement (`status == "published"`) travel as parameters with their own names
        self._constants = {k: v for k, v in compiled.params.items() if not compiled.binds[k].required}
        self._processors = dict(compiled._bind_processors)
        self._sql = str(compiled.string)
        return self._sql

    def args(self, params: dict[str, Any]) -> tuple[Any, ...]:
        """The positional arguments for `params` (constants of the statement filled in)."""
        out = []
        for name in self._names:
            value = params[name] if name in params else self._constants[name]
            processor = self._processors.get(name)
            out.append(processor(value) if processor is not None and value is not None else value)
        return tuple(out)

    async def fetch(self, conn: AsyncConnection, **params: Any) -> Sequence[Any]:
        """The rows (asyncpg Records: `row["col"]`, `dict(row)`) for `params` (after the writes queued on `conn`:
        `euryale.db.direct.update_later`)."""
        if conn.info.get(DEFERRED_WRITES):
            from euryale.db.direct import flush_later

            await flush_later(conn)
        sql = self._sql or self._compile(conn)
        args = self.args(params)
        for observer in _observers:
            observer(sql, args)
        rows: Sequence[Any] = await (await _driver(conn)).fetch(sql, *args)
        return rows


def decodes_as_driver(column: Any, dialect: Any) -> bool:
    """Whether SQLAlchemy hands a value of `column` over as the driver returned it (no result processor), so that
    a compiled query reads it as a SQLAlchemy statement would."""
    try:
        return column.type.dialect_impl(dialect).result_processor(dialect, None) is None
    except Exception:  # a type that needs the driver's type code to decide: leave it to SQLAlchemy
        return False


async def _driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under `conn` (attribute reads when it is live: no greenlet round)."""
    sync = conn.sync_connection
    if sync is not None and not sync.closed and not sync.invalidated:
        return sync.connection.driver_connection
    return (await conn.get_raw_connection()).driver_connection
