"""Purge finished workflow executions once their retention has passed (Medusa's `workflows-cleaner`).

Executions are stored for idempotency (same transaction id → stored result) and for the admin's execution list.
A finished execution is kept for its workflow's `retention_time` seconds, or `default_retention_s` when the
workflow declares none; running executions are never purged, so recovery of a crashed worker is unaffected.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from euryale.db import Database
from euryale.jobs import JobSpec

DEFAULT_RETENTION_S = 7 * 24 * 3600
CLEANER_JOB = "workflow-executions-cleaner"

_PURGE = text("""
    DELETE FROM workflow_execution
    WHERE state IN ('done', 'reverted', 'failed')
      AND updated_at < now() - make_interval(secs => COALESCE(retention_time, :default_s))
""")


async def purge_expired_executions(db: Database, *, default_retention_s: int = DEFAULT_RETENTION_S) -> int:
    """Delete finished executions older than their retention; returns how many were removed."""
    async with db.transaction() as conn:
        result = await conn.execute(_PURGE, {"default_s": default_retention_s})
    return int(getattr(result, "rowcount", 0) or 0)


def cleaner_job(default_retention_s: int = DEFAULT_RETENTION_S) -> JobSpec:
    """The core job: every 30 minutes, once across replicas (as Medusa's workflows-cleaner queue)."""

    async def run(container: Any) -> None:
        await purge_expired_executions(container.database(), default_retention_s=default_retention_s)

    return JobSpec(CLEANER_JOB, run, "*/30 * * * *", source="euryale.workflows.cleaner")
