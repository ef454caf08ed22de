"""Admin stock locations: CRUD, sales channels, fulfillment providers and fulfillment sets of a location."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api._logistics import AddRemove, Strict, deleted, reread, transaction
from euryale.flows import logistics as flows
from euryale.http.actors import require_user
from euryale.modules.stock_location import service as stock_locations
from euryale.query.logistics import stock_location_resource
from euryale.query.request import WireRoute, list_envelope

router = APIRouter(dependencies=[Depends(require_user)], route_class=WireRoute)
LOCATIONS = stock_location_resource()


class AddressIn(Strict):
    address_1: str
    address_2: str | None = None
    company: str | None = None
    city: str | None = None
    country_code: str
    phone: str | None = None
    province: str | None = None
    postal_code: str | None = None
    metadata: dict[str, Any] | None = None


class LocationCreate(Strict):
    name: str
    address: AddressIn | None = None
    address_id: str | None = None
    metadata: dict[str, Any] | None = None


class LocationUpdate(Strict):
    name: str | None = None
    address: AddressIn | None = None
    address_id: str | None = None
    metadata: dict[str, Any] | None = None


class FulfillmentSetCreate(Strict):
    name: str
    type: str


@router.get("/admin/stock-locations")
async def list_locations(request: Request) -> dict[str, Any]:
    return await list_envelope(request, LOCATIONS, "stock_locations", store=False, default_limit=20)


@router.post("/admin/stock-locations")
async def create_location(request: Request, body: LocationCreate) -> dict[str, Any]:
    async with transaction(request, "create-stock-locations") as conn:
        loc = await stock_locations.create_stock_location(
            conn, name=body.name, address=body.address.model_dump(exclude_unset=True) if body.address else None,
            address_id=body.address_id, metadata=body.metadata)
    return await reread(request, LOCATIONS, "stock_location", loc["id"])


@router.get("/admin/stock-locations/{location_id}")
async def get_location(request: Request, location_id: str) -> dict[str, Any]:
    return await reread(request, LOCATIONS, "stock_location", location_id)


@router.post("/admin/stock-locations/{location_id}")
async def update_location(request: Request, location_id: str, body: LocationUpdate) -> dict[str, Any]:
    async with transaction(request, "update-stock-locations") as conn:
        await stock_locations.update_stock_location(conn, location_id=location_id, data=body.sent())
    return await reread(request, LOCATIONS, "stock_location", location_id)


@router.delete("/admin/stock-locations/{location_id}")
async def delete_location(request: Request, location_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-stock-locations-workflow") as conn:
        await flows.delete_stock_location(conn, location_id=location_id)
    return deleted(location_id, "stock_location")


@router.post("/admin/stock-locations/{location_id}/sales-channels")
async def location_sales_channels(request: Request, location_id: str, body: AddRemove) -> dict[str, Any]:
    async with transaction(request, "link-sales-channels-to-stock-location") as conn:
        await flows.update_location_sales_channels(conn, location_id=location_id, add=body.add, remove=body.remove)
    return await reread(request, LOCATIONS, "stock_location", location_id)


@router.post("/admin/stock-locations/{location_id}/fulfillment-providers")
async def location_providers(request: Request, location_id: str, body: AddRemove) -> dict[str, Any]:
    async with transaction(request, "batch-links") as conn:
        await flows.update_location_providers(conn, location_id=location_id, add=body.add, remove=body.remove)
    return await reread(request, LOCATIONS, "stock_location", location_id)


@router.post("/admin/stock-locations/{location_id}/fulfillment-sets")
async def location_fulfillment_set(request: Request, location_id: str, body: FulfillmentSetCreate
                                   ) -> dict[str, Any]:
    async with transaction(request, "create-location-fulfillment-set") as conn:
        await flows.create_location_fulfillment_set(conn, location_id=location_id, name=body.name, type=body.type)
    return await reread(request, LOCATIONS, "stock_location", location_id)


