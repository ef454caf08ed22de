"""The process's connection pool keeps the connections it opened: a steady load never forks new backends."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from euryale.boot import build_database
from euryale.db import Database
from tests.conftest import make_config
from tests.support.services import TestDatabase

READERS = 16


async def _one_round(db: Database) -> set[int]:
    """The backend pids serving READERS reads that all hold their connection at the same time."""
    gate = asyncio.Barrier(READERS)

    async def read() -> int:
        async with db.read() as conn:
            await gate.wait()
            return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())

    return set(await asyncio.gather(*(read() for _ in range(READERS))))


async def test_sixteen_concurrent_readers_reuse_the_same_backends(database: TestDatabase) -> None:
    db = build_database(make_config(database))
    assert db is not None
    try:
        rounds = [await _one_round(db) for _ in range(3)]
        assert all(len(r) == READERS for r in rounds)
        # with the old 10 + 10 overflow pool, 6 of the 16 were closed after each round and forked anew
        assert rounds[1] == rounds[0] and rounds[2] == rounds[0]
    finally:
        await db.dispose()


async def test_long_compiled_statements_stay_prepared(database: TestDatabase) -> None:
    """A statement above asyncpg's default 15 KiB cache limit is prepared once per connection, not per call."""
    db = build_database(make_config(database))
    assert db is not None
    # ~20 KiB of SQL: a long list of constant columns
    sql = "SELECT " + ", ".join(f"{i} AS column_number_{i:05d}" for i in range(800))
    assert len(sql) > 16 * 1024
    try:
        async with db.read() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            for _ in range(3):
                await raw.fetch(sql)
            # an uncached statement is prepared unnamed each time: only a cached one is listed here
            named = await raw.fetchval("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", sql)
            assert named == 1
    finally:
        await db.dispose()
