"""The pending-migrations check `start` runs without Alembic agrees with Alembic."""

from __future__ import annotations

import asyncio
from pathlib import Path

from euryale.db import migrate, revisions
from tests.support.services import TestDatabase


async def test_agrees_with_alembic_on_a_migrated_database(database: TestDatabase) -> None:
    found = await asyncio.to_thread(revisions.pending, database.url, migrate.version_locations())
    assert found == [] == await asyncio.to_thread(migrate.pending, database.url)


def test_pending_is_what_the_applied_heads_do_not_need() -> None:
    graph = revisions.revision_graph(migrate.version_locations())
    assert graph is not None and "product_0001" in graph and "perf_0001" in graph
    pending = revisions.pending_revisions(graph, ["perf_0001"])
    assert pending is not None
    # perf depends on the first product, order and promotion revisions: those count as applied
    assert {"perf_0001", "product_0001", "order_0001", "promotion_0001"}.isdisjoint(pending)
    assert {"product_0002", "region_0001"} <= set(pending)
    assert revisions.pending_revisions(graph, []) == sorted(graph)
    assert revisions.pending_revisions(graph, ["a_revision_no_file_declares"]) is None


def test_headers_it_cannot_read_are_left_to_alembic(tmp_path: Path) -> None:
    (tmp_path / "0001_a.py").write_text('revision = "a_0001"\ndown_revision = None\n')
    (tmp_path / "0002_b.py").write_text('revision = "a_0002"\ndown_revision = "a@head"\n')
    assert revisions.revision_graph([str(tmp_path)]) is None  # a branch label, not a revision id
    (tmp_path / "0002_b.py").write_text('revision = "a_0002"\ndown_revision = PREVIOUS\n')
    assert revisions.revision_graph([str(tmp_path)]) is None  # computed header
    (tmp_path / "0002_b.py").write_text('revision: str = "a_0002"\ndown_revision: str | None = "a_0001"\n')
    assert revisions.revision_graph([str(tmp_path)]) == {"a_0001": (), "a_0002": ("a_0001",)}
