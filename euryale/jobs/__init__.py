"""Scheduled jobs: `src/jobs/*.py` files run on a cron or interval schedule, once per tick across replicas.

A job file defines `async def handler(container)` and
`config = {"name": "sync-stock", "schedule": "*/5 * * * *" | "*/10 * * * * *" | {"interval": 5000},
"number_of_executions": 3}` (a 6-field cron has seconds first, as Medusa's). Every replica computes the same
tick times; the first to insert `job_run(name, tick_at)` runs the tick, the others skip it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from croniter import croniter
from sqlalchemy import DateTime, Integer, Text, bindparam, text

from euryale.subscribers import import_file

log = structlog.get_logger("euryale.jobs")

JobFn = Callable[[Any], Awaitable[Any]]


@dataclass
class JobSpec:
    name: str
    handler: JobFn
    schedule: str | dict[str, Any]
    number_of_executions: int | None = None
    source: str = ""

    def next_ticks(self, after: datetime, count: int = 1) -> list[datetime]:
        """The next `count` tick times strictly after `after` (UTC, identical on every replica)."""
        if isinstance(self.schedule, dict):
            interval_ms = int(self.schedule["interval"])
            epoch_ms = int(after.timestamp() * 1000)
            first = (epoch_ms // interval_ms + 1) * interval_ms
            return [datetime.fromtimestamp((first + i * interval_ms) / 1000, UTC) for i in range(count)]
        fields = self.schedule.split()
        it = croniter(self.schedule, after, second_at_beginning=len(fields) == 6)
        return [it.get_next(datetime) for _ in range(count)]


def validate_schedule(schedule: Any, name: str) -> str | dict[str, Any]:
    if isinstance(schedule, dict) and "interval" in schedule:
        if int(schedule["interval"]) <= 0:
            raise ValueError(f"job {name!r}: interval must be positive (ms)")
        return {"interval": int(schedule["interval"])}
    if isinstance(schedule, dict) and "cron" in schedule:
        schedule = schedule["cron"]
    if isinstance(schedule, str) and len(schedule.split()) in (5, 6):
        croniter(schedule, second_at_beginning=len(schedule.split()) == 6)  # raises on a bad expression
        return schedule
    raise ValueError(f"job {name!r}: schedule must be a 5/6-field cron or {{'interval': ms}}, got {schedule!r}")


def discover_jobs(root: Path | None) -> list[JobSpec]:
    """`<root>/src/jobs/*.py` (files starting with `_` and `index.py` are ignored)."""
    specs: list[JobSpec] = []
    folder = root / "src" / "jobs" if root is not None else None
    if folder is None or not folder.is_dir():
        return specs
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("_", ".")) or path.stem == "index" or path.suffix != ".py":
            continue
        module = import_file(path, "euryale_project.jobs")
        handler = getattr(module, "handler", None) or getattr(module, "default", None)
        config = getattr(module, "config", None)
        if handler is None or not isinstance(config, dict) or not config.get("name"):
            log.warning("job skipped: needs `async def handler(container)` and config with a name", file=str(path))
            continue
        schedule = validate_schedule(config.get("schedule"), str(config["name"]))
        limit = config.get("number_of_executions") or (
            config["schedule"].get("numberOfExecutions") if isinstance(config.get("schedule"), dict) else None)
        specs.append(JobSpec(str(config["name"]), handler, schedule, int(limit) if limit else None, str(path)))
    names = [s.name for s in specs]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"duplicate job names: {sorted(dupes)}")
    return specs


_CLAIM_TICK = text("""
    INSERT INTO job_run (name, tick_at, worker)
    SELECT :name, :tick_at, :worker
    WHERE :limit IS NULL OR (SELECT count(*) FROM job_run WHERE name = :name) < :limit
    ON CONFLICT (name, tick_at) DO NOTHING
    RETURNING name""").bindparams(bindparam("name", type_=Text), bindparam("tick_at", type_=DateTime(timezone=True)),
                                  bindparam("worker", type_=Text), bindparam("limit", type_=Integer))
_FINISH = text("""
    UPDATE job_run SET status = :status, error = :error, duration_ms = :duration_ms, finished_at = now()
    WHERE name = :name AND tick_at = :tick_at""").bindparams(bindparam("tick_at", type_=DateTime(timezone=True)))


class JobScheduler:
    """Runs each job's ticks in this process when it wins the tick's `job_run` row."""

    def __init__(self, container: Any, jobs: list[JobSpec], *, worker: str | None = None) -> None:
        self.container = container
        self.jobs = jobs
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self._tasks: list[asyncio.Task[None]] = []
        self._runs: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._stopping.clear()
        self._tasks = [loop.create_task(self._loop(job)) for job in self.jobs]

    async def stop(self) -> None:
        """Stop scheduling; wait for running ticks to finish."""
        self._stopping.set()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._runs:
            await asyncio.gather(*self._runs, return_exceptions=True)

    async def _loop(self, job: JobSpec) -> None:
        last = datetime.now(UTC)
        while not self._stopping.is_set():
            tick = job.next_ticks(last)[0]
            await asyncio.sleep(max(0.0, (tick - datetime.now(UTC)).total_seconds()))
            last = tick
            task = asyncio.get_running_loop().create_task(self._run_tick(job, tick))
            self._runs.add(task)
            task.add_done_callback(self._runs.discard)

    async def _run_tick(self, job: JobSpec, tick: datetime) -> None:
        db = self.container.database()
        try:
            async with db.transaction() as conn:
                won = (await conn.execute(_CLAIM_TICK, {"name": job.name, "tick_at": tick, "worker": self.worker,
                                                         "limit": job.number_of_executions})).first()
        except Exception as exc:
            log.warning("job tick not claimed (database unavailable)", job=job.name, error=str(exc))
            return
        if won is None:
            return  # another replica runs this tick (or the execution limit is reached)
        started = time.perf_counter()
        status, error = "done", None
        try:
            await job.handler(self.container)
        except Exception as exc:
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            log.exception("scheduled job failed", job=job.name, tick=tick.isoformat())
        duration_ms = int((time.perf_counter() - started) * 1000)
        log.info("scheduled job ran", job=job.name, tick=tick.isoformat(), outcome=status, duration_ms=duration_ms)
        _observe(job.name, status, duration_ms)
        try:
            async with db.transaction() as conn:
                await conn.execute(_FINISH, {"status": status, "error": error, "duration_ms": duration_ms,
                                             "name": job.name, "tick_at": tick})
        except Exception as exc:
            log.warning("job run outcome not recorded", job=job.name, error=str(exc))


async def last_runs(container: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    """The latest `job_run` row per job name."""
    if not names:
        return {}
    async with container.database().read() as conn:
        rows = (await conn.execute(text("""
            SELECT DISTINCT ON (name) name, tick_at, status, duration_ms, error, worker FROM job_run
            WHERE name = ANY(:names) ORDER BY name, tick_at DESC"""), {"names": names})).mappings().all()
    return {r["name"]: dict(r) for r in rows}


def _observe(name: str, status: str, duration_ms: int) -> None:
    try:
        from euryale.metrics import JOB_DURATION, JOB_RUNS

        JOB_RUNS.labels(job=name, outcome=status).inc()
        JOB_DURATION.labels(job=name).observe(duration_ms / 1000)
    except Exception:  # metrics are optional
        pass


