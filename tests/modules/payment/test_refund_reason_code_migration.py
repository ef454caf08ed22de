"""payment_0004 gives refund reasons created before it a code derived from their label, then requires one;
payment_0005 gives a store without refund reasons Medusa's three defaults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from euryale.db import migrate
from tests.support.services import TestDatabase, create_database, drop_database


@asynccontextmanager
async def _migrated(name: str, revision: str = "heads") -> AsyncIterator[tuple[TestDatabase, asyncpg.Connection]]:
    """A database of its own migrated up to `revision`, and a connection to it."""
    db = await create_database(name)
    try:
        await asyncio.to_thread(migrate.upgrade, db.url, revision)
        conn = await asyncpg.connect(db.dsn)
        try:
            yield db, conn
        finally:
            await conn.close()
    finally:
        await drop_database(db)


async def test_existing_reasons_get_a_code_from_their_label() -> None:
    async with _migrated("rrcode", "payment_0003") as (db, conn):
        await conn.execute("INSERT INTO refund_reason (id, label) VALUES ('refr_1', 'Customer Care Adjustment')")
        await asyncio.to_thread(migrate.upgrade, db.url, "payment_0004")
        assert await conn.fetchval("SELECT code FROM refund_reason WHERE id = 'refr_1'") == \
            "customer_care_adjustment"
        with pytest.raises(asyncpg.NotNullViolationError):
            await conn.execute("INSERT INTO refund_reason (id, label) VALUES ('refr_2', 'No code')")


async def test_a_store_without_reasons_gets_medusas_defaults_once() -> None:
    async with _migrated("rrdef") as (_, conn):
        rows = await conn.fetch("SELECT id, label, code FROM refund_reason ORDER BY code")
        assert [(r["label"], r["code"]) for r in rows] == [
            ("Customer Care Adjustment", "customer_care_adjustment"), ("Pricing Error", "pricing_error"),
            ("Shipping Issue", "shipping_issue")]
        assert all(r["id"].startswith("refr_") and len(r["id"]) == 31 for r in rows)


async def test_a_store_with_reasons_keeps_only_its_own() -> None:
    async with _migrated("rrown", "payment_0004") as (db, conn):
        await conn.execute("INSERT INTO refund_reason (id, label, code) VALUES ('refr_own', 'Own', 'own')")
        await asyncio.to_thread(migrate.upgrade, db.url)
        assert await conn.fetchval("SELECT array_agg(code) FROM refund_reason") == ["own"]
