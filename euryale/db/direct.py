"""Locks and writes on statements compiled once, run straight on asyncpg inside the caller's SQLAlchemy transaction.

A cart write's statements (the locking read, the line item and tax line INSERT/UPDATE ... RETURNING) went through
SQLAlchemy's per-execution machinery: cache key, compiled-cache lookup, parameter processing, the async adapter's
cursor and one `Row` per result row. That cost more CPU than the statements themselves (issue 7). Here they are
`euryale.db.compiled.CompiledQuery`s. What makes them safe for locks and writes, unlike a bare `CompiledQuery`:

- :func:`begin` starts the block's database transaction first, as SQLAlchemy would with its first statement, so
  a `FOR UPDATE` holds until the block commits and a write rolls back with it;
- a database error is raised as SQLAlchemy's (`IntegrityError`, `DBAPIError` with `.orig.sqlstate`), so the
  error handlers answer exactly as for a statement run through SQLAlchemy.

Used by the cart writes (`euryale.modules.cart.service`, `euryale.flows.cart.mutations`); any hot write path may.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, exc, func, insert, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

from euryale.db.compiled import DEFERRED_WRITES, CompiledQuery
from euryale.db.sql import any_param


class WriteQuery(CompiledQuery):
    """A :class:`CompiledQuery` whose parameters go through their type's processor even when None, as SQLAlchemy
    sends them (a None for a JSON column is stored as JSON `null`, not SQL NULL)."""

    def args(self, params: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for name in self._names:
            value = params[name] if name in params else self._constants[name]
            processor = self._processors.get(name)
            out.append(processor(value) if processor is not None else value)
        return tuple(out)


_WRITES: dict[Any, WriteQuery] = {}


def write_query(key: Any, build: Callable[[], ClauseElement]) -> WriteQuery:
    """The :class:`WriteQuery` of `build()`, compiled once per `key` (a statement's shape)."""
    query = _WRITES.get(key)
    if query is None:
        query = _WRITES[key] = WriteQuery(build)
    return query


async def insert_one(conn: AsyncConnection, table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """INSERT one row of `values` into `table`; the row as stored (every column, in table order)."""
    names = tuple(values)
    query = write_query(("insert", table.name, names), lambda: insert(table).values(
        {n: bindparam(f"v_{n}", type_=table.c[n].type) for n in names}).returning(*table.c))
    rows = await fetch(conn, query, **{f"v_{n}": v for n, v in values.items()})
    return dict(rows[0])


async def update_one(conn: AsyncConnection, table: Table, row_id: str, values: Mapping[str, Any],
                     returning: Sequence[str]) -> dict[str, Any]:
    """UPDATE row `row_id` of `table` with `values` and `updated_at = now()`; its `returning` columns as stored
    (`NoResultFound` when there is no such row, as `.one()`)."""
    names = tuple(values)
    query = write_query(("update", table.name, names, tuple(returning)), lambda: update(table)
                        .where(table.c.id == bindparam("row_id", type_=table.c.id.type))
                        .values({**{n: bindparam(f"v_{n}", type_=table.c[n].type) for n in names},
                                 "updated_at": func.now()})
                        .returning(*(table.c[n] for n in returning)))
    rows = await fetch(conn, query, row_id=row_id, **{f"v_{n}": v for n, v in values.items()})
    if not rows:
        raise exc.NoResultFound("No row was found when one was required")
    return dict(rows[0])


async def soft_delete(conn: AsyncConnection, table: Table, column: str, ids: Sequence[str]) -> None:
    """`deleted_at = now()` on the live rows of `table` whose `column` is one of `ids`."""
    query = write_query(("soft_delete", table.name, column), lambda: update(table)
                        .where(any_param(table.c[column]), table.c.deleted_at.is_(None))
                        .values(deleted_at=func.now()))
    await fetch(conn, query, ids=list(ids))


# --- writes that ride with the transaction's next statement ---------------------------------------------------


@dataclass(frozen=True)
class DeferredWrite:
    """`UPDATE table SET values, updated_at = now() WHERE id = row_id`, queued on a connection by
    :func:`update_later` to run inside another statement, as a data-modifying CTE."""

    table: Table
    row_id: str
    values: Mapping[str, Any]

    @property
    def key(self) -> tuple[Any, ...]:
        """The statement's shape (statements that carry it are compiled once per key)."""
        return ("update", self.table.name, tuple(self.values))

    def cte(self, prefix: str) -> Any:
        """The UPDATE as a CTE whose bind parameters start with `prefix`."""
        t = self.table
        return (update(t).where(t.c.id == bindparam(f"{prefix}id", type_=t.c.id.type))
                .values({**{n: bindparam(f"{prefix}{n}", type_=t.c[n].type) for n in self.values},
                         "updated_at": func.now()}).cte(f"{prefix}write"))

    def params(self, prefix: str) -> dict[str, Any]:
        return {f"{prefix}id": self.row_id, **{f"{prefix}{n}": v for n, v in self.values.items()}}


def update_later(conn: AsyncConnection, table: Table, row_id: str, values: Mapping[str, Any]) -> None:
    """Queue `UPDATE table SET values, updated_at = now() WHERE id = row_id` in `conn`'s transaction.

    Why: a write that answers nothing new (the caller knows the values it sets, and `updated_at` is the
    transaction's `now()`) costs a round trip of its own, a tenth of a cart write. Queued, it rides in the statement
    that records a transaction workflow's execution (`WorkflowEngine.run_in_transaction`), or runs on its own just
    before whatever statement comes first on the connection (see :func:`flush_later`), or before the commit (a
    rollback drops it): the transaction reads its own writes exactly as if it had run at once. A second write of
    the same row is merged into the first (later values win): PostgreSQL applies only one of two updates of a row
    made by one statement. The row must exist (the caller read it under the lock it holds): an UPDATE of no row
    is not an error here, as it is for :func:`update_one`."""
    sync = conn.sync_connection
    if sync is None or sync.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        raise RuntimeError("update_later needs a transaction (an autocommit connection would never run it)")
    queued: list[DeferredWrite] = conn.info.setdefault(DEFERRED_WRITES, [])
    for n, write in enumerate(queued):
        if write.table is table and write.row_id == row_id:
            queued[n] = DeferredWrite(table, row_id, {**write.values, **values})
            return
    queued.append(DeferredWrite(table, row_id, dict(values)))


def take_later(conn: AsyncConnection) -> list[DeferredWrite]:
    """The writes queued on `conn`, now the caller's to run (in a statement of its own making)."""
    taken: list[DeferredWrite] = conn.info.pop(DEFERRED_WRITES, None) or []
    return taken


def carrying(key: Any, build: Callable[[], Any], writes: Sequence[DeferredWrite]) -> tuple[WriteQuery, dict[str, Any]]:
    """Statement `build()` with `writes` as its data-modifying CTEs (bind parameters `w0_...`, `w1_...`), compiled
    once per `key` and shape of the writes, and the writes' parameters (pass the statement's own with them)."""
    def with_writes() -> Any:
        statement = build()
        for n, write in enumerate(writes):
            statement = statement.add_cte(write.cte(f"w{n}_"))
        return statement
    params: dict[str, Any] = {}
    for n, write in enumerate(writes):
        params.update(write.params(f"w{n}_"))
    return write_query((key, *(w.key for w in writes)), with_writes), params


async def flush_later(conn: AsyncConnection) -> None:
    """Run the writes queued on `conn` now, in one statement (before any other statement on it, and before commit).

    A statement that would read them must see them: every statement run through SQLAlchemy, `CompiledQuery` or
    this module flushes first, so a queued write is never observable as missing."""
    writes = take_later(conn)
    if writes:
        # the writes as CTEs of `SELECT 1`: a data-modifying CTE runs to completion whether or not it is read
        query, params = carrying("flush", lambda: select(literal_column("1")), writes)
        await fetch(conn, query, **params)


def _adapted(conn: AsyncConnection) -> Any:
    """SQLAlchemy's asyncpg adapter connection under `conn` (None when not connected)."""
    sync = conn.sync_connection
    return None if sync is None or sync.closed else sync.connection.dbapi_connection


async def begin(conn: AsyncConnection) -> None:
    """Start the database transaction of `conn`'s `begin()` block now if no statement has started it yet.

    SQLAlchemy's asyncpg adapter sends BEGIN with the block's first SQLAlchemy statement; a statement run on the
    driver before that would run outside the transaction (see `euryale.db.compiled`). The adapter's own start is
    used so that SQLAlchemy commits / rolls back this transaction and does not begin a second one. No-op on an
    AUTOCOMMIT connection (as SQLAlchemy: each statement commits on its own)."""
    adapted = _adapted(conn)
    driver = getattr(adapted, "_connection", None)
    if driver is None or driver.is_in_transaction():
        return
    start = getattr(adapted, "_start_transaction", None)
    if start is None:  # another SQLAlchemy adapter: let SQLAlchemy begin with a statement of its own
        await conn.exec_driver_sql("SELECT 1")
        return
    await start()


async def fetch(conn: AsyncConnection, query: CompiledQuery, **params: Any) -> Sequence[Any]:
    """`query`'s rows (asyncpg Records) for `params`, inside `conn`'s transaction (begun first if need be)."""
    await begin(conn)
    try:
        return await query.fetch(conn, **params)
    except Exception as error:
        adapted = _adapted(conn)
        translate = getattr(adapted, "_handle_exception", None)
        if translate is None or isinstance(error, exc.SQLAlchemyError):
            raise
        try:
            translate(error)  # raises the DBAPI-level error SQLAlchemy would have seen
        except Exception as dbapi_error:
            if not isinstance(dbapi_error, adapted.dbapi.Error):
                raise
            raise exc.DBAPIError.instance(query._sql or "", params, dbapi_error, adapted.dbapi.Error) from error
        raise


async def soft_delete_owners(conn: AsyncConnection, table: Table, owned: Sequence[tuple[Table, str]],
                             ids: Sequence[str]) -> None:
    """`deleted_at = now()` on the live rows `ids` of `table` and on the live rows of each `(owned_table, key)`
    whose `key` is one of them (tax lines, adjustments): one statement (the owned rows in data-modifying CTEs)."""
    def build() -> ClauseElement:
        statement = (update(table).where(any_param(table.c.id), table.c.deleted_at.is_(None))
                     .values(deleted_at=func.now()))
        for n, (owned_table, key) in enumerate(owned):
            statement = statement.add_cte(update(owned_table).where(
                any_param(owned_table.c[key]), owned_table.c.deleted_at.is_(None))
                .values(deleted_at=func.now()).cte(f"owned_{n}"))
        return statement
    query = write_query(("soft_delete_owners", table.name, tuple((t.name, k) for t, k in owned)), build)
    await fetch(conn, query, ids=list(ids))


_MANY_MAX = 32  # rows of one compiled multi-row INSERT (one statement text per row count up to this)


def _multi_row_insert(table: Table, names: tuple[str, ...], n: int) -> ClauseElement:
    return insert(table).values([{c: bindparam(f"v{i}_{c}", type_=table.c[c].type) for c in names}
                                 for i in range(n)]).returning(*table.c)


async def insert_many(conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """INSERT `rows` (the same keys in each, ids included) into `table` in one statement per up to 32 rows; the
    rows as stored (every column), in the order given. A multi-row `VALUES` compiled once per table, keys and
    row count: SQLAlchemy's executemany with `RETURNING` (insertmanyvalues) renders and processes it on every
    call."""
    out: list[dict[str, Any]] = []
    if not rows:
        return out
    names = tuple(rows[0])
    for start in range(0, len(rows), _MANY_MAX):
        chunk = rows[start:start + _MANY_MAX]
        query = write_query(("insert_many", table.name, names, len(chunk)), functools.partial(
            _multi_row_insert, table, names, len(chunk)))
        params = {f"v{i}_{c}": row[c] for i, row in enumerate(chunk) for c in names}
        stored = {r["id"]: dict(r) for r in await fetch(conn, query, **params)}
        out += [stored[row["id"]] for row in chunk]
    return out
