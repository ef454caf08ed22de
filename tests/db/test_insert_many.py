"""`euryale.db.direct.insert_many`: one compiled multi-row INSERT per 32 rows, the rows as stored in the order
given, written as SQLAlchemy writes them (a None for a JSON column is JSON `null`), rolled back with the block."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from euryale.container import Container
from euryale.db import direct
from euryale.ids import generate_id
from euryale.modules.order.models import order_address
from tests.support.sql_capture import captured_statements


async def test_rows_as_stored_in_the_order_given(container: Container) -> None:
    # ids in descending order: a result in id (or any storage) order would not be the order given
    ids = sorted((generate_id("ordaddr") for _ in range(40)), reverse=True)
    rows = [{"id": i, "city": f"City {n}", "metadata": {"n": n, "b": [1.5]} if n % 2 else None}
            for n, i in enumerate(ids)]
    with captured_statements(container) as seen:
        async with container.database().transaction() as conn:
            stored = await direct.insert_many(conn, order_address, rows)
    assert [r["id"] for r in stored] == ids and len(seen) == 2  # 32 + 8 rows
    assert stored[1]["metadata"] == {"n": 1, "b": [1.5]} and stored[0]["metadata"] is None
    assert stored[0]["created_at"] is not None and stored[0]["first_name"] is None
    async with container.database().read() as conn:
        nulls = (await conn.execute(text(
            "SELECT count(*) FROM order_address WHERE id = ANY(:ids) AND jsonb_typeof(metadata) = 'null'"),
            {"ids": ids})).scalar_one()
    assert nulls == 20


async def test_rolled_back_with_the_block_and_errors_as_sqlalchemy_raises_them(container: Container) -> None:
    row = {"id": generate_id("ordaddr"), "city": "Lisboa", "metadata": {}}
    with pytest.raises(RuntimeError):
        async with container.database().transaction() as conn:
            assert (await direct.insert_many(conn, order_address, [row]))[0]["city"] == "Lisboa"
            raise RuntimeError("roll back")
    async with container.database().read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM order_address WHERE id = :i"),
                                   {"i": row["id"]})).scalar_one() == 0
    with pytest.raises(IntegrityError):
        async with container.database().transaction() as conn:
            await direct.insert_many(conn, order_address, [row, row])
