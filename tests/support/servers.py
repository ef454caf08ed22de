"""Real `euryale` processes for end-to-end, topology and benchmark runs: free ports, env-only configuration,
start/wait/stop by PID (never by name), logs captured to files so a failure shows what the process said."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
STRONG_SECRET = "e2e-" + "k3Yx9" * 12
# env vars a parent shell may carry that would change how a child process is configured
_INHERITED_CONFIG = ("DATABASE_URL", "DATABASE_READ_URL", "REDIS_URL", "WORKER_MODE", "MEDUSA_WORKER_MODE",
                     "JWT_SECRET", "COOKIE_SECRET", "STORE_CORS", "ADMIN_CORS", "AUTH_CORS", "PORT", "HOST",
                     "EURYALE_ENV", "NODE_ENV", "EURYALE_ROOT", "WORKER_HEALTH_PORT", "REDIS_PREFIX")


def run_as() -> dict[str, Any]:
    """subprocess arguments that run a server binary (PostgreSQL, PgBouncer) as a non-root user: both refuse root.
    The `postgres` system user when there is one, else the `pgserver` user pgserver creates for the same reason."""
    if os.geteuid() != 0:
        return {}
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        from pgserver.utils import ensure_user_exists

        found = ensure_user_exists("pgserver")
        assert found is not None
        entry = found
    return {"user": entry.pw_uid, "group": entry.pw_gid}


def euryale_bin() -> str:
    """The `euryale` console script of the running interpreter's environment."""
    candidate = Path(sys.executable).parent / "euryale"
    return str(candidate) if candidate.exists() else "euryale"


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (bound to 0 and released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_env(database_dsn: str, **extra: str) -> dict[str, str]:
    """Environment for a child process: configured by env vars only, strong secrets, production unset."""
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED_CONFIG}
    env.update({
        "DATABASE_URL": database_dsn,
        "JWT_SECRET": STRONG_SECRET,
        "COOKIE_SECRET": STRONG_SECRET,
        "HOST": "127.0.0.1",
        "STORE_CORS": "http://localhost:8000",
        "ADMIN_CORS": "http://localhost:9000",
        "AUTH_CORS": "http://localhost:8000,http://localhost:9000",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def run_cli(args: list[str], env: Mapping[str, str], *, cwd: Path | str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `euryale <args>` to completion and return its result (output captured)."""
    return subprocess.run([euryale_bin(), *args], env=dict(env), cwd=str(cwd or tempfile.gettempdir()),
                          capture_output=True, text=True, timeout=timeout, check=False)


@dataclass
class EuryaleProcess:
    """One `euryale start` process; stop() sends SIGTERM to its PID and waits (SIGKILL only after a timeout)."""

    name: str
    env: dict[str, str]
    args: list[str] = field(default_factory=lambda: ["start"])
    cwd: str = field(default_factory=tempfile.gettempdir)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def start(self) -> EuryaleProcess:
        if self.log_path is not None:  # a restart: the previous run's log is not needed any more
            self.log_path.unlink(missing_ok=True)
        fd, path = tempfile.mkstemp(prefix=f"euryale-{self.name}-", suffix=".log")
        self.log_path = Path(path)
        log = os.fdopen(fd, "wb")
        self.proc = subprocess.Popen([euryale_bin(), *self.args], env=self.env, cwd=self.cwd,
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def logs(self, tail: int = 4000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-tail:]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_http(self, url: str, *, timeout: float = 30.0) -> float:
        """Poll `url` until it answers 200; returns the seconds it took. Fails fast if the process died."""
        started = time.monotonic()
        last = ""
        while time.monotonic() - started < timeout:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode if self.proc else '?'} before "
                                   f"answering {url}:\n{self.logs()}")
            try:
                res = httpx.get(url, timeout=1.0)
                if res.status_code == 200:
                    return time.monotonic() - started
                last = f"HTTP {res.status_code}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not answer {url} within {timeout}s ({last}):\n{self.logs()}")

    def stop(self, *, timeout: float = 20.0, sig: int = signal.SIGTERM) -> int | None:
        """Signal the process and wait for it; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode

    def cleanup(self) -> None:
        self.stop()
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
