"""Region module: regions and the countries assigned to them (a country belongs to at most one region)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import crud
from euryale.errors import invalid_data
from euryale.ids import generate_id
from euryale.modules.region.models import region, region_country

FIELDS = ("name", "currency_code", "automatic_taxes", "metadata")


async def require_region(conn: AsyncConnection, *, region_id: str) -> dict[str, Any]:
    """The live region row, or 404."""
    return await crud.require_row(conn, region, region_id, f"Region with id: {region_id} was not found")


async def set_countries(conn: AsyncConnection, *, region_id: str, countries: Sequence[str]) -> None:
    """Assign exactly `countries` (ISO-2) to the region; a country of another region is refused."""
    codes = [c.lower() for c in dict.fromkeys(countries)]
    if codes:
        rows = (await conn.execute(select(region_country.c.iso_2, region_country.c.region_id)
                                   .where(region_country.c.iso_2.in_(codes)))).all()
        known = {r.iso_2: r.region_id for r in rows}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise invalid_data(f"Countries with codes: \"{', '.join(unknown)}\" do not exist")
        taken = [c for c, rid in known.items() if rid and rid != region_id]
        if taken:
            raise invalid_data(f"Countries with codes: \"{', '.join(sorted(taken))}\" are already assigned "
                               "to a region")
    await conn.execute(update(region_country).where(region_country.c.region_id == region_id,
                                                    region_country.c.iso_2.notin_(codes or [""]))
                       .values(region_id=None, updated_at=func.now()))
    if codes:
        await conn.execute(update(region_country).where(region_country.c.iso_2.in_(codes))
                           .values(region_id=region_id, updated_at=func.now()))


async def create_region(conn: AsyncConnection, *, data: dict[str, Any]) -> str:
    """Insert a region with its countries; returns its id."""
    region_id = generate_id("reg")
    values = {k: data[k] for k in FIELDS if k in data and data[k] is not None}
    values["currency_code"] = str(values["currency_code"]).lower()
    await conn.execute(insert(region).values(id=region_id, **values))
    await set_countries(conn, region_id=region_id, countries=data.get("countries") or [])
    return region_id


async def update_region(conn: AsyncConnection, *, region_id: str, data: dict[str, Any]) -> None:
    """Update fields and (when given) the countries."""
    await require_region(conn, region_id=region_id)
    values = {k: data[k] for k in FIELDS if k in data}
    if values.get("currency_code"):
        values["currency_code"] = str(values["currency_code"]).lower()
    await conn.execute(update(region).where(region.c.id == region_id).values(**values, updated_at=func.now()))
    if data.get("countries") is not None:
        await set_countries(conn, region_id=region_id, countries=data["countries"])


async def delete_region(conn: AsyncConnection, *, region_id: str) -> None:
    """Soft-delete the region and free its countries."""
    await require_region(conn, region_id=region_id)
    await conn.execute(update(region_country).where(region_country.c.region_id == region_id).values(region_id=None))
    await conn.execute(update(region).where(region.c.id == region_id).values(deleted_at=func.now()))
