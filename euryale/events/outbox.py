"""Transactional outbox: events are written in the business transaction and published after it commits.

Producers call :func:`stage_events` with the connection of their transaction; a rolled-back transaction therefore
emits nothing. The relay (see `euryale.events.relay`) publishes committed rows to the configured event bus.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, DateTime, Integer, Table, Text, insert, text
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
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("published_at", DateTime(timezone=True), nullable=True),
)


async def stage_events(conn: AsyncConnection, events: Event | Sequence[Event], *, group_id: str | None = None) -> None:
    """Write events to the outbox inside the caller's transaction (published only if it commits)."""
    batch = [events] if isinstance(events, Event) else list(events)
    if not batch:
        return
    await conn.execute(insert(event_outbox), [
        {"id": e.id, "name": e.name, "data": e.data, "metadata": e.metadata or {}, "group_id": group_id}
        for e in batch
    ])
    pending: list[Event] = conn.info.setdefault("staged_events", [])
    pending.extend(batch)
