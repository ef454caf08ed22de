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
