"""Fixtures for CLI tests: the run's database brought up to date right before each subprocess test."""

from __future__ import annotations

import asyncio

import pytest

from euryale.db import migrate
from tests.support import services


@pytest.fixture
async def migrated(database: services.TestDatabase) -> services.TestDatabase:
    """The session database with every revision present on disk now (others add revisions while we run)."""
    await asyncio.to_thread(migrate.upgrade, database.url)
    return database
