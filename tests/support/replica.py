"""A PostgreSQL primary and a streaming-replication standby of it, each a cluster of its own in a temporary folder
(the machine's PostgreSQL is left alone: its pg_hba allows no replication connections, and a standby of it would
copy every database on it).

The binaries are the machine's PostgreSQL ones when installed (Debian's /usr/lib/postgresql/<n>/bin), else the
ones `pgserver` ships. As root they run as the `postgres` system user (PostgreSQL refuses root), else as the
current user. Both servers are stopped and their folder removed by :meth:`ReplicaPair.stop`.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from tests.support.servers import free_port, run_as
from tests.support.services import TestDatabase


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"),
                   key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


@dataclass
class ReplicaPair:
    root: Path
    primary_port: int
    standby_port: int
    _as: dict[str, Any] = field(default_factory=dict)
    _bin: Path = field(default_factory=_bin_dir)

    def dsn(self, port: int, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{database}"

    def primary_dsn(self, database: str = "postgres") -> str:
        return self.dsn(self.primary_port, database)

    def standby_dsn(self, database: str = "postgres") -> str:
        return self.dsn(self.standby_port, database)

    async def create_database(self, name: str) -> TestDatabase:
        """A new empty database on the primary (the standby replays it; gone with the pair)."""
        conn = await asyncpg.connect(self.primary_dsn())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return TestDatabase(name=name, dsn=self.primary_dsn(name))

    def _cmd(self, name: str, *args: str) -> None:
        done = subprocess.run([str(self._bin / name), *args], capture_output=True, text=True, timeout=120,
                              cwd=self.root, **self._as)
        if done.returncode != 0:
            raise RuntimeError(f"{name} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    def _start(self, data: str, port: int) -> None:
        self._cmd("pg_ctl", "-D", data, "-w", "-t", "60", "-l", f"{data}.log", "-o",
                  f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1", "start")

    def start_standby(self) -> None:
        self._start(str(self.root / "standby"), self.standby_port)

    def stop_standby(self) -> None:
        self._cmd("pg_ctl", "-D", str(self.root / "standby"), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        """Stop both servers (whatever state they are in) and remove their folder."""
        for name in ("standby", "primary"):
            data = self.root / name
            if (data / "postmaster.pid").exists():
                subprocess.run([str(self._bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                               capture_output=True, timeout=60, cwd=self.root, **self._as)
        shutil.rmtree(self.root, ignore_errors=True)


def start_replica_pair() -> ReplicaPair:
    """A running primary (wal_level replica) and a hot standby streaming from it (both trust, on 127.0.0.1)."""
    root = Path(tempfile.mkdtemp(prefix="euryale-replica-"))
    pair = ReplicaPair(root=root, primary_port=free_port(), standby_port=free_port(), _as=run_as())
    try:
        if pair._as:
            os.chown(root, pair._as["user"], pair._as["group"])
        primary = str(root / "primary")
        pair._cmd("initdb", "-D", primary, "-U", "postgres", "--auth=trust", "-N", "--no-instructions")
        with open(root / "primary" / "postgresql.conf", "a") as conf:
            # durability is not what these tests are about: no fsync keeps the clusters cheap to run
            conf.write("\nwal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n"
                       "full_page_writes = off\nshared_buffers = 32MB\nmax_connections = 100\n")
        pair._start(primary, pair.primary_port)
        pair._cmd("pg_basebackup", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres",
                  "-D", str(root / "standby"), "-R", "-X", "stream", "--checkpoint=fast", "-w")
        pair.start_standby()
    except BaseException:
        pair.stop()
        raise
    return pair
