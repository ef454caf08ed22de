"""Scheduled jobs: each tick runs once across worker processes; cron with seconds; execution limits."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy import text

from euryale.container import Container
from euryale.jobs import JobScheduler, JobSpec, discover_jobs, validate_schedule
from tests.support import services
from tests.support.arch import Proc, arch_config, started, stop_all, write_project

TICK_JOB = """
import os

async def handler(container):
    r = container.resolve("event_bus").redis
    p = container.config.project_config.redis_prefix
    await r.rpush(f"{p}ticks", os.getpid())

config = {"name": "%(name)s", "schedule": {"interval": 1000}}
"""


async def _runs(container: Container, name: str) -> list[Any]:
    async with container.database().read() as conn:
        return list((await conn.execute(text(
            "SELECT tick_at, status, worker, duration_ms FROM job_run WHERE name = :n ORDER BY tick_at"),
            {"n": name})).all())


async def test_three_workers_each_tick_runs_once(arch_db: services.TestDatabase, prefix: str,
                                                 redis_client: aioredis.Redis, tmp_path: Path) -> None:
    name = f"arch-tick-{uuid.uuid4().hex[:6]}"
    root = write_project(tmp_path / "proj", {"src/jobs/tick.py": TICK_JOB % {"name": name}})
    workers = [Proc(root, arch_db, prefix, "worker") for _ in range(3)]
    observer = await started(arch_config(arch_db, prefix=prefix, redis=False))
    try:
        for w in workers:
            await w.ready()
        await asyncio.sleep(5.2)
        assert stop_all(workers) == [0, 0, 0]  # graceful: running ticks finish and are recorded
        runs = await _runs(observer, name)
        handled = await redis_client.lrange(f"{prefix}ticks", 0, -1)  # type: ignore[misc]
        assert len(runs) >= 4
        assert len(handled) == len(runs)  # one handler call per tick, never two
        assert len({r.tick_at for r in runs}) == len(runs)
        assert all(r.status == "done" and r.tick_at.microsecond == 0 for r in runs)
        assert {int(pid) for pid in handled} <= {w.pid for w in workers}
    finally:
        for w in workers:
            w.stop()
        await observer.stop()


async def test_cron_with_seconds_and_number_of_executions(arch_db: services.TestDatabase, prefix: str) -> None:
    container = await started(arch_config(arch_db, prefix=prefix, redis=False))
    calls: list[str] = []
    limited = f"arch-limited-{uuid.uuid4().hex[:6]}"
    failing = f"arch-failing-{uuid.uuid4().hex[:6]}"

    async def limited_handler(c: Any) -> None:
        calls.append("limited")

    async def failing_handler(c: Any) -> None:
        raise RuntimeError("job blew up")

    jobs = [JobSpec(limited, limited_handler, validate_schedule("* * * * * *", limited), number_of_executions=2),
            JobSpec(failing, failing_handler, validate_schedule({"interval": 500}, failing))]
    scheduler = JobScheduler(container, jobs)
    try:
        scheduler.start()
        await asyncio.sleep(3.3)
    finally:
        await scheduler.stop()
    try:
        assert calls == ["limited", "limited"]
        assert len(await _runs(container, limited)) == 2
        failed = await _runs(container, failing)
        assert len(failed) >= 4 and all(r.status == "failed" for r in failed)
    finally:
        await container.stop()


def test_schedules_and_discovery(tmp_path: Path) -> None:
    spec = JobSpec("x", _noop, validate_schedule("*/10 * * * * *", "x"))
    after = datetime(2026, 1, 1, 0, 0, 3, tzinfo=UTC)
    assert [t.second for t in spec.next_ticks(after, 3)] == [10, 20, 30]
    five = JobSpec("y", _noop, validate_schedule("0 * * * *", "y"))
    assert five.next_ticks(after)[0] == datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="schedule"):
        validate_schedule("every minute", "bad")
    (tmp_path / "src" / "jobs").mkdir(parents=True)
    (tmp_path / "src" / "jobs" / "sync.py").write_text(
        "async def handler(container):\n    pass\nconfig = {'name': 'sync', 'schedule': '*/5 * * * *', "
        "'number_of_executions': 3}\n")
    (tmp_path / "src" / "jobs" / "_helper.py").write_text("x = 1\n")
    found = discover_jobs(tmp_path)
    assert [(j.name, j.schedule, j.number_of_executions) for j in found] == [("sync", "*/5 * * * *", 3)]


async def _noop(container: Any) -> None:
    return None


async def test_scheduled_workflow_runs_on_its_schedule(arch_db: services.TestDatabase, prefix: str,
                                                       tmp_path: Path) -> None:
    from euryale.background import start_background
    from euryale.workflows import StepContext, step, workflow
    from euryale.workflows.sdk import unregister_workflow

    wf_id = f"arch-scheduled-{uuid.uuid4().hex[:6]}"
    ran: list[str] = []

    @step(f"{wf_id}-tick")
    async def tick(ctx: StepContext, inp: Any) -> str:
        ran.append(ctx.transaction_id)
        return "ticked"

    workflow(wf_id, steps=[tick], schedule={"interval": 400}, number_of_executions=2)
    container = await started(arch_config(arch_db, prefix=prefix, redis=False, root=tmp_path))
    stop = await start_background(container, include_core=False)
    try:
        await asyncio.sleep(1.6)
    finally:
        await stop()
        unregister_workflow(wf_id)  # the registry is process-wide: no other test's background may schedule it
    try:
        runs = await _runs(container, f"workflow:{wf_id}")
        assert len(ran) == 2 and len(set(ran)) == 2
        assert [r.status for r in runs] == ["done", "done"]
    finally:
        await container.stop()
