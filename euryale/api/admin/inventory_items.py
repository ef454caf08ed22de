"""Admin inventory items, their location levels (CRUD + batch) and reservations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from euryale.api._logistics import Strict, actor_of, deleted, reread, transaction
from euryale.db import crud
from euryale.errors import not_found
from euryale.flows import inventory_export
from euryale.http.actors import require_user
from euryale.http.json import JSONResponse
from euryale.http.query import parse_qs
from euryale.modules.inventory import service as inventory
from euryale.modules.inventory.models import inventory_level
from euryale.query.logistics import inventory_item_resource, inventory_level_resource, reservation_resource
from euryale.query.request import WireRoute, list_envelope

router = APIRouter(dependencies=[Depends(require_user)], route_class=WireRoute)
ITEMS = inventory_item_resource()
LEVELS = inventory_level_resource()
RESERVATIONS = reservation_resource()


class LevelIn(Strict):
    location_id: str
    stocked_quantity: int | None = None
    incoming_quantity: int | None = None


class ItemFields(Strict):
    sku: str | None = None
    hs_code: str | None = None
    weight: int | None = None
    length: int | None = None
    height: int | None = None
    width: int | None = None
    origin_country: str | None = None
    mid_code: str | None = None
    material: str | None = None
    title: str | None = None
    description: str | None = None
    thumbnail: str | None = None
    requires_shipping: bool | None = None
    unit_of_measure: str | None = None
    metadata: dict[str, Any] | None = None


class ItemCreate(ItemFields):
    location_levels: list[LevelIn] | None = None


class LevelUpdate(Strict):
    stocked_quantity: int | None = None
    incoming_quantity: int | None = None


class LevelUpdateWithLocation(LevelUpdate):
    location_id: str
    id: str | None = None


class LevelBatch(Strict):
    create: list[LevelIn] = Field(default_factory=list)
    update: list[LevelUpdateWithLocation] = Field(default_factory=list)
    delete: list[str] = Field(default_factory=list)
    force: bool | None = None


class GlobalLevelIn(LevelIn):
    inventory_item_id: str


class GlobalLevelUpdate(LevelUpdateWithLocation):
    inventory_item_id: str


class GlobalLevelBatch(Strict):
    create: list[GlobalLevelIn] = Field(default_factory=list)
    update: list[GlobalLevelUpdate] = Field(default_factory=list)
    delete: list[str] = Field(default_factory=list)
    force: bool | None = None


class ReservationCreate(Strict):
    line_item_id: str | None = None
    location_id: str
    inventory_item_id: str
    quantity: int
    description: str | None = None
    metadata: dict[str, Any] | None = None


class ReservationUpdate(Strict):
    location_id: str | None = None
    quantity: int | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None


# ---------------------------------------------------------------- items

@router.get("/admin/inventory-items")
async def list_items(request: Request) -> dict[str, Any]:
    return await list_envelope(request, ITEMS, "inventory_items", store=False, default_limit=20)


@router.post("/admin/inventory-items")
async def create_item(request: Request, body: ItemCreate) -> dict[str, Any]:
    async with transaction(request, "create-inventory-items-workflow") as conn:
        [item] = await inventory.create_inventory_items(conn, items=[body.sent()])
    return await reread(request, ITEMS, "inventory_item", item["id"])


@router.post("/admin/inventory-items/export")
async def export_items(request: Request) -> JSONResponse:
    """CSV export of the items matching the query filters (Medusa answers 202 `{transaction_id}`)."""
    filters = {k: v for k, v in parse_qs(request.url.query).items()
               if k not in ("fields", "limit", "offset", "order")}
    transaction_id, _file = await inventory_export.start_export(request.app.state.container, filters=filters)
    return JSONResponse({"transaction_id": transaction_id}, status_code=202)


@router.get("/admin/inventory-items/{item_id}")
async def get_item(request: Request, item_id: str) -> dict[str, Any]:
    return await reread(request, ITEMS, "inventory_item", item_id)


@router.post("/admin/inventory-items/{item_id}")
async def update_item(request: Request, item_id: str, body: ItemFields) -> dict[str, Any]:
    async with transaction(request, "update-inventory-items-workflow") as conn:
        await inventory.update_inventory_item(conn, inventory_item_id=item_id, data=body.sent())
    return await reread(request, ITEMS, "inventory_item", item_id)


@router.delete("/admin/inventory-items/{item_id}")
async def delete_item(request: Request, item_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-inventory-item-workflow") as conn:
        await inventory.retrieve_inventory_item(conn, inventory_item_id=item_id)
        await inventory.delete_inventory_items(conn, ids=[item_id])
    return deleted(item_id, "inventory_item")


# ---------------------------------------------------------------- levels

@router.get("/admin/inventory-items/{item_id}/location-levels")
async def list_levels(request: Request, item_id: str) -> dict[str, Any]:
    return await list_envelope(request, LEVELS, "inventory_levels", store=False,
                               extra=[inventory_level.c.inventory_item_id == item_id])


@router.post("/admin/inventory-items/{item_id}/location-levels")
async def create_level(request: Request, item_id: str, body: LevelIn) -> dict[str, Any]:
    async with transaction(request, "create-inventory-levels-workflow") as conn:
        await inventory.create_inventory_levels(conn, levels=[{"inventory_item_id": item_id, **body.sent()}])
    return await reread(request, ITEMS, "inventory_item", item_id)


async def _batch(conn: Any, create: list[dict[str, Any]], update: list[dict[str, Any]],
                 delete: list[tuple[str | None, str]]) -> dict[str, Any]:
    created = await inventory.create_inventory_levels(conn, levels=create)
    updated = []
    for u in update:
        updated.append(await inventory.update_inventory_level(
            conn, inventory_item_id=u["inventory_item_id"], location_id=u["location_id"],
            stocked_quantity=u.get("stocked_quantity"), incoming_quantity=u.get("incoming_quantity")))
    deleted_ids = []
    for item_id, key in delete:
        if item_id is None:
            levels = await crud.rows_where(conn, inventory_level, inventory_level.c.id == key)
        else:
            levels = await inventory.list_levels(conn, inventory_item_ids=[item_id])
        level = next((lv for lv in levels if key in (lv["id"], lv["location_id"])), None)
        if level is None:
            raise not_found(f"Inventory level with id: {key} was not found")
        deleted_ids.append(await inventory.delete_inventory_level(
            conn, inventory_item_id=level["inventory_item_id"], location_id=level["location_id"]))
    return {"created": [inventory.level_dict(r) for r in created],
            "updated": [inventory.level_dict(r) for r in updated],
            "deleted": deleted_ids}


@router.post("/admin/inventory-items/{item_id}/location-levels/batch")
async def batch_levels(request: Request, item_id: str, body: LevelBatch) -> dict[str, Any]:
    async with transaction(request, "batch-inventory-item-levels") as conn:
        await inventory.retrieve_inventory_item(conn, inventory_item_id=item_id)
        result = await _batch(conn, [{"inventory_item_id": item_id, **c.sent()} for c in body.create],
                              [{"inventory_item_id": item_id, **u.sent()} for u in body.update],
                              [(item_id, d) for d in body.delete])
    # the 2.0 spec answers `{inventory_item}`, 2.21's SDK types read `{created, updated, deleted}`: send both
    return {**await reread(request, ITEMS, "inventory_item", item_id), **result}


@router.post("/admin/inventory-items/location-levels/batch")
async def batch_all_levels(request: Request, body: GlobalLevelBatch) -> dict[str, Any]:
    async with transaction(request, "batch-inventory-item-levels") as conn:
        return await _batch(conn, [c.sent() for c in body.create], [u.sent() for u in body.update],
                            [(None, d) for d in body.delete])


@router.post("/admin/inventory-items/{item_id}/location-levels/{location_id}")
async def update_level(request: Request, item_id: str, location_id: str, body: LevelUpdate) -> dict[str, Any]:
    async with transaction(request, "update-inventory-levels-workflow") as conn:
        await inventory.update_inventory_level(conn, inventory_item_id=item_id, location_id=location_id,
                                               stocked_quantity=body.stocked_quantity,
                                               incoming_quantity=body.incoming_quantity)
    return await reread(request, ITEMS, "inventory_item", item_id)


@router.delete("/admin/inventory-items/{item_id}/location-levels/{location_id}")
async def delete_level(request: Request, item_id: str, location_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-inventory-levels-workflow") as conn:
        level_id = await inventory.delete_inventory_level(conn, inventory_item_id=item_id, location_id=location_id)
    parent = await reread(request, ITEMS, "inventory_item", item_id)
    return deleted(level_id, "inventory-level", parent=parent["inventory_item"])


# ---------------------------------------------------------------- reservations

@router.get("/admin/reservations")
async def list_reservations(request: Request) -> dict[str, Any]:
    return await list_envelope(request, RESERVATIONS, "reservations", store=False, default_limit=20)


@router.post("/admin/reservations")
async def create_reservation(request: Request, body: ReservationCreate) -> dict[str, Any]:
    async with transaction(request, "create-reservations-workflow") as conn:
        row = await inventory.create_reservation(conn, **body.sent(), created_by=actor_of(request))
    return await reread(request, RESERVATIONS, "reservation", row["id"])


@router.get("/admin/reservations/{reservation_id}")
async def get_reservation(request: Request, reservation_id: str) -> dict[str, Any]:
    return await reread(request, RESERVATIONS, "reservation", reservation_id)


@router.post("/admin/reservations/{reservation_id}")
async def update_reservation(request: Request, reservation_id: str, body: ReservationUpdate) -> dict[str, Any]:
    async with transaction(request, "update-reservations-workflow") as conn:
        await inventory.update_reservation(conn, reservation_id=reservation_id, data=body.sent())
    return await reread(request, RESERVATIONS, "reservation", reservation_id)


@router.delete("/admin/reservations/{reservation_id}")
async def delete_reservation(request: Request, reservation_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-reservations-workflow") as conn:
        await inventory.retrieve_reservation(conn, reservation_id=reservation_id)
        await inventory.release_reservations(conn, reservation_ids=[reservation_id])
    return deleted(reservation_id, "reservation")
