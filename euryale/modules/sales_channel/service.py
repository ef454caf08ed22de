"""Sales channel module: CRUD of channels (links to products/keys/locations live in `euryale.links`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import not_found
from euryale.ids import generate_id
from euryale.modules.sales_channel.models import sales_channel

FIELDS = ("name", "description", "is_disabled", "metadata")


async def create_sales_channels(conn: AsyncConnection, *, data: list[dict[str, Any]]) -> list[str]:
    """Insert channels; returns their ids."""
    rows = [{"id": d.get("id") or generate_id("sc"), **{k: d[k] for k in FIELDS if k in d}} for d in data]
    if rows:
        await conn.execute(insert(sales_channel), rows)
    return [r["id"] for r in rows]


async def require_sales_channel(conn: AsyncConnection, *, sales_channel_id: str) -> None:
    """404 unless the channel exists."""
    row = (await conn.execute(select(sales_channel.c.id).where(sales_channel.c.id == sales_channel_id,
                                                                sales_channel.c.deleted_at.is_(None)))).first()
    if row is None:
        raise not_found(f"Sales channel with id: {sales_channel_id} was not found")


async def update_sales_channel(conn: AsyncConnection, *, sales_channel_id: str, data: dict[str, Any]) -> None:
    """Update a channel's fields."""
    await require_sales_channel(conn, sales_channel_id=sales_channel_id)
    values = {k: data[k] for k in FIELDS if k in data}
    await conn.execute(update(sales_channel).where(sales_channel.c.id == sales_channel_id)
                       .values(**values, updated_at=func.now()))


async def delete_sales_channel(conn: AsyncConnection, *, sales_channel_id: str) -> None:
    """Soft-delete a channel."""
    await require_sales_channel(conn, sales_channel_id=sales_channel_id)
    await conn.execute(update(sales_channel).where(sales_channel.c.id == sales_channel_id)
                       .values(deleted_at=func.now()))
