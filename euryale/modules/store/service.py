"""Store module: the store row (defaults: sales channel, region, location) and its supported currencies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data, not_found
from euryale.ids import generate_id
from euryale.modules.store.models import store, store_currency

FIELDS = ("name", "default_sales_channel_id", "default_region_id", "default_location_id", "metadata")


async def create_store(conn: AsyncConnection, *, data: dict[str, Any]) -> str:
    """Insert a store with its supported currencies; returns its id."""
    store_id = generate_id("store")
    await conn.execute(insert(store).values(id=store_id, **{k: data[k] for k in FIELDS if k in data}))
    await set_currencies(conn, store_id=store_id, currencies=data.get("supported_currencies") or [])
    return store_id


async def require_store(conn: AsyncConnection, *, store_id: str) -> None:
    """404 unless the store exists."""
    row = (await conn.execute(select(store.c.id).where(store.c.id == store_id, store.c.deleted_at.is_(None)))).first()
    if row is None:
        raise not_found(f"Store with id: {store_id} was not found")


async def set_currencies(conn: AsyncConnection, *, store_id: str, currencies: Sequence[dict[str, Any]]) -> None:
    """Replace the supported currencies (`[{currency_code, is_default?, is_tax_inclusive?}]`); one default."""
    if not currencies:
        return
    defaults = [c for c in currencies if c.get("is_default")]
    if len(defaults) > 1:
        raise invalid_data("Only one default currency is allowed")
    await conn.execute(update(store_currency).where(store_currency.c.store_id == store_id,
                                                    store_currency.c.deleted_at.is_(None))
                       .values(deleted_at=func.now()))
    await conn.execute(insert(store_currency), [
        {"id": generate_id("stocur"), "currency_code": str(c["currency_code"]).lower(),
         "is_default": bool(c.get("is_default")), "store_id": store_id} for c in currencies])


async def update_store(conn: AsyncConnection, *, store_id: str, data: dict[str, Any]) -> None:
    """Update fields and (when given) the supported currencies."""
    await require_store(conn, store_id=store_id)
    values = {k: data[k] for k in FIELDS if k in data}
    await conn.execute(update(store).where(store.c.id == store_id).values(**values, updated_at=func.now()))
    if data.get("supported_currencies") is not None:
        await set_currencies(conn, store_id=store_id, currencies=data["supported_currencies"])
