"""Fixtures shared by the architectural-module test folders (imported by their conftest.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from euryale.db import migrate
from tests.support.services import TestDatabase, create_database, drop_database


@pytest.fixture(scope="session")
async def arch_db() -> AsyncIterator[TestDatabase]:
    """A private migrated database: outbox relays started by these tests must not see other tests' events."""
    db = await create_database("arch")
    try:
        await asyncio.to_thread(migrate.upgrade, db.url)
        yield db
    finally:
        await drop_database(db)


@pytest.fixture
def prefix(redis_prefix: str) -> str:
    """A Redis key prefix of this test alone (under the run's prefix, cleaned at the end of the session)."""
    return f"{redis_prefix}{uuid.uuid4().hex[:8]}:"
