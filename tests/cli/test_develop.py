"""`euryale develop` without DATABASE_URL: embedded PostgreSQL, migrations, first-run data, printed credentials."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import httpx

from tests.cli.procs import cli_env, cli_process, free_port, stop, wait_http


def _develop(tmp_path: Path) -> None:
    port = free_port()
    with cli_process(["develop", "--no-reload", "--port", str(port), "--host", "127.0.0.1"], cli_env(None),
                     tmp_path) as proc:
        wait_http(f"http://127.0.0.1:{port}/health", proc, timeout=90)
        details = httpx.get(f"http://127.0.0.1:{port}/health/details").json()
        assert details["mode"] == "shared"
        ready = httpx.get(f"http://127.0.0.1:{port}/health/ready").json()
        assert ready["checks"]["database"]["status"] == "ok"  # the embedded server answers
        code, out, err = stop(proc, timeout=60)
    assert code == 0, err
    assert (tmp_path / ".euryale" / "pg" / "PG_VERSION").is_file()
    assert f"Store API   http://127.0.0.1:{port}/store" in out
    state = json.loads((tmp_path / ".euryale" / "develop.json").read_text())
    key = re.search(r"x-publishable-api-key: (\S+)\)", out)
    assert key is not None
    if "seed" in state:  # the catalog's seed ran: a real key is printed
        assert key.group(1).startswith("pk_")
    if "admin" in state:
        assert f"Admin login admin@euryale.dev / {state['admin']['password']}" in out
    # the embedded server stops with the develop process
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (tmp_path / ".euryale" / "pg" / "postmaster.pid").exists():
        time.sleep(0.2)
    assert not (tmp_path / ".euryale" / "pg" / "postmaster.pid").exists()


async def test_develop_runs_on_an_embedded_postgres(tmp_path: Path) -> None:
    await asyncio.to_thread(_develop, tmp_path)
