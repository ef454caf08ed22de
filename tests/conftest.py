"""Shared fixtures: one migrated database per test run on real PostgreSQL, Redis under a per-run prefix."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from euryale.config import EuryaleConfig, define_config
from euryale.container import Container
from euryale.db import migrate
from tests.support.arch import in_process_client, running
from tests.support.arch_fixtures import arch_db  # noqa: F401  (one private database for arch-module tests)
from tests.support.services import RUN_ID, TestDatabase, create_database, drop_database, redis_url

TEST_SECRET = "test-secret-" + "x" * 40


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[TestDatabase]:
    """The run's own migrated database; dropped at the end of the session."""
    db = await create_database()
    try:
        await _migrate(db.url)
        yield db
    finally:
        await drop_database(db)


async def _migrate(url: str) -> None:
    import asyncio

    await asyncio.to_thread(migrate.upgrade, url)


@pytest.fixture(scope="session")
def redis_prefix() -> str:
    return f"euryale_test:{RUN_ID}:"


@pytest.fixture(scope="session")
async def redis_client(redis_prefix: str) -> AsyncIterator[aioredis.Redis]:
    client: aioredis.Redis = aioredis.from_url(redis_url())
    try:
        yield client
    finally:
        keys = [k async for k in client.scan_iter(match=redis_prefix + "*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture(scope="session", autouse=True)
def _no_redis_keys_left(redis_client: aioredis.Redis) -> None:
    """Every run drops its Redis keys at the end (`redis_client`'s teardown), whichever tests it ran: a run of one
    file whose tests start their own containers left their event streams behind."""


def make_config(database: TestDatabase, *, modules: list[dict[str, Any]] | None = None,
                **project: Any) -> EuryaleConfig:
    """A config for in-process tests: the run's database, strong secrets, permissive test CORS (and `modules`)."""
    pc: dict[str, Any] = {
        "database_url": database.dsn,
        "worker_mode": "shared",
        "http": {"jwt_secret": TEST_SECRET, "cookie_secret": TEST_SECRET,
                 "store_cors": "http://localhost:8000", "admin_cors": "http://localhost:9000",
                 "auth_cors": "http://localhost:8000,http://localhost:9000"},
    }
    pc.update(project)
    return define_config(project_config=pc, modules=modules)


@pytest.fixture(scope="session")
def config(database: TestDatabase) -> EuryaleConfig:
    return make_config(database)


@pytest.fixture(scope="session")
async def container(config: EuryaleConfig) -> AsyncIterator[Container]:
    async with running(config) as c:
        yield c


@pytest.fixture(scope="session")
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the in-process app (real database, real modules)."""
    async with in_process_client(container) as c:
        yield c


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment for config tests: no inherited Euryale/Medusa variables."""
    for name in list(os.environ):
        if name in ("DATABASE_URL", "REDIS_URL", "WORKER_MODE", "MEDUSA_WORKER_MODE", "JWT_SECRET", "COOKIE_SECRET",
                    "STORE_CORS", "ADMIN_CORS", "AUTH_CORS", "PORT", "HOST", "EURYALE_ENV", "NODE_ENV"):
            monkeypatch.delenv(name, raising=False)
    yield monkeypatch
