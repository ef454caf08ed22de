"""Stock locations and their addresses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import crud
from euryale.errors import invalid_data, not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.ids import generate_id
from euryale.modules.stock_location.models import stock_location, stock_location_address

ADDRESS_FIELDS = ("address_1", "address_2", "company", "city", "country_code", "phone", "province", "postal_code",
                  "metadata")


def _address_row(address: dict[str, Any]) -> dict[str, Any]:
    if not address.get("address_1") or not address.get("country_code"):
        raise invalid_data("Invalid request: Field 'address.address_1' and 'address.country_code' are required")
    return {k: address.get(k) for k in ADDRESS_FIELDS if k in address}


async def expand_locations(conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Locations with `address` (one query)."""
    addr_ids = [r["address_id"] for r in rows if r["address_id"]]
    addrs = {a["id"]: a for a in await crud.rows_where(conn, stock_location_address,
                                                        stock_location_address.c.id.in_(addr_ids))} if addr_ids else {}
    return [{**r, "address": addrs.get(r["address_id"] or "")} for r in rows]


async def retrieve_stock_location(conn: AsyncConnection, *, location_id: str) -> dict[str, Any]:
    """One live location with its address, or 404."""
    row = await crud.get_row(conn, stock_location, location_id)
    if row is None:
        raise not_found(f"Stock location with id: {location_id} was not found")
    return (await expand_locations(conn, [row]))[0]


async def create_stock_location(conn: AsyncConnection, *, name: str, address: dict[str, Any] | None = None,
                                address_id: str | None = None,
                                metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create a location (with a new address, or an existing `address_id`)."""
    if address:
        address_id = (await crud.insert_row(conn, stock_location_address,
                                            {"id": generate_id("laddr"), **_address_row(address)}))["id"]
    row = await crud.insert_row(conn, stock_location, {"id": generate_id("sloc"), "name": name,
                                                       "address_id": address_id, "metadata": metadata})
    await stage_events(conn, [Event("stock-location.created", {"id": row["id"]})])
    return await retrieve_stock_location(conn, location_id=row["id"])


async def update_stock_location(conn: AsyncConnection, *, location_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Update name/metadata; an `address` updates the current address (or creates one)."""
    current = await retrieve_stock_location(conn, location_id=location_id)
    values: dict[str, Any] = {k: data[k] for k in ("name", "metadata", "address_id") if k in data}
    if data.get("address"):
        if current["address_id"]:
            await crud.update_row(conn, stock_location_address, current["address_id"],
                                  {k: data["address"][k] for k in ADDRESS_FIELDS if k in data["address"]})
        else:
            values["address_id"] = (await crud.insert_row(conn, stock_location_address, {
                "id": generate_id("laddr"), **_address_row(data["address"])}))["id"]
    await crud.update_row(conn, stock_location, location_id, values)
    await stage_events(conn, [Event("stock-location.updated", {"id": location_id})])
    return await retrieve_stock_location(conn, location_id=location_id)


async def delete_stock_locations(conn: AsyncConnection, *, ids: Sequence[str]) -> list[str]:
    """Soft-delete locations (and their addresses)."""
    rows = await crud.rows_where(conn, stock_location, stock_location.c.id.in_(list(ids)))
    deleted = await crud.soft_delete(conn, stock_location, ids)
    await crud.soft_delete(conn, stock_location_address, [r["address_id"] for r in rows if r["address_id"]])
    await stage_events(conn, [Event("stock-location.deleted", {"id": i}) for i in deleted])
    return deleted
