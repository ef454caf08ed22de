"""`Database.read()` blocks: autocommit inside, and the pooled connection handed back clean in every case (the
block returns an idle connection to the pool without SQLAlchemy's shielded close task)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from euryale.db import Database
from tests.support.services import TestDatabase


@pytest.fixture
async def single(database: TestDatabase) -> AsyncIterator[Database]:
    """A pool of one connection: whatever a block leaves on it, the next block gets."""
    db = Database(database.url, pool_size=1)
    yield db
    await db.dispose()


async def _driver(conn: object) -> object:
    raw = await conn.get_raw_connection()  # type: ignore[attr-defined]
    return raw.driver_connection


async def test_reads_autocommit_and_the_next_transaction_does_not(single: Database) -> None:
    async with single.read() as conn:
        await conn.execute(text("SELECT 1"))
        assert not (await _driver(conn)).is_in_transaction()  # type: ignore[attr-defined]
    async with single.read() as conn:  # the fast return path, twice on the same connection
        await conn.execute(text("SELECT 1"))
    # the same pooled connection, now in a transaction block: AUTOCOMMIT must not have stayed on it
    async with single.transaction() as conn:
        await conn.execute(text("CREATE TEMP TABLE read_blocks_probe (n int)"))
        assert (await _driver(conn)).is_in_transaction()  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError):
        async with single.transaction() as conn:
            await conn.execute(text("INSERT INTO read_blocks_probe VALUES (1)"))
            raise RuntimeError("roll back")
    async with single.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM read_blocks_probe"))).scalar_one() == 0


async def test_a_cancelled_or_failed_read_returns_its_connection(single: Database) -> None:
    entered = asyncio.Event()

    async def hold() -> None:
        async with single.read() as conn:
            await conn.execute(text("SELECT 1"))
            entered.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(hold())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ZeroDivisionError):
        async with single.read() as conn:
            await conn.execute(text("SELECT 1"))
            1 / 0  # noqa: B018
    # a statement error too (the driver raised inside the block)
    with pytest.raises(Exception, match="read_blocks_missing"):
        async with single.read() as conn:
            await conn.execute(text("SELECT * FROM read_blocks_missing"))
    # with a pool of one, a connection not handed back would make this wait for ever
    async with asyncio.timeout(5):
        async with single.read() as conn:
            assert (await conn.execute(text("SELECT 2"))).scalar_one() == 2
    assert single.read_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
