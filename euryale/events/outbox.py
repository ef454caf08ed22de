"""Transactional outbox: events are written in the business transaction and published after it commits.

Producers call :func:`stage_events` with the connection of their transaction; a rolled-back transaction therefore
emits nothing. The relay (see `euryale.events.relay`) publishes committed rows to the configured event bus.
Rows staged with ``hold=True`` (events of a running workflow) wait until :func:`release_group` (the workflow
succeeded) or are dropped by :func:`clear_group` (it failed).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Integer, Table, Text, delete, insert, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db.schema import metadata
from euryale.events import Event

event_outbox = Table(
    "event_outbox",
    metadata,
    Column("id", Text, primary_key=True),
    Column("seq", Integer, nullable=False, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("group_id", Text, nullable=True),
    Column("held", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("published_at", DateTime(timezone=True), nullable=True),
)


_held_group: ContextVar[tuple[str, bool] | None] = ContextVar("euryale_held_event_group", default=None)
_deferred: ContextVar[tuple[AsyncConnection, list[dict[str, Any]]] | None] = ContextVar(
    "euryale_deferred_outbox_rows", default=None)


@contextmanager
def holding_events(group_id: str, *, hold: bool = True) -> Iterator[None]:
    """Within this block, events staged without a group are held under `group_id` (a workflow step's group), so
    plain transactional flows run as workflow steps publish only when their workflow succeeds.

    `hold=False` only tags them with the group: for a workflow whose outcome commits in the same transaction as
    the events (see `WorkflowEngine.run_in_transaction`), there is nothing to wait for.
    """
    token = _held_group.set((group_id, hold))
    try:
        yield
    finally:
        _held_group.reset(token)


@contextmanager
def deferring_events(conn: AsyncConnection) -> Iterator[list[dict[str, Any]]]:
    """Within this block, un-held events staged on `conn` are collected as outbox rows instead of inserted: the
    caller inserts them into `event_outbox` with the last statement of `conn`'s transaction, saving a round trip
    per write. Only for a transaction whose last statement the caller runs, and that nothing reads the outbox in."""
    rows: list[dict[str, Any]] = []
    token = _deferred.set((conn, rows))
    try:
        yield rows
    finally:
        _deferred.reset(token)


async def stage_events(conn: AsyncConnection, events: Event | Sequence[Event], *, group_id: str | None = None,
                       hold: bool = False) -> None:
    """Write events to the outbox inside the caller's transaction (published only if it commits).

    With ``hold=True`` the rows also wait for :func:`release_group` of ``group_id`` (workflow success). Inside
    :func:`holding_events`, events staged without a group are held under that block's group.
    """
    if group_id is None:
        held = _held_group.get()
        if held is not None:
            group_id, hold = held
    batch = [events] if isinstance(events, Event) else list(events)
    if not batch:
        return
    if hold and not group_id:
        raise ValueError("hold=True needs a group_id")
    rows = [{"id": e.id, "name": e.name, "data": e.data,
             "metadata": {**(e.metadata or {}), **({"eventGroupId": group_id} if group_id else {})},
             "group_id": group_id, "held": hold} for e in batch]
    deferred = _deferred.get()
    if not hold and deferred is not None and deferred[0] is conn:
        deferred[1].extend(rows)
    else:
        await conn.execute(insert(event_outbox), rows)
    if not hold:
        pending: list[Event] = conn.info.setdefault("staged_events", [])
        pending.extend(batch)


async def release_group(conn: AsyncConnection, group_id: str) -> int:
    """Let the relay publish the held events of ``group_id`` once the caller's transaction commits."""
    result = await conn.execute(update(event_outbox).where(event_outbox.c.group_id == group_id,
                                                           event_outbox.c.held.is_(True)).values(held=False))
    if result.rowcount:
        # wakes the relay after commit, like any other staged event
        conn.info.setdefault("staged_events", [])
    return int(result.rowcount or 0)


async def clear_group(conn: AsyncConnection, group_id: str) -> int:
    """Drop the held (never published) events of ``group_id``: the work that emitted them was undone."""
    result = await conn.execute(delete(event_outbox).where(event_outbox.c.group_id == group_id,
                                                           event_outbox.c.held.is_(True)))
    return int(result.rowcount or 0)
