"""`delete-expired-workflow-executions` purges finished executions past their retention and nothing else."""

from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select, update

from euryale.container import Container
from euryale.flows._workflow import delete_expired_executions
from euryale.workflows.engine import workflow_execution


async def test_purges_only_finished_executions_past_retention(container: Container) -> None:
    db = container.database()
    wf = f"cleaner-{uuid.uuid4().hex[:8]}"
    rows = [  # (transaction, state, retention_time, age in seconds)
        ("old-done", "done", None, 10_000), ("old-reverted", "reverted", 60, 120), ("fresh-done", "done", None, 5),
        ("kept-by-retention", "done", 100_000, 10_000), ("old-running", "invoking", None, 10_000),
    ]
    async with db.transaction() as conn:
        for tx, state, retention, _ in rows:
            await conn.execute(insert(workflow_execution).values(
                id=f"wf_exec_{uuid.uuid4().hex}", workflow_id=wf, transaction_id=tx, run_id="r", state=state,
                retention_time=retention))
        for tx, _, _, age in rows:
            await conn.execute(update(workflow_execution).where(
                workflow_execution.c.workflow_id == wf, workflow_execution.c.transaction_id == tx)
                .values(updated_at=func.now() - func.make_interval(0, 0, 0, 0, 0, 0, age)))

    async with db.transaction() as conn:
        removed = await delete_expired_executions(conn, default_retention_s=3600)

    async with db.read() as conn:
        left = {r[0] for r in await conn.execute(select(workflow_execution.c.transaction_id).where(
            workflow_execution.c.workflow_id == wf))}
    assert left == {"fresh-done", "kept-by-retention", "old-running"}
    assert removed >= 2
