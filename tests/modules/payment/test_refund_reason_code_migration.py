"""payment_0004 gives refund reasons created before it a code derived from their label, then requires one;
payment_0005 gives a store without refund reasons Medusa's three defaults."""

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


async def test_a_store_without_reasons_gets_medusas_defaults_once() -> None:
    db = await create_database("rrdef")
    try:
        await asyncio.to_thread(migrate.upgrade, db.url)
        conn = await asyncpg.connect(db.dsn)
        try:
            rows = await conn.fetch("SELECT id, label, code FROM refund_reason ORDER BY code")
            assert [(r["label"], r["code"]) for r in rows] == [
                ("Customer Care Adjustment", "customer_care_adjustment"), ("Pricing Error", "pricing_error"),
                ("Shipping Issue", "shipping_issue")]
            assert all(r["id"].startswith("refr_") and len(r["id"]) == 31 for r in rows)
        finally:
            await conn.close()
    finally:
        await drop_database(db)


async def test_a_store_with_reasons_keeps_only_its_own() -> None:
    db = await create_database("rrown")
    try:
        await asyncio.to_thread(migrate.upgrade, db.url, "payment_0004")
        conn = await asyncpg.connect(db.dsn)
        try:
            await conn.execute("INSERT INTO refund_reason (id, label, code) VALUES ('refr_own', 'Own', 'own')")
            await asyncio.to_thread(migrate.upgrade, db.url)
            assert await conn.fetchval("SELECT array_agg(code) FROM refund_reason") == ["own"]
        finally:
            await conn.close()
    finally:
        await drop_database(db)
