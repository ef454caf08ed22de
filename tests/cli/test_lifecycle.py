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

config = {"name": os.environ["JOB_NAME"], "schedule": "* * * * * *"}


async def handler(container):
    with open(os.environ["TICK_FILE"], "a") as f:
        f.write("start\\n")
    await asyncio.sleep(0.8)  # a tick is usually in flight when SIGTERM arrives
    with open(os.environ["TICK_FILE"], "a") as f:
        f.write("end\\n")
'''


EMIT_ROUTE = '''
import os

from fastapi import APIRouter, Request

from euryale.events import Event
from euryale.events.outbox import stage_events

router = APIRouter()


@router.post("/store/emit")
async def emit(request: Request) -> dict[str, bool]:
    async with request.app.state.container.database().transaction() as conn:
        await stage_events(conn, [Event(os.environ["EVENT_NAME"], {"pid": os.getpid()})])
    return {"staged": True}
'''

SUBSCRIBER = '''
import os

config = {"event": os.environ["EVENT_NAME"]}


async def handler(event, container):
    with open(os.environ["EVENT_FILE"], "a") as f:
        f.write(event.name + "\\n")
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with a slow route, an event-emitting route, its subscriber and a job ticking every second."""
    (tmp_path / "euryale_config.py").write_text("from euryale.config import define_config\n\nconfig = define_config()\n")
    for folder in ("src", "src/api", "src/jobs"):  # subscribers: a plain folder of files
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "src/api/slow.py").write_text(SLOW_ROUTE)
    (tmp_path / "src/jobs/tick.py").write_text(TICK_JOB)
    (tmp_path / "src/api/emit.py").write_text(EMIT_ROUTE)
    (tmp_path / "src/subscribers").mkdir()
    (tmp_path / "src/subscribers/on_emitted.py").write_text(SUBSCRIBER)
    return tmp_path


def _env(dsn: str, mode: str, port: int, health_port: int, files: Path) -> dict[str, str]:
    # a job name per process: job_run lets one process run each tick of a name across replicas
    return cli_env(dsn, WORKER_MODE=mode, PORT=str(port), WORKER_HEALTH_PORT=str(health_port),
                   JWT_SECRET=STRONG_SECRET, COOKIE_SECRET=STRONG_SECRET_2, TICK_FILE=str(files / f"{mode}-ticks"),
                   EVENT_FILE=str(files / f"{mode}-events"), JOB_NAME=f"tick-{mode}-{uuid.uuid4().hex[:10]}",
                   # an event name per process too: every process's relay may publish any committed outbox row
                   EVENT_NAME=f"lifecycle.{mode}")


def _drain(dsn: str, project: Path) -> None:
    port = free_port()
    env = _env(dsn, "server", port, free_port(), project)
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


def _background_by_mode(dsn: str, project: Path) -> None:
    ports = {mode: (free_port(), free_port()) for mode in ("worker", "server", "shared")}
    envs = {mode: _env(dsn, mode, api, health, project) for mode, (api, health) in ports.items()}
    files = project
    with cli_process(["start"], envs["shared"], project) as shared:
        # shared first, alone: with in-memory buses any process's relay may take a committed outbox row, so the
        # shared process's own event must be relayed before other processes exist
        wait_http(f"http://127.0.0.1:{ports['shared'][0]}/health", shared)
        details = httpx.get(f"http://127.0.0.1:{ports['shared'][0]}/health/details").json()
        assert details["mode"] == "shared" and details["api"] is True and details["background"] is True
        assert not listening(ports["shared"][1])  # shared serves health on the API port, no second port
        assert httpx.post(f"http://127.0.0.1:{ports['shared'][0]}/store/emit").json() == {"staged": True}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _ticks(files / "shared-events"):
            time.sleep(0.1)
        with cli_process(["start"], envs["worker"], project) as worker, \
                cli_process(["start"], envs["server"], project) as server:
            wait_http(f"http://127.0.0.1:{ports['worker'][1]}/health", worker)
            wait_http(f"http://127.0.0.1:{ports['server'][0]}/health", server)
            assert httpx.post(f"http://127.0.0.1:{ports['server'][0]}/store/emit").json() == {"staged": True}
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not (
                    _ticks(files / "worker-ticks").count("end") and _ticks(files / "shared-ticks").count("end")):
                time.sleep(0.2)
            time.sleep(0.5)  # the server had as long as the others to (wrongly) run anything
            assert _ticks(files / "worker-ticks").count("end") >= 1, "the worker ran no scheduled job"
            assert _ticks(files / "shared-ticks").count("end") >= 1, "shared mode ran no scheduled job"
            assert _ticks(files / "shared-events") == ["lifecycle.shared"]  # shared consumes its events
            assert _ticks(files / "server-ticks") == [] and _ticks(files / "server-events") == []  # server: neither
            assert not listening(ports["worker"][0])
            code, _, err = stop(worker)
            assert code == 0, err
            ticks = _ticks(files / "worker-ticks")
            assert ticks.count("start") == ticks.count("end")  # SIGTERM let every started tick finish
            assert stop(server)[0] == 0
        assert stop(shared)[0] == 0


async def test_only_worker_and_shared_run_jobs_and_subscribers(migrated: services.TestDatabase,
                                                                project: Path) -> None:
    await asyncio.to_thread(_background_by_mode, migrated.dsn, project)


def _bounded(dsn: str, project: Path) -> None:
    port = free_port()
    env = {**_env(dsn, "server", port, free_port(), project), "SHUTDOWN_TIMEOUT": "1"}
    with cli_process(["start"], env, project) as proc:
        wait_http(f"http://127.0.0.1:{port}/health", proc)
        result: dict[str, object] = {}

        def call() -> None:
            try:
                result["status"] = httpx.get(f"http://127.0.0.1:{port}/store/slow?seconds=30", timeout=60).status_code
            except httpx.HTTPError as exc:
                result["error"] = type(exc).__name__

        caller = threading.Thread(target=call)
        caller.start()
        time.sleep(0.7)
        sent_at = time.monotonic()
        code, _, err = stop(proc)
        elapsed = time.monotonic() - sent_at
        caller.join(10)
    assert elapsed < 10, elapsed  # SHUTDOWN_TIMEOUT bounds the drain: the 30 s request is not awaited
    assert "error" in result or result.get("status") != 200
    assert code == 0, err


async def test_shutdown_timeout_bounds_the_drain(migrated: services.TestDatabase, project: Path) -> None:
    await asyncio.to_thread(_bounded, migrated.dsn, project)
