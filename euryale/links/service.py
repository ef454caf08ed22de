"""Create, dismiss and read links between two modules' records (set-based: one statement per call)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import direct
from euryale.ids import generate_id
from euryale.links.models import LINKS, LinkDefinition


def link(name: str) -> LinkDefinition:
    return LINKS[name]


async def create_links(conn: AsyncConnection, name: str, pairs: Iterable[tuple[str, str]],
                       extra: dict[str, Any] | None = None) -> int:
    """Link each (left_id, right_id) pair; pairs already linked are left as they are."""
    return len(await create_links_returning_ids(conn, name, pairs, extra))


async def create_links_returning_ids(conn: AsyncConnection, name: str, pairs: Iterable[tuple[str, str]],
                                     extra: dict[str, Any] | None = None) -> list[str]:
    """`create_links` answering the ids of the links it created (for their `.attached` events)."""
    d = LINKS[name]
    wanted = list(dict.fromkeys(pairs))
    if not wanted:
        return []
    t = d.table
    existing = await conn.execute(
        select(t.c[d.left], t.c[d.right]).where(
            tuple_(t.c[d.left], t.c[d.right]).in_(wanted), t.c.deleted_at.is_(None)
        )
    )
    have = {(r[0], r[1]) for r in existing}
    rows = [{"id": generate_id(d.id_prefix), d.left: a, d.right: b, **(extra or {})} for a, b in wanted
            if (a, b) not in have]
    if rows:
        await conn.execute(insert(t), rows)
    return [str(r["id"]) for r in rows]


async def insert_new_links(conn: AsyncConnection, name: str, pairs: Iterable[tuple[str, str]],
                           extra: dict[str, Any] | None = None) -> int:
    """Link pairs that cannot be linked yet (their left record was created in this transaction): one INSERT,
    without `create_links`' look-up of existing links."""
    d = LINKS[name]
    rows = [{"id": generate_id(d.id_prefix), d.left: a, d.right: b, **(extra or {})} for a, b in dict.fromkeys(pairs)]
    if rows:
        await direct.insert_many(conn, d.table, rows)  # compiled once: hot (every cart completion)
    return len(rows)


async def dismiss_links(conn: AsyncConnection, name: str, pairs: Iterable[tuple[str, str]]) -> int:
    """Soft-delete the given links."""
    return len(await dismiss_links_returning_ids(conn, name, pairs))


async def dismiss_links_returning_ids(conn: AsyncConnection, name: str, pairs: Iterable[tuple[str, str]]) -> list[str]:
    """`dismiss_links` answering the ids of the links it soft-deleted (for their `.detached` events)."""
    d = LINKS[name]
    wanted = list(pairs)
    if not wanted:
        return []
    t = d.table
    result = await conn.execute(
        update(t).where(tuple_(t.c[d.left], t.c[d.right]).in_(wanted), t.c.deleted_at.is_(None))
        .values(deleted_at=func.now()).returning(t.c.id)
    )
    return [str(r[0]) for r in result]


async def dismiss_all(conn: AsyncConnection, name: str, *, left_ids: Sequence[str] | None = None,
                      right_ids: Sequence[str] | None = None) -> int:
    """Soft-delete every link of the given left or right records (used when a record is deleted)."""
    d = LINKS[name]
    t = d.table
    cond = [t.c.deleted_at.is_(None)]
    if left_ids is not None:
        cond.append(t.c[d.left].in_(list(left_ids)))
    if right_ids is not None:
        cond.append(t.c[d.right].in_(list(right_ids)))
    result = await conn.execute(update(t).where(and_(*cond)).values(deleted_at=func.now()))
    return int(result.rowcount or 0)


async def linked(conn: AsyncConnection, name: str, *, left_ids: Sequence[str] | None = None,
                 right_ids: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Map each given id to the ids linked to it: by left ids → right ids, or by right ids → left ids."""
    d = LINKS[name]
    t = d.table
    out: dict[str, list[str]] = defaultdict(list)
    if left_ids is not None:
        rows = await conn.execute(select(t.c[d.left], t.c[d.right]).where(
            t.c[d.left].in_(list(left_ids)), t.c.deleted_at.is_(None)))
        for a, b in rows:
            out[a].append(b)
    elif right_ids is not None:
        rows = await conn.execute(select(t.c[d.right], t.c[d.left]).where(
            t.c[d.right].in_(list(right_ids)), t.c.deleted_at.is_(None)))
        for b, a in rows:
            out[b].append(a)
    return dict(out)
