"""A PgBouncer in transaction mode in front of the run's PostgreSQL, as production deployments put one.

The binary is the machine's (`pgbouncer` on PATH or /usr/sbin/pgbouncer: Debian's package; `.ci/run` installs it
when missing). It listens on a free 127.0.0.1 port and keeps few server connections, so that consecutive
transactions of one client connection land on different server connections, as they do under load.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.support.servers import free_port, run_as


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)


@dataclass
class Bouncer:
    root: Path
    port: int
    process: subprocess.Popen[bytes]

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def log(self) -> str:
        return (self.root / "pgbouncer.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


def start_pgbouncer(server_dsn: str, *, pool_size: int = 3) -> Bouncer:
    """PgBouncer (pool_mode transaction, `pool_size` server connections per database) in front of the server of
    `server_dsn` (a libpq URL, TCP or `?host=/socket/dir`)."""
    binary = pgbouncer_binary()
    assert binary is not None, "pgbouncer is not installed"
    parts = urlsplit(server_dsn)
    host = parts.hostname or parse_qs(parts.query).get("host", ["127.0.0.1"])[0]
    port = parts.port or 5432
    root = Path(tempfile.mkdtemp(prefix="euryale-pgbouncer-"))
    listen = free_port()
    user = parts.username or "postgres"
    (root / "users.txt").write_text(f'"{user}" ""\n')
    (root / "pgbouncer.ini").write_text(f"""
[databases]
* = host={host} port={port} user={user}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {root}/users.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
logfile = {root}/pgbouncer.log
""")
    as_user = run_as()
    if as_user:
        for path in (root, root / "users.txt", root / "pgbouncer.ini"):
            os.chown(path, as_user["user"], as_user["group"])
    process = subprocess.Popen([binary, str(root / "pgbouncer.ini")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, **as_user)
    bouncer = Bouncer(root=root, port=listen, process=process)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", listen), timeout=0.2).close()
            return bouncer
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = bouncer.log() if (root / "pgbouncer.log").exists() else ""
                bouncer.stop()
                raise RuntimeError(f"pgbouncer did not start (rc={process.poll()}):\n{log}") from None
            time.sleep(0.05)
