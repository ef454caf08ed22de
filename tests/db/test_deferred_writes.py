"""`euryale.db.direct.update_later`: a queued write is never observable as missing. It runs before the next
statement on its connection (SQLAlchemy's or a compiled one), before the commit, or inside the statement that
records a transaction workflow's execution; a rollback drops it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, DateTime, MetaData, Table, Text, bindparam, select, text
from sqlalchemy.exc import IntegrityError

from euryale.container import Container
from euryale.db import direct
from euryale.db.compiled import DEFERRED_WRITES, CompiledQuery
from euryale.db.engine import Database
from euryale.ids import generate_id
from euryale.workflows import StepContext, StepResponse, step, workflow
from tests.support.sql_capture import captured_statements

_meta = MetaData()
# a table of this module's own (created by the fixture): the deferred write is generic over tables
_rows = Table("test_deferred_row", _meta, Column("id", Text, primary_key=True), Column("label", Text),
              Column("updated_at", DateTime(timezone=True)), Column("code", Text, nullable=False, server_default="x"))
_LABEL = CompiledQuery(lambda: select(_rows.c.label).where(_rows.c.id == bindparam("id")))


@step("test-deferred-write-step")
async def _unused(ctx: StepContext, input: Any) -> StepResponse:  # run_in_transaction runs the body instead
    return StepResponse(None)


workflow("test-deferred-write", steps=[_unused])


@pytest.fixture(scope="module")
async def rows(container: Container) -> Any:
    async with container.database().transaction() as conn:
        await conn.run_sync(_meta.create_all)
    yield _rows
    async with container.database().transaction() as conn:
        await conn.run_sync(_meta.drop_all)


async def _new_row(container: Container, label: str) -> str:
    row_id = generate_id("drow")
    async with container.database().transaction() as conn:
        await conn.execute(_rows.insert().values(id=row_id, label=label))
    return row_id


async def _label(container: Container, row_id: str) -> Any:
    async with container.database().read() as conn:
        return (await conn.execute(select(_rows.c.label).where(_rows.c.id == row_id))).scalar()


async def test_the_next_statement_sees_a_queued_write(container: Container, rows: Table) -> None:
    a, b = await _new_row(container, "a"), await _new_row(container, "b")
    async with container.database().transaction() as conn:
        await direct.begin(conn)
        direct.update_later(conn, rows, a, {"label": "a2"})
        assert (await _LABEL.fetch(conn, id=a))[0]["label"] == "a2"  # a compiled query
        direct.update_later(conn, rows, b, {"label": "b2"})
        assert (await conn.execute(select(rows.c.label).where(rows.c.id == b))).scalar() == "b2"  # SQLAlchemy
        assert (await conn.execute(text("SELECT updated_at = now() FROM test_deferred_row WHERE id = :i"),
                                   {"i": b})).scalar() is True
    assert (await _label(container, a), await _label(container, b)) == ("a2", "b2")


async def test_a_queued_write_commits_and_rolls_back_with_its_transaction(container: Container,
                                                                          rows: Table) -> None:
    row_id = await _new_row(container, "c")
    async with container.database().transaction() as conn:
        direct.update_later(conn, rows, row_id, {"label": "c2"})  # the last thing before the commit
    assert await _label(container, row_id) == "c2"

    with pytest.raises(RuntimeError, match="boom"):
        async with container.database().transaction() as conn:
            direct.update_later(conn, rows, row_id, {"label": "c3"})
            raise RuntimeError("boom")
    assert await _label(container, row_id) == "c2"
    # the dropped write does not reach the next transaction on that connection
    async with container.database().transaction() as conn:
        assert not conn.info.get(DEFERRED_WRITES)


async def test_a_queued_write_that_fails_at_commit_fails_the_transaction(container: Container, rows: Table) -> None:
    row_id = await _new_row(container, "e")
    # one pooled connection: the transaction after the failed one runs on the same connection
    db = Database(container.database().url, pool_size=1)
    try:
        with pytest.raises(IntegrityError):
            async with db.transaction() as conn:
                await conn.execute(rows.update().where(rows.c.id == row_id).values(label="e2"))
                direct.update_later(conn, rows, row_id, {"code": None})  # NOT NULL: fails when it runs, at commit
        assert await _label(container, row_id) == "e"  # the transaction's other write rolled back with it
        # through SQLAlchemy's own commit (no Database.transaction): the commit listener runs it, and rolls back
        with pytest.raises(IntegrityError):
            async with db.engine.begin() as conn:
                await direct.begin(conn)
                direct.update_later(conn, rows, row_id, {"code": None})
        for _ in range(2):  # the connection went back to the pool clean, twice
            async with db.transaction() as conn:
                assert (await conn.execute(select(rows.c.code).where(rows.c.id == row_id))).scalar() == "x"
    finally:
        await db.engine.dispose()


async def test_a_queued_write_rides_in_the_execution_record(container: Container, rows: Table) -> None:
    row_id = await _new_row(container, "d")

    async def body(conn: Any) -> str:
        await direct.begin(conn)
        direct.update_later(conn, rows, row_id, {"label": "d2"})
        # the same row again: merged (one statement applies only one of two updates of a row), the later wins
        direct.update_later(conn, rows, row_id, {"label": "d3"})
        return row_id

    with captured_statements(container) as seen:
        await container.resolve("workflows").run_in_transaction("test-deferred-write", input={}, body=body)
    writes = [s for s, _ in seen if "test_deferred_row" in s]
    assert len(writes) == 1 and "INSERT INTO workflow_execution" in writes[0], writes
    assert await _label(container, row_id) == "d3"


async def test_an_autocommit_connection_refuses_a_queued_write(container: Container) -> None:
    async with container.database().read() as conn:
        with pytest.raises(RuntimeError, match="needs a transaction"):
            direct.update_later(conn, _rows, "x", {"label": "y"})
