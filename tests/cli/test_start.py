"""`euryale doctor` and `euryale start` as processes: production refuses weak set-ups, starts strong ones."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.cli.procs import (
    STRONG_SECRET,
    STRONG_SECRET_2,
    cli_env,
    cli_process,
    free_port,
    run_cli,
    stop,
    wait_http,
)
from tests.support import services

CORS = {"STORE_CORS": "https://shop.example", "ADMIN_CORS": "https://admin.example",
        "AUTH_CORS": "https://shop.example,https://admin.example"}


async def test_doctor_lists_every_pitfall_and_fails_in_production(migrated: services.TestDatabase,
                                                                   tmp_path: Path) -> None:
    env = cli_env(migrated.dsn, EURYALE_ENV="production", JWT_SECRET="short", STORE_CORS="*",
                  WORKER_MODE="worker")
    r = await asyncio.to_thread(run_cli, ["doctor"], env, tmp_path)
    assert r.returncode == 1
    for code in ("jwt_secret_short", "cookie_secret_default", "store_cors_wildcard", "admin_cors_default",
                 "split_in_memory"):
        assert f"FATAL [{code}]" in r.stderr
    assert "Traceback" not in r.stderr
    dev = await asyncio.to_thread(run_cli, ["doctor"], {**env, "EURYALE_ENV": "development"}, tmp_path)
    assert dev.returncode == 0  # the same findings are warnings outside production
    assert "WARN  [jwt_secret_short]" in dev.stderr and "FATAL" not in dev.stderr


async def test_start_in_production_refuses_weak_secrets(migrated: services.TestDatabase, tmp_path: Path) -> None:
    port = free_port()
    env = cli_env(migrated.dsn, EURYALE_ENV="production", PORT=str(port), **CORS)
    r = await asyncio.to_thread(run_cli, ["start"], env, tmp_path)
    assert r.returncode == 1
    assert "FATAL [jwt_secret_default]" in r.stderr and "FATAL [cookie_secret_default]" in r.stderr
    assert "refusing to start in production" in r.stderr


def _start_strong(dsn: str, tmp_path: Path) -> None:
    port = free_port()
    env = cli_env(dsn, EURYALE_ENV="production", PORT=str(port), JWT_SECRET=STRONG_SECRET,
                  COOKIE_SECRET=STRONG_SECRET_2, WORKER_MODE="shared", **CORS)
    with cli_process(["start"], env, tmp_path) as proc:
        assert wait_http(f"http://127.0.0.1:{port}/health", proc).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/health/details").json()["environment"] == "production"
        code, _, err = stop(proc)
    assert code == 0
    assert "[shared_in_production]" in err  # a warning, printed, not fatal
    assert '"mode": "shared"' in err  # production logs are JSON lines


async def test_start_in_production_runs_with_strong_secrets(migrated: services.TestDatabase, tmp_path: Path) -> None:
    await asyncio.to_thread(_start_strong, migrated.dsn, tmp_path)


@pytest.fixture
async def unmigrated() -> AsyncIterator[services.TestDatabase]:
    db = await services.create_database("pending")
    try:
        yield db
    finally:
        await services.drop_database(db)


async def test_start_refuses_pending_migrations(unmigrated: services.TestDatabase, tmp_path: Path) -> None:
    env = cli_env(unmigrated.dsn, PORT=str(free_port()))
    r = await asyncio.to_thread(run_cli, ["start"], env, tmp_path)
    assert r.returncode == 1
    assert "refusing to start" in r.stderr and "euryale db:migrate" in r.stderr and "pending" in r.stderr


@pytest.mark.parametrize(("var", "value", "message"), [
    ("WORKER_MODE", "both", "[config] project_config.worker_mode (env WORKER_MODE): 'both' is not a worker mode"),
])
async def test_invalid_config_fails_start_with_its_message(tmp_path: Path, var: str, value: str,
                                                           message: str) -> None:
    r = await asyncio.to_thread(run_cli, ["start"], cli_env(None, **{var: value}), tmp_path)
    assert r.returncode == 1
    assert message in r.stderr and "Fix:" in r.stderr and "Traceback" not in r.stderr
