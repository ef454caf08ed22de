"""Locking providers (in-memory, Redis, PostgreSQL): mutual exclusion, owners, expiry, timeouts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from euryale.boot import build_container
from euryale.config import define_config
from euryale.errors import MedusaError
from tests.support import services

PROVIDERS = ["euryale.modules.locking_inmemory", "euryale.modules.locking_redis", "euryale.modules.locking_postgres"]


@pytest.fixture(params=PROVIDERS, ids=["inmemory", "redis", "postgres"])
async def locking(request: pytest.FixtureRequest, arch_db: services.TestDatabase, prefix: str) -> AsyncIterator[Any]:
    cfg = define_config(project_config={"database_url": arch_db.dsn, "redis_url": services.redis_url(),
                                        "redis_prefix": prefix},
                        modules=[{"resolve": request.param}])
    container = build_container(cfg)
    await container.start()
    try:
        yield container.resolve("locking")
    finally:
        await container.stop()


async def test_execute_is_mutually_exclusive(locking: Any) -> None:
    key = f"cart:{uuid.uuid4().hex}"
    inside = 0
    peak = 0

    async def job() -> str:
        nonlocal inside, peak
        inside += 1
        peak = max(peak, inside)
        await asyncio.sleep(0.02)
        inside -= 1
        return "ok"

    results = await asyncio.gather(*[locking.execute([key, f"{key}:b"], job, timeout=5) for _ in range(5)])
    assert results == ["ok"] * 5 and peak == 1


async def test_acquire_owner_release_and_timeout(locking: Any) -> None:
    key = f"item:{uuid.uuid4().hex}"
    await locking.acquire(key, owner="alice", expire=30)
    await locking.acquire(key, owner="alice", expire=30)  # re-entrant for the same owner
    with pytest.raises(MedusaError, match="(?i)timed.out"):
        await locking.acquire(key, owner="bob", timeout=0.1)
    assert await locking.release(key, owner="bob") is False  # not bob's to release
    assert await locking.release(key, owner="alice") is True
    await locking.acquire(key, owner="bob", timeout=1)
    assert await locking.release(key, owner="bob") is True


async def test_expired_lock_can_be_taken(locking: Any) -> None:
    key = f"exp:{uuid.uuid4().hex}"
    await locking.acquire(key, owner="crashed", expire=0.2)
    await asyncio.sleep(0.3)
    await locking.acquire(key, owner="next", timeout=2)
    assert await locking.release(key, owner="next") is True
