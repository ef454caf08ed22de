"""Pending migrations without Alembic: the revision graph read from the files' literal headers.

`euryale start` checks for pending migrations before serving. Alembic's script directory imports Alembic (~0.2 s
and ~10 MB of the server's memory for the rest of its life) and executes every revision module; the check only
needs each file's `revision`, `down_revision` and `depends_on`, which the revision template writes as literals.
Anything this reader does not understand (a computed header, a reference to a branch label, a version in the
database that no file declares) answers None, and the caller asks Alembic.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HEADER_NAMES = ("revision", "down_revision", "depends_on")


def _names(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _header(path: Path) -> dict[str, Any] | None:
    """The literal header assignments of one revision file, or None when one is not a literal."""
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_text()).body:
        target: Any = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id in HEADER_NAMES:
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                return None
    return found if isinstance(found.get("revision"), str) else None


def revision_graph(locations: Iterable[str]) -> dict[str, tuple[str, ...]] | None:
    """Revision id → the revisions it needs (down revisions and dependencies), or None (ask Alembic)."""
    graph: dict[str, tuple[str, ...]] = {}
    for location in locations:
        for path in sorted(Path(location).glob("*.py")):
            if path.name.startswith("__"):
                continue
            header = _header(path)
            if header is None:
                return None
            down, deps = _names(header.get("down_revision")), _names(header.get("depends_on"))
            if down is None or deps is None or header["revision"] in graph:
                return None
            graph[header["revision"]] = down + deps
    if any(needed not in graph for needs in graph.values() for needed in needs):
        return None  # a branch label or a partial id: Alembic resolves those
    return graph


def pending_revisions(graph: dict[str, tuple[str, ...]], applied_heads: Iterable[str]) -> list[str] | None:
    """Revisions that are neither an applied head nor needed by one (sorted), or None for an unknown head."""
    done: set[str] = set()
    todo = list(applied_heads)
    while todo:
        rev = todo.pop()
        if rev in done:
            continue
        if rev not in graph:
            return None
        done.add(rev)
        todo.extend(graph[rev])
    return sorted(rev for rev in graph if rev not in done)


async def _applied_heads(url: str) -> list[str]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, poolclass=None)
    try:
        async with engine.connect() as conn:
            exists = (await conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL"))).scalar()
            if not exists:
                return []
            return [row[0] for row in await conn.execute(text("SELECT version_num FROM alembic_version"))]
    finally:
        await engine.dispose()


def pending(url: str, locations: Iterable[str]) -> list[str] | None:
    """Pending revision ids of the database at `url` (None: not decidable here, ask Alembic)."""
    graph = revision_graph(locations)
    if graph is None:
        return None
    return pending_revisions(graph, asyncio.run(_applied_heads(url)))
