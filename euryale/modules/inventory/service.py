"""Inventory: items, stock levels per location, reservations; never oversells.

Concurrency rule: every function that changes `reserved_quantity`/`stocked_quantity` first locks the affected
`inventory_level` rows with `SELECT ... FOR UPDATE ORDER BY id` (fixed order → no deadlocks between two carts that
share items), then re-checks availability on the locked, current values inside the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ARRAY, Integer, String, Text, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import crud, direct
from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param
from euryale.errors import duplicate, invalid_data, not_allowed, not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.ids import generate_id
from euryale.links.models import sales_channel_stock_location
from euryale.modules.inventory.models import inventory_item, inventory_level, reservation_item

INSUFFICIENT_INVENTORY = "insufficient_inventory"
ITEM_FIELDS = ("sku", "origin_country", "hs_code", "mid_code", "material", "weight", "length", "height", "width",
               "requires_shipping", "description", "title", "thumbnail", "metadata", "unit_of_measure")


def level_dict(row: dict[str, Any]) -> dict[str, Any]:
    """An inventory level as Medusa answers it (with `available_quantity`)."""
    out = crud.strip(row, "deleted_at")
    out["available_quantity"] = int(row["stocked_quantity"]) - int(row["reserved_quantity"])
    return out


def _events(name: str, ids: Sequence[str]) -> list[Event]:
    return [Event(name, {"id": i}) for i in ids]


# ---------------------------------------------------------------- items

async def create_inventory_items(conn: AsyncConnection, *, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Create items (each may carry `location_levels: [{location_id, stocked_quantity, incoming_quantity}]`)."""
    skus = [i["sku"] for i in items if i.get("sku")]
    if len(set(skus)) != len(skus):
        raise duplicate("Inventory item with sku: " + ", ".join(sorted(skus)) + " already exists.")
    if skus:
        taken = [r["sku"] for r in await crud.rows_where(conn, inventory_item, inventory_item.c.sku.in_(skus))]
        if taken:
            raise duplicate(f"Inventory item with sku: {', '.join(taken)} already exists.")
    rows = []
    levels: list[dict[str, Any]] = []
    for item in items:
        row_id = generate_id("iitem")
        rows.append({"id": row_id, **{k: item.get(k) for k in ITEM_FIELDS if k in item}})
        for lvl in item.get("location_levels") or []:
            levels.append({"inventory_item_id": row_id, **lvl})
    created = await crud.insert_rows(conn, inventory_item, rows)
    if levels:
        await create_inventory_levels(conn, levels=levels)
    await stage_events(conn, _events("inventory-item.created", [r["id"] for r in created])
                       + _events("inventory.inventory-item.created", [r["id"] for r in created]))
    return created


async def retrieve_inventory_item(conn: AsyncConnection, *, inventory_item_id: str) -> dict[str, Any]:
    """One live item or 404 in Medusa's words."""
    return await crud.require_row(conn, inventory_item, inventory_item_id,
                                  f"Inventory item with id: {inventory_item_id} was not found")


async def update_inventory_item(conn: AsyncConnection, *, inventory_item_id: str,
                                data: dict[str, Any]) -> dict[str, Any]:
    """Update an item's attributes (SKU stays unique among live items)."""
    await retrieve_inventory_item(conn, inventory_item_id=inventory_item_id)
    if data.get("sku"):
        clash = await crud.rows_where(conn, inventory_item, inventory_item.c.sku == data["sku"],
                                      inventory_item.c.id != inventory_item_id)
        if clash:
            raise duplicate(f"Inventory item with sku: {data['sku']} already exists.")
    row = await crud.update_row(conn, inventory_item, inventory_item_id,
                                {k: v for k, v in data.items() if k in ITEM_FIELDS})
    assert row is not None
    await stage_events(conn, _events("inventory-item.updated", [inventory_item_id]))
    return row


async def delete_inventory_items(conn: AsyncConnection, *, ids: Sequence[str]) -> list[str]:
    """Soft-delete items with their levels and reservations."""
    deleted = await crud.soft_delete(conn, inventory_item, ids)
    if deleted:
        for t in (inventory_level, reservation_item):
            await conn.execute(update(t).where(t.c.inventory_item_id.in_(deleted), t.c.deleted_at.is_(None))
                               .values(deleted_at=func.now()))
        await stage_events(conn, _events("inventory-item.deleted", deleted))
    return deleted


async def item_quantities(conn: AsyncConnection, *, inventory_item_ids: Sequence[str],
                          location_ids: Sequence[str] | None = None) -> dict[str, dict[str, int]]:
    """`{item_id: {stocked_quantity, reserved_quantity, incoming_quantity, available_quantity}}` summed over levels."""
    if not inventory_item_ids:
        return {}
    cond = [inventory_level.c.inventory_item_id.in_(list(inventory_item_ids)), inventory_level.c.deleted_at.is_(None)]
    if location_ids is not None:
        cond.append(inventory_level.c.location_id.in_(list(location_ids)))
    stmt = select(inventory_level.c.inventory_item_id,
                  func.coalesce(func.sum(inventory_level.c.stocked_quantity), 0),
                  func.coalesce(func.sum(inventory_level.c.reserved_quantity), 0),
                  func.coalesce(func.sum(inventory_level.c.incoming_quantity), 0),
                  ).where(*cond).group_by(inventory_level.c.inventory_item_id)
    out = {i: {"stocked_quantity": 0, "reserved_quantity": 0, "incoming_quantity": 0, "available_quantity": 0}
           for i in inventory_item_ids}
    for item_id, stocked, reserved, incoming in await conn.execute(stmt):
        out[item_id] = {"stocked_quantity": int(stocked), "reserved_quantity": int(reserved),
                        "incoming_quantity": int(incoming), "available_quantity": int(stocked) - int(reserved)}
    return out


async def sales_channel_location_ids(conn: AsyncConnection, *, sales_channel_id: str) -> list[str]:
    """Stock locations linked to a sales channel (link sales_channel_stock_location)."""
    t = sales_channel_stock_location
    rows = await conn.execute(select(t.c.stock_location_id).where(
        t.c.sales_channel_id == sales_channel_id, t.c.deleted_at.is_(None)).order_by(t.c.stock_location_id))
    return [r[0] for r in rows]


async def variant_inventory_quantities(conn: AsyncConnection, *, variant_items: dict[str, list[tuple[str, int]]],
                                       sales_channel_id: str | None) -> dict[str, int]:
    """`inventory_quantity` per variant: min over its items of available(at the channel's locations) // required.

    `variant_items` maps variant id → [(inventory_item_id, required_quantity)] (from the
    product_variant_inventory_item link). One query for all variants.
    """
    item_ids = sorted({i for pairs in variant_items.values() for i, _ in pairs})
    locations = await sales_channel_location_ids(conn, sales_channel_id=sales_channel_id) if sales_channel_id else None
    qty = await item_quantities(conn, inventory_item_ids=item_ids, location_ids=locations)
    out: dict[str, int] = {}
    for variant_id, pairs in variant_items.items():
        if not pairs:
            out[variant_id] = 0
            continue
        out[variant_id] = max(0, min(qty[i]["available_quantity"] // max(1, int(req)) for i, req in pairs))
    return out


# ---------------------------------------------------------------- levels

async def create_inventory_levels(conn: AsyncConnection, *, levels: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Create levels `{inventory_item_id, location_id, stocked_quantity?, incoming_quantity?}` (one per pair)."""
    if not levels:
        return []
    pairs = [(lv["inventory_item_id"], lv["location_id"]) for lv in levels]
    if len(set(pairs)) != len(pairs):
        raise invalid_data("Inventory level for an item and location is listed twice")
    item_ids = sorted({p[0] for p in pairs})
    found = {r["id"] for r in await crud.rows_where(conn, inventory_item, inventory_item.c.id.in_(item_ids))}
    missing = [i for i in item_ids if i not in found]
    if missing:
        raise not_found(f"Inventory item with id: {missing[0]} was not found")
    existing = await crud.rows_where(conn, inventory_level, inventory_level.c.inventory_item_id.in_(item_ids))
    have = {(r["inventory_item_id"], r["location_id"]) for r in existing}
    for item_id, loc in pairs:
        if (item_id, loc) in have:
            raise duplicate(f"Inventory level for item {item_id} and location {loc} already exists")
    rows = [{"id": generate_id("ilev"), "inventory_item_id": lv["inventory_item_id"], "location_id": lv["location_id"],
             "stocked_quantity": int(lv.get("stocked_quantity") or 0),
             "incoming_quantity": int(lv.get("incoming_quantity") or 0), "metadata": lv.get("metadata")}
            for lv in levels]
    created = await crud.insert_rows(conn, inventory_level, rows)
    await stage_events(conn, _events("inventory-level.created", [r["id"] for r in created]))
    return created


async def list_levels(conn: AsyncConnection, *, inventory_item_ids: Sequence[str],
                      location_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Live levels of the given items (optionally at the given locations)."""
    cond = [inventory_level.c.inventory_item_id.in_(list(inventory_item_ids))]
    if location_ids is not None:
        cond.append(inventory_level.c.location_id.in_(list(location_ids)))
    return await crud.rows_where(conn, inventory_level, *cond)


async def _level_for_update(conn: AsyncConnection, inventory_item_id: str, location_id: str) -> dict[str, Any]:
    stmt = select(inventory_level).where(
        inventory_level.c.inventory_item_id == inventory_item_id, inventory_level.c.location_id == location_id,
        inventory_level.c.deleted_at.is_(None)).with_for_update()
    row = (await conn.execute(stmt)).mappings().first()
    if row is None:
        raise not_found(f"Item {inventory_item_id} is not stocked at location {location_id}")
    return dict(row)


async def update_inventory_level(conn: AsyncConnection, *, inventory_item_id: str, location_id: str,
                                 stocked_quantity: int | None = None, incoming_quantity: int | None = None,
                                 metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Set a level's stocked/incoming quantity (row locked; stock may not drop below what is reserved? Medusa allows)."""
    level = await _level_for_update(conn, inventory_item_id, location_id)
    values: dict[str, Any] = {}
    if stocked_quantity is not None:
        values["stocked_quantity"] = int(stocked_quantity)
    if incoming_quantity is not None:
        values["incoming_quantity"] = int(incoming_quantity)
    if metadata is not None:
        values["metadata"] = metadata
    row = await crud.update_row(conn, inventory_level, level["id"], values)
    assert row is not None
    await stage_events(conn, _events("inventory-level.updated", [row["id"]]))
    return row


async def delete_inventory_level(conn: AsyncConnection, *, inventory_item_id: str, location_id: str) -> str:
    """Delete a level; refused while it has reservations (Medusa's rule)."""
    level = await _level_for_update(conn, inventory_item_id, location_id)
    if int(level["reserved_quantity"]) > 0:
        raise not_allowed(
            f"Cannot remove Inventory Level {level['id']} at Location {location_id} because there are reservations "
            "at location")
    await crud.soft_delete(conn, inventory_level, [level["id"]])
    await stage_events(conn, _events("inventory-level.deleted", [level["id"]]))
    return str(level["id"])


async def adjust_inventory(conn: AsyncConnection, *, inventory_item_id: str, location_id: str,
                           adjustment: int) -> dict[str, Any]:
    """Add `adjustment` (negative to remove) to the stocked quantity of one level, under a row lock."""
    level = await _level_for_update(conn, inventory_item_id, location_id)
    row = await crud.update_row(conn, inventory_level, level["id"],
                                {"stocked_quantity": int(level["stocked_quantity"]) + int(adjustment)})
    assert row is not None
    await stage_events(conn, _events("inventory-level.updated", [row["id"]]))
    return row


# ---------------------------------------------------------------- reservations

_CHANNEL_LEVELS_FOR_UPDATE = select(inventory_level).where(
    any_param(inventory_level.c.inventory_item_id), inventory_level.c.deleted_at.is_(None),
    inventory_level.c.location_id.in_(select(sales_channel_stock_location.c.stock_location_id).where(
        sales_channel_stock_location.c.sales_channel_id == bindparam("sales_channel_id", type_=String),
        sales_channel_stock_location.c.deleted_at.is_(None))),
).order_by(inventory_level.c.id).with_for_update()


_CHANNEL_LEVELS_LOCK = CompiledQuery(lambda: _CHANNEL_LEVELS_FOR_UPDATE)
_SET_RESERVED = CompiledQuery(lambda: text(
    "UPDATE inventory_level SET reserved_quantity = v.quantity, updated_at = now() "
    "FROM unnest(:ids, :quantities) AS v(id, quantity) WHERE inventory_level.id = v.id")
    .bindparams(bindparam("ids", type_=ARRAY(Text)), bindparam("quantities", type_=ARRAY(Integer))))


async def _lock_levels(conn: AsyncConnection, item_ids: Sequence[str],
                       location_ids: Sequence[str] | None = None, *,
                       sales_channel_id: str | None = None) -> list[dict[str, Any]]:
    """Lock the live levels of the items (at `location_ids`, and at the sales channel's locations when given)."""
    if location_ids is None and sales_channel_id is not None:
        # the checkout's reservation: a statement compiled once, run on the driver after euryale.db.direct has
        # begun the transaction (run first straight on asyncpg, the lock would be taken outside it)
        return [dict(r) for r in await direct.fetch(conn, _CHANNEL_LEVELS_LOCK, ids=sorted(set(item_ids)),
                                                    sales_channel_id=sales_channel_id)]
    cond = [inventory_level.c.inventory_item_id.in_(sorted(set(item_ids))), inventory_level.c.deleted_at.is_(None)]
    if location_ids is not None:
        cond.append(inventory_level.c.location_id.in_(sorted(set(location_ids))))
    if sales_channel_id is not None:
        t = sales_channel_stock_location
        cond.append(inventory_level.c.location_id.in_(select(t.c.stock_location_id).where(
            t.c.sales_channel_id == sales_channel_id, t.c.deleted_at.is_(None))))
    # fixed lock order (by id) so concurrent reservations over overlapping items cannot deadlock
    stmt = select(inventory_level).where(*cond).order_by(inventory_level.c.id).with_for_update()
    return [dict(r) for r in (await conn.execute(stmt)).mappings().all()]


async def reserve_items(conn: AsyncConnection, *, items: Sequence[dict[str, Any]],
                        sales_channel_id: str | None = None) -> list[str]:
    """Reserve stock atomically; returns the reservation ids in the order of `items`.

    Each item: `{inventory_item_id, location_id|None, quantity, line_item_id, allow_backorder?, description?,
    metadata?}`. Without `location_id`, the first location (among the sales channel's locations when
    `sales_channel_id` is given) with enough available stock is used. Short stock (and no backorder) raises
    not_allowed / code `insufficient_inventory`; nothing is written then (the caller's transaction rolls back).
    """
    if not items:
        return []
    levels = await _lock_levels(conn, [i["inventory_item_id"] for i in items],
                                sales_channel_id=sales_channel_id or None)
    by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for lv in levels:
        by_item[lv["inventory_item_id"]].append(lv)
    reservations: list[dict[str, Any]] = []
    for item in items:
        qty = int(item["quantity"])
        if qty <= 0:
            raise invalid_data("Reservation quantity must be greater than 0")
        candidates = by_item.get(item["inventory_item_id"], [])
        wanted_loc = item.get("location_id")
        if wanted_loc:
            candidates = [lv for lv in candidates if lv["location_id"] == wanted_loc]
        chosen = next((lv for lv in candidates
                       if int(lv["stocked_quantity"]) - int(lv["reserved_quantity"]) >= qty), None)
        if chosen is None and item.get("allow_backorder") and candidates:
            chosen = candidates[0]
        if chosen is None:
            loc = wanted_loc or (candidates[0]["location_id"] if candidates else "any")
            raise not_allowed(f"Not enough stock available for item {item['inventory_item_id']} at location {loc}",
                              INSUFFICIENT_INVENTORY)
        chosen["reserved_quantity"] = int(chosen["reserved_quantity"]) + qty
        reservations.append({"id": generate_id("resitem"), "inventory_item_id": item["inventory_item_id"],
                             "location_id": chosen["location_id"], "quantity": qty,
                             "line_item_id": item.get("line_item_id"), "description": item.get("description"),
                             "external_id": item.get("external_id"), "created_by": item.get("created_by"),
                             "metadata": item.get("metadata")})
    touched = {r["location_id"] + "|" + r["inventory_item_id"] for r in reservations}
    reserved = {lv["id"]: lv["reserved_quantity"] for lv in levels
                if lv["location_id"] + "|" + lv["inventory_item_id"] in touched}
    # one UPDATE for every touched level (rows already locked above), compiled once: pairs of arrays
    await direct.fetch(conn, _SET_RESERVED, ids=list(reserved), quantities=[int(q) for q in reserved.values()])
    await crud.insert_rows(conn, reservation_item, reservations)
    await stage_events(conn, _events("reservation-item.created", [r["id"] for r in reservations]))
    return [r["id"] for r in reservations]


async def create_reservation(conn: AsyncConnection, *, inventory_item_id: str, location_id: str, quantity: int,
                             line_item_id: str | None = None, description: str | None = None,
                             metadata: dict[str, Any] | None = None, allow_backorder: bool = False,
                             created_by: str | None = None) -> dict[str, Any]:
    """One reservation at a given location (admin `POST /admin/reservations`)."""
    await retrieve_inventory_item(conn, inventory_item_id=inventory_item_id)
    await _level_for_update(conn, inventory_item_id, location_id)
    [rid] = await reserve_items(conn, items=[{
        "inventory_item_id": inventory_item_id, "location_id": location_id, "quantity": quantity,
        "line_item_id": line_item_id, "description": description, "metadata": metadata,
        "allow_backorder": allow_backorder, "created_by": created_by}])
    row = await crud.get_row(conn, reservation_item, rid)
    assert row is not None
    return row


async def retrieve_reservation(conn: AsyncConnection, *, reservation_id: str) -> dict[str, Any]:
    """One live reservation or 404."""
    return await crud.require_row(conn, reservation_item, reservation_id,
                                  f"Reservation item with id: {reservation_id} was not found")


async def update_reservation(conn: AsyncConnection, *, reservation_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Change quantity / location / description / metadata, moving the reserved quantity between levels."""
    current = await retrieve_reservation(conn, reservation_id=reservation_id)
    new_loc = data.get("location_id") or current["location_id"]
    new_qty = int(data["quantity"]) if data.get("quantity") is not None else int(current["quantity"])
    levels = await _lock_levels(conn, [current["inventory_item_id"]], sorted({new_loc, current["location_id"]}))
    # lock order everywhere: levels, then reservations; re-read so a concurrent change is not applied twice
    current = await crud.get_row(conn, reservation_item, reservation_id, for_update=True) or current
    by_loc = {lv["location_id"]: lv for lv in levels}
    if new_loc not in by_loc:
        raise not_found(f"Item {current['inventory_item_id']} is not stocked at location {new_loc}")
    old = by_loc.get(current["location_id"])
    if old is not None:
        old["reserved_quantity"] = int(old["reserved_quantity"]) - int(current["quantity"])
    target = by_loc[new_loc]
    if (int(target["stocked_quantity"]) - int(target["reserved_quantity"]) < new_qty
            and not data.get("allow_backorder")):
        raise not_allowed(f"Not enough stock available for item {current['inventory_item_id']} at location {new_loc}",
                          INSUFFICIENT_INVENTORY)
    target["reserved_quantity"] = int(target["reserved_quantity"]) + new_qty
    for lv in levels:
        await conn.execute(update(inventory_level).where(inventory_level.c.id == lv["id"])
                           .values(reserved_quantity=lv["reserved_quantity"], updated_at=func.now()))
    values: dict[str, Any] = {k: data[k] for k in ("description", "metadata") if k in data}
    values.update(location_id=new_loc, quantity=new_qty)
    row = await crud.update_row(conn, reservation_item, reservation_id, values)
    assert row is not None
    await stage_events(conn, _events("reservation-item.updated", [reservation_id]))
    return row


async def release_reservations(conn: AsyncConnection, *, line_item_ids: Sequence[str] | None = None,
                               reservation_ids: Sequence[str] | None = None) -> list[str]:
    """Delete reservations (by line item or id) and give their quantity back to the levels; returns deleted ids."""
    cond = []
    if line_item_ids is not None:
        cond.append(reservation_item.c.line_item_id.in_(list(line_item_ids)))
    if reservation_ids is not None:
        cond.append(reservation_item.c.id.in_(list(reservation_ids)))
    if not cond:
        return []
    found = await crud.rows_where(conn, reservation_item, *cond)
    if not found:
        return []
    levels = await _lock_levels(conn, [r["inventory_item_id"] for r in found], [r["location_id"] for r in found])
    # lock the reservations too, then re-read: a concurrent release must not give the quantity back twice
    locked = await conn.execute(select(reservation_item).where(
        reservation_item.c.id.in_([r["id"] for r in found]), reservation_item.c.deleted_at.is_(None))
        .order_by(reservation_item.c.id).with_for_update())
    live = [dict(r) for r in locked.mappings().all()]
    back: dict[tuple[str, str], int] = defaultdict(int)
    for r in live:
        back[(r["inventory_item_id"], r["location_id"])] += int(r["quantity"])
    for lv in levels:
        delta = back.get((lv["inventory_item_id"], lv["location_id"]), 0)
        if delta:
            await conn.execute(update(inventory_level).where(inventory_level.c.id == lv["id"])
                               .values(reserved_quantity=inventory_level.c.reserved_quantity - delta,
                                       updated_at=func.now()))
    ids = await crud.soft_delete(conn, reservation_item, [r["id"] for r in live])
    await stage_events(conn, _events("reservation-item.deleted", ids))
    return ids


def check_availability(*, need: Mapping[str, int], available: Mapping[str, int]) -> None:
    """Raise Medusa's insufficient-inventory error unless each inventory item's needed quantity is available."""
    for item_id, qty in need.items():
        if available.get(item_id, 0) < qty:
            raise not_allowed("Some variant does not have the required inventory", INSUFFICIENT_INVENTORY)


async def confirm_inventory(conn: AsyncConnection, *, items: Sequence[dict[str, Any]],
                            sales_channel_id: str | None) -> None:
    """Check (without reserving) that each `{inventory_item_id, quantity, allow_backorder?, required_quantity?}`
    is available at the sales channel's locations; raises not_allowed/insufficient_inventory as Medusa does."""
    need: dict[str, int] = defaultdict(int)
    for item in items:
        if item.get("allow_backorder"):
            continue
        need[item["inventory_item_id"]] += int(item["quantity"]) * int(item.get("required_quantity") or 1)
    if not need:
        return
    # one statement: the best level per item, at the channel's locations (any location without a channel)
    lv = inventory_level
    stmt = (select(lv.c.inventory_item_id, func.max(lv.c.stocked_quantity - lv.c.reserved_quantity))
            .where(lv.c.inventory_item_id.in_(list(need)), lv.c.deleted_at.is_(None))
            .group_by(lv.c.inventory_item_id))
    if sales_channel_id:
        t = sales_channel_stock_location
        stmt = stmt.where(lv.c.location_id.in_(select(t.c.stock_location_id).where(
            t.c.sales_channel_id == sales_channel_id, t.c.deleted_at.is_(None))))
    check_availability(need=need, available={r[0]: max(int(r[1]), 0) for r in await conn.execute(stmt)})


async def consume_reservations(conn: AsyncConnection, *, line_item_ids: Sequence[str],
                               quantities: dict[str, int] | None = None) -> None:
    """On fulfilment: remove reserved stock for the line items from both stocked and reserved quantities."""
    found = await crud.rows_where(conn, reservation_item, reservation_item.c.line_item_id.in_(list(line_item_ids)))
    if not found:
        return
    levels = await _lock_levels(conn, [r["inventory_item_id"] for r in found], [r["location_id"] for r in found])
    found = [dict(r) for r in (await conn.execute(select(reservation_item).where(
        reservation_item.c.id.in_([r["id"] for r in found]), reservation_item.c.deleted_at.is_(None))
        .order_by(reservation_item.c.id).with_for_update())).mappings().all()]
    by_key = {(lv["inventory_item_id"], lv["location_id"]): lv for lv in levels}
    remaining = dict(quantities or {})
    for r in found:
        qty = int(r["quantity"])
        if quantities is not None:
            take = min(qty, remaining.get(r["line_item_id"], 0))
            remaining[r["line_item_id"]] = remaining.get(r["line_item_id"], 0) - take
        else:
            take = qty
        if take <= 0:
            continue
        lv = by_key.get((r["inventory_item_id"], r["location_id"]))
        if lv is not None:
            await conn.execute(update(inventory_level).where(inventory_level.c.id == lv["id"]).values(
                stocked_quantity=inventory_level.c.stocked_quantity - take,
                reserved_quantity=inventory_level.c.reserved_quantity - take, updated_at=func.now()))
        if take >= qty:
            await crud.soft_delete(conn, reservation_item, [r["id"]])
        else:
            await conn.execute(update(reservation_item).where(reservation_item.c.id == r["id"])
                               .values(quantity=qty - take, updated_at=func.now()))
