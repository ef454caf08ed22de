"""Helpers for the architectural-module tests: a private database, containers with chosen modules, and real
OS processes running `euryale.background` from a throw-away project folder."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from euryale.boot import build_container
from euryale.config import EuryaleConfig, define_config
from euryale.container import Container
from euryale.http.app import create_app
from tests.support.services import TestDatabase, redis_url

SECRET = "arch-test-secret-" + "x" * 40
REPO = Path(__file__).resolve().parents[2]


def arch_config(db: TestDatabase, *, prefix: str, redis: bool, mode: str = "shared",
                bus: dict[str, Any] | None = None, workflows: dict[str, Any] | None = None,
                root: Path | None = None) -> EuryaleConfig:
    """A config whose architectural modules are the Redis (or in-memory) flavours, under `prefix`."""
    modules: list[dict[str, Any]] = []
    if redis:
        modules = [
            {"resolve": "euryale.modules.event_bus_redis", "options": {"prefix": prefix, **(bus or {})}},
            {"resolve": "euryale.modules.workflow_engine_redis", "options": {"prefix": prefix, **(workflows or {})}},
            {"resolve": "euryale.modules.locking_redis", "options": {"prefix": prefix}},
            {"resolve": "euryale.modules.cache_redis", "options": {"prefix": prefix}},
        ]
    cfg = define_config(project_config={
        "database_url": db.dsn, "redis_url": redis_url(), "redis_prefix": prefix, "worker_mode": mode,
        "http": {"jwt_secret": SECRET, "cookie_secret": SECRET},
    }, modules=modules)
    if root is not None:
        cfg.root = root
    return cfg


async def started(config: EuryaleConfig) -> Container:
    c = build_container(config)
    await c.start()
    return c


@asynccontextmanager
async def running(config: EuryaleConfig) -> AsyncIterator[Container]:
    """A started container for the block, stopped after it."""
    c = await started(config)
    try:
        yield c
    finally:
        await c.stop()


@asynccontextmanager
async def in_process_client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on `container`'s app, in process (real database, real modules)."""
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll `check` until true or `timeout` seconds passed; returns the last outcome."""
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(interval)


def write_project(root: Path, files: dict[str, str], *, bus: dict[str, Any] | None = None,
                  workflows: dict[str, Any] | None = None) -> Path:
    """A project folder: `euryale_config.py` selecting the Redis modules (URLs from env) plus `files`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "euryale_config.py").write_text(textwrap.dedent(f"""
        from euryale.config import define_config
        config = define_config(modules=[
            {{"resolve": "euryale.modules.event_bus_redis", "options": {{"block_ms": 200, **{bus or {}!r}}}}},
            {{"resolve": "euryale.modules.workflow_engine_redis", "options": {workflows or {}!r}}},
            {{"resolve": "euryale.modules.locking_redis"}},
        ])
    """))
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


class Proc:
    """One `python -m tests.support.arch_process` child (a server, worker or workflow runner).

    Its output goes to a log file next to the project (a pipe nobody reads would fill up and block the child).
    """

    _seq = 0

    def __init__(self, root: Path, db: TestDatabase, prefix: str, mode: str, extra_env: dict[str, str] | None = None
                 ) -> None:
        env = {**os.environ, "DATABASE_URL": db.dsn, "REDIS_URL": redis_url(), "REDIS_PREFIX": prefix,
               "WORKER_MODE": mode, "JWT_SECRET": SECRET, "COOKIE_SECRET": SECRET, "EURYALE_ROOT": str(root),
               "PYTHONPATH": str(REPO), **(extra_env or {})}
        Proc._seq += 1
        self._terminated = False
        self.log_path = root / f"proc-{mode}-{Proc._seq}.log"
        self._log = open(self.log_path, "wb")
        self.popen = subprocess.Popen([sys.executable, "-m", "tests.support.arch_process"], cwd=str(REPO), env=env,
                                      stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def ready(self, timeout: float = 60.0) -> None:
        """Wait for the child's "ready <pid>" line (its background is running)."""
        marker = f"ready {self.pid}"
        deadline = time.monotonic() + timeout
        while marker not in self.output():
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"child did not start (rc={self.popen.poll()}):\n{self.output()[-3000:]}")
            await asyncio.sleep(0.05)

    def terminate(self) -> None:
        """One SIGTERM (a second one could land after the child removed its handler and kill it)."""
        if not self._terminated and self.popen.poll() is None:
            self._terminated = True
            self.popen.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: no drain, no cleanup (a crashed worker)."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)
        self._log.close()

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM (graceful drain), SIGKILL after `timeout`; returns the exit code."""
        if self.popen.poll() is None:
            self.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._log.close()
        return int(self.popen.returncode)


def stop_all(procs: list[Proc], timeout: float = 15.0) -> list[int]:
    """SIGTERM every process first, then wait for each (they drain in parallel); returns the exit codes."""
    for p in procs:
        p.terminate()
    return [p.stop(timeout) for p in procs]
