"""Helpers for tests that run the real `euryale` console script in subprocesses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

EURYALE = str(Path(sys.executable).with_name("euryale"))
STRONG_SECRET = "Zq7vL2pX9mK4wR8tY3nB6cF1hJ5dG0sAeUiOoPlMkNjHbVgC"
STRONG_SECRET_2 = "Ab3De5Gh7Jk9Mn2Pq4St6Vw8Yz1Cf3Hj5Lm7Np9Rs2Tu4Wx6Z"
CLEARED = ("DATABASE_URL", "DATABASE_READ_URL", "REDIS_URL", "WORKER_MODE", "MEDUSA_WORKER_MODE", "JWT_SECRET",
           "COOKIE_SECRET", "STORE_CORS", "ADMIN_CORS", "AUTH_CORS", "PORT", "HOST", "EURYALE_ENV", "NODE_ENV",
           "WORKER_HEALTH_PORT", "EURYALE_ROOT", "SHUTDOWN_TIMEOUT", "WEB_CONCURRENCY")


def free_port() -> int:
    """A port nobody listens on right now (bind 0, read, close)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_env(dsn: str | None = None, **extra: str) -> dict[str, str]:
    """The parent environment without any Euryale/Medusa variable, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith(("MEDUSA_FF_", "EURYALE_FF_"))}
    env["HOST"] = "127.0.0.1"
    env["PYTHONUNBUFFERED"] = "1"  # output reaches the test even if a process is killed
    if dsn:
        env["DATABASE_URL"] = dsn
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `euryale ARGS` to completion."""
    return subprocess.run([EURYALE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def wait_http(url: str, proc: subprocess.Popen[str], timeout: float = 30) -> httpx.Response:
    """Poll `url` until it answers (fails fast when the process died)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"process exited {proc.returncode}\nstdout:\n{out}\nstderr:\n{err}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.HTTPError as exc:
            last = exc
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {timeout}s ({last})")


@contextmanager
def cli_process(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    """A running `euryale ARGS` process, always stopped (by its pid) at the end."""
    proc = subprocess.Popen([EURYALE, *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()


def stop(proc: subprocess.Popen[str], timeout: float = 20) -> tuple[int, str, str]:
    """SIGTERM the process and return (exit code, stdout, stderr)."""
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err
