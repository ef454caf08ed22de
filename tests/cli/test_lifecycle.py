"""Process lifecycle on a small project: SIGTERM drains in-flight requests; only worker/shared run jobs."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.cli.procs import (
    STRONG_SECRET,
    STRONG_SECRET_2,
    cli_env,
    cli_process,
    free_port,
    listening,
    stop,
    wait_http,
)
from tests.support import services

SLOW_ROUTE = '''
import asyncio

from fastapi import APIRouter

router = APIRouter()


@router.get("/store/slow")
async def slow(seconds: float = 2.0) -> dict[str, float]:
    await asyncio.sleep(seconds)
    return {"slept": seconds}
'''

TICK_JOB = '''
import asyncio
import os

config = {"name": "%s", "schedule": "* * * * * *"}


async def handler(container):
    with open(os.environ["TICK_FILE"], "a") as f:
        f.write("start\\n")
    await asyncio.sleep(0.8)  # a tick is usually in flight when SIGTERM arrives
    with open(os.environ["TICK_FILE"], "a") as f:
        f.write("end\\n")
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with a slow route and a job ticking every second (unique name: job_run is shared)."""
    (tmp_path / "euryale_config.py").write_text("from euryale.config import define_config\n\nconfig = define_config()\n")
    for folder in ("src", "src/api", "src/jobs"):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "src/api/slow.py").write_text(SLOW_ROUTE)
    (tmp_path / "src/jobs/tick.py").write_text(TICK_JOB % f"tick-{uuid.uuid4().hex[:10]}")
    return tmp_path


def _env(dsn: str, mode: str, port: int, health_port: int, tick_file: Path) -> dict[str, str]:
    return cli_env(dsn, WORKER_MODE=mode, PORT=str(port), WORKER_HEALTH_PORT=str(health_port),
                   JWT_SECRET=STRONG_SECRET, COOKIE_SECRET=STRONG_SECRET_2, TICK_FILE=str(tick_file))


def _drain(dsn: str, project: Path) -> None:
    port = free_port()
    env = _env(dsn, "server", port, free_port(), project / "ticks.txt")
    with cli_process(["start"], env, project) as proc:
        wait_http(f"http://127.0.0.1:{port}/health", proc)
        result: dict[str, object] = {}

        def call() -> None:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/store/slow?seconds=2", timeout=20)
                result["status"], result["body"] = r.status_code, r.json()
            except httpx.HTTPError as exc:
                result["error"] = exc

        worker = threading.Thread(target=call)
        worker.start()
        time.sleep(0.7)  # the request is in flight
        sent_at = time.monotonic()
        code, _, err = stop(proc)
        worker.join(10)
        assert result.get("status") == 200, result
        assert result["body"] == {"slept": 2.0}
        assert code == 0, err
        assert time.monotonic() - sent_at >= 1.0  # it waited for the request instead of cutting it
        assert "process stopped" in err
        assert not listening(port)


async def test_sigterm_waits_for_in_flight_request_then_exits_0(migrated: services.TestDatabase,
                                                                 project: Path) -> None:
    await asyncio.to_thread(_drain, migrated.dsn, project)


def _ticks(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _jobs_by_mode(dsn: str, project: Path) -> None:
    worker_ticks, server_ticks = project / "worker-ticks.txt", project / "server-ticks.txt"
    port, health, server_port = free_port(), free_port(), free_port()
    with cli_process(["start"], _env(dsn, "worker", port, health, worker_ticks), project) as worker, \
            cli_process(["start"], _env(dsn, "server", server_port, free_port(), server_ticks), project) as server:
        wait_http(f"http://127.0.0.1:{health}/health", worker)
        wait_http(f"http://127.0.0.1:{server_port}/health", server)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and _ticks(worker_ticks).count("end") < 1:
            time.sleep(0.2)
        assert _ticks(worker_ticks).count("end") >= 1, "the worker ran no scheduled job"
        assert _ticks(server_ticks) == []  # up as long, the server ran none
        assert not listening(port)
        code, _, err = stop(worker)
        assert code == 0, err
        ticks = _ticks(worker_ticks)
        assert ticks.count("start") == ticks.count("end")  # SIGTERM let every started tick finish
        assert stop(server)[0] == 0


async def test_worker_runs_scheduled_jobs_server_does_not(migrated: services.TestDatabase, project: Path) -> None:
    await asyncio.to_thread(_jobs_by_mode, migrated.dsn, project)
