"""Where order items meet inventory: variant → inventory items (link), reservations, and the default location."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.links.models import location_fulfillment_set, product_variant_inventory_item
from euryale.modules.fulfillment.models import service_zone, shipping_option
from euryale.modules.inventory import service as inventory
from euryale.modules.inventory.models import reservation_item


async def variant_inventory(conn: AsyncConnection, *, variant_ids: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
    """variant id → [(inventory_item_id, required_quantity)] through the variant↔inventory link."""
    ids = [v for v in variant_ids if v]
    if not ids:
        return {}
    t = product_variant_inventory_item
    rows = await conn.execute(select(t.c.variant_id, t.c.inventory_item_id, t.c.required_quantity)
                              .where(t.c.variant_id.in_(ids), t.c.deleted_at.is_(None)))
    out: dict[str, list[tuple[str, int]]] = {}
    for vid, iid, req in rows:
        out.setdefault(vid, []).append((iid, int(req or 1)))
    return out


async def reserved_units(conn: AsyncConnection, *, line_item_ids: Sequence[str]) -> dict[str, int]:
    """Units still reserved per line item."""
    if not line_item_ids:
        return {}
    r = reservation_item
    rows = await conn.execute(select(r.c.line_item_id, func.sum(r.c.quantity))
                              .where(r.c.line_item_id.in_(list(line_item_ids)), r.c.deleted_at.is_(None))
                              .group_by(r.c.line_item_id))
    return {lid: int(q or 0) for lid, q in rows}


async def ship_out(conn: AsyncConnection, *, location_id: str, lines: Sequence[dict[str, Any]]) -> None:
    """Stock leaves the warehouse for fulfilled lines `{line_item_id, units: {inventory_item_id: n}}`.

    Reserved units are consumed first (stocked and reserved both drop); the rest comes off the stock at the
    fulfilment location.
    """
    reserved = await reserved_units(conn, line_item_ids=[ln["line_item_id"] for ln in lines])
    for ln in lines:
        need = sum(ln["units"].values())
        take = min(need, reserved.get(ln["line_item_id"], 0))
        if take:
            await inventory.consume_reservations(conn, line_item_ids=[ln["line_item_id"]],
                                                 quantities={ln["line_item_id"]: take})
        rest = need - take
        for inv_id, units in sorted(ln["units"].items()):
            part = min(units, rest)
            if part > 0:
                await inventory.adjust_inventory(conn, inventory_item_id=inv_id, location_id=location_id,
                                                 adjustment=-part)
                rest -= part


async def restock(conn: AsyncConnection, *, location_id: str, units: dict[str, int]) -> None:
    """Stock comes back (canceled fulfilment, received return) at a location."""
    for inv_id in sorted(units):
        if units[inv_id]:
            await inventory.adjust_inventory(conn, inventory_item_id=inv_id, location_id=location_id,
                                             adjustment=units[inv_id])


async def default_location(conn: AsyncConnection, *, shipping_option_ids: Sequence[str]) -> str | None:
    """The stock location serving the order's shipping option (option → zone → fulfillment set → location)."""
    ids = [i for i in shipping_option_ids if i]
    if not ids:
        return None
    lfs = location_fulfillment_set
    stmt = (select(lfs.c.stock_location_id)
            .select_from(shipping_option.join(service_zone, service_zone.c.id == shipping_option.c.service_zone_id)
                         .join(lfs, lfs.c.fulfillment_set_id == service_zone.c.fulfillment_set_id))
            .where(shipping_option.c.id.in_(ids), lfs.c.deleted_at.is_(None)).limit(1))
    return (await conn.execute(stmt)).scalar()


async def shipping_option_provider(conn: AsyncConnection, *, shipping_option_id: str | None) -> str | None:
    if not shipping_option_id:
        return None
    return (await conn.execute(select(shipping_option.c.provider_id)
                               .where(shipping_option.c.id == shipping_option_id))).scalar()
