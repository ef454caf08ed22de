"""`euryale start` per WORKER_MODE, as real processes: what each mode serves and which ports it opens."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.cli.procs import STRONG_SECRET, STRONG_SECRET_2, cli_env, cli_process, listening, stop, wait_http
from tests.support import services


def _env(database: services.TestDatabase, mode: str, port: int, health_port: int) -> dict[str, str]:
    return cli_env(database.dsn, WORKER_MODE=mode, PORT=str(port), WORKER_HEALTH_PORT=str(health_port),
                   JWT_SECRET=STRONG_SECRET, COOKIE_SECRET=STRONG_SECRET_2)


def _ports() -> tuple[int, int]:
    from tests.cli.procs import free_port

    return free_port(), free_port()


def _server_checks(database: services.TestDatabase, tmp_path: Path) -> None:
    port, health_port = _ports()
    with cli_process(["start"], _env(database, "server", port, health_port), tmp_path) as proc:
        assert wait_http(f"http://127.0.0.1:{port}/health", proc).text == "OK"
        details = httpx.get(f"http://127.0.0.1:{port}/health/details").json()
        assert details["mode"] == "server" and details["api"] is True and details["background"] is False
        store = httpx.get(f"http://127.0.0.1:{port}/store/no-such-route-{port}")
        assert store.status_code == 404 and store.json()["type"] == "not_found"  # the API (store group) is served
        ready = httpx.get(f"http://127.0.0.1:{port}/health/ready")
        assert ready.status_code == 200 and ready.json()["checks"]["database"]["status"] == "ok"
        assert not listening(health_port)  # a server opens no worker health port
        code, _, err = stop(proc)
        assert code == 0, err
        assert "mode=server" in err  # the mode is in the start-up log


async def test_server_mode_serves_the_api_and_no_worker_port(migrated: services.TestDatabase, tmp_path: Path) -> None:
    await asyncio.to_thread(_server_checks, migrated, tmp_path)


def _worker_checks(database: services.TestDatabase, tmp_path: Path) -> None:
    port, health_port = _ports()
    with cli_process(["start"], _env(database, "worker", port, health_port), tmp_path) as proc:
        assert wait_http(f"http://127.0.0.1:{health_port}/health", proc).text == "OK"
        details = httpx.get(f"http://127.0.0.1:{health_port}/health/details").json()
        assert details["mode"] == "worker" and details["api"] is False and details["background"] is True
        assert httpx.get(f"http://127.0.0.1:{health_port}/health/ready").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{health_port}/metrics").status_code == 200  # scraped like servers
        # the health server carries no API route
        assert httpx.get(f"http://127.0.0.1:{health_port}/store/products").status_code == 404
        assert not listening(port)  # no public API port
        code, _, err = stop(proc)
        assert code == 0, err
        assert "mode=worker" in err


async def test_worker_mode_opens_only_the_health_port(migrated: services.TestDatabase, tmp_path: Path) -> None:
    await asyncio.to_thread(_worker_checks, migrated, tmp_path)


def _multi_worker_checks(database: services.TestDatabase, tmp_path: Path) -> None:
    port, health_port = _ports()
    with cli_process(["start", "--workers", "2"], _env(database, "server", port, health_port), tmp_path) as proc:
        wait_http(f"http://127.0.0.1:{port}/health", proc)
        pids: set[int] = set()
        for _ in range(300):
            pids.add(httpx.get(f"http://127.0.0.1:{port}/health/details").json()["pid"])
            if len(pids) == 2:
                break
        assert len(pids) == 2  # two processes share the port
        assert proc.pid not in pids  # the supervisor serves nothing itself
        code, _, err = stop(proc)
        assert code == 0, err


async def test_workers_option_forks_processes_sharing_the_port(migrated: services.TestDatabase, tmp_path: Path) -> None:
    await asyncio.to_thread(_multi_worker_checks, migrated, tmp_path)
