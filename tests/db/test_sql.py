"""`any_of`: one array parameter instead of an expanded IN list, same rows (empty list: none)."""

from __future__ import annotations

from sqlalchemy import select

from euryale.container import Container
from euryale.db.sql import any_of
from euryale.modules.region.models import region
from tests.support.catalog import make_region


async def test_any_of_matches_in(container: Container) -> None:
    ids = [await make_region(container, "eur") for _ in range(3)]
    async with container.database().read() as conn:
        found = set((await conn.execute(select(region.c.id).where(any_of(region.c.id, ids[:2])))).scalars())
        none = (await conn.execute(select(region.c.id).where(any_of(region.c.id, [])))).all()
        stmt = str(select(region.c.id).where(any_of(region.c.id, ids)).compile(conn.sync_engine))
    assert found == set(ids[:2])
    assert none == []
    assert "= ANY" in stmt and "IN (" not in stmt
