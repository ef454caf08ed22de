"""payment_0004 gives refund reasons created before it a code derived from their label, then requires one."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from euryale.db import migrate
from tests.support.services import create_database, drop_database


async def test_existing_reasons_get_a_code_from_their_label() -> None:
    db = await create_database("rrcode")
    try:
        await asyncio.to_thread(migrate.upgrade, db.url, "payment_0003")
        conn = await asyncpg.connect(db.dsn)
        try:
            await conn.execute("INSERT INTO refund_reason (id, label) VALUES ('refr_1', 'Customer Care Adjustment')")
            await asyncio.to_thread(migrate.upgrade, db.url, "payment_0004")
            assert await conn.fetchval("SELECT code FROM refund_reason WHERE id = 'refr_1'") == \
                "customer_care_adjustment"
            with pytest.raises(asyncpg.NotNullViolationError):
                await conn.execute("INSERT INTO refund_reason (id, label) VALUES ('refr_2', 'No code')")
        finally:
            await conn.close()
    finally:
        await drop_database(db)
