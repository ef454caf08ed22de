"""Admin regions: CRUD with countries and payment providers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from euryale.flows import catalog as flows
from euryale.http.actors import require_user
from euryale.query.cache import bump_after_write
from euryale.query.catalog import region_resource
from euryale.query.request import WireRoute, list_envelope, retrieve_one

router = APIRouter(dependencies=[Depends(bump_after_write, scope="function"), Depends(require_user)], route_class=WireRoute)
RESOURCE = region_resource(store=False)


class RegionFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    countries: list[str] | None = None
    automatic_taxes: bool | None = None
    payment_providers: list[str] | None = None
    metadata: dict[str, Any] | None = None
    is_tax_inclusive: bool | None = None


class RegionCreate(RegionFields):
    name: str
    currency_code: str


class RegionUpdate(RegionFields):
    name: str | None = None
    currency_code: str | None = None


@router.get("/admin/regions")
async def list_regions(request: Request) -> dict[str, Any]:
    """`GET /admin/regions`."""
    return await list_envelope(request, RESOURCE, "regions", store=False)


@router.post("/admin/regions")
async def create_region(body: RegionCreate, request: Request) -> dict[str, Any]:
    """`POST /admin/regions`."""
    data = body.model_dump(exclude_unset=True)
    region_id = await flows.create_region(request.app.state.container, data)
    return {"region": await retrieve_one(request, RESOURCE, region_id, store=False)}


@router.get("/admin/regions/{region_id}")
async def retrieve_region(region_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/regions/{region_id}`."""
    return {"region": await retrieve_one(request, RESOURCE, region_id, store=False)}


@router.post("/admin/regions/{region_id}")
async def update_region(region_id: str, body: RegionUpdate, request: Request) -> dict[str, Any]:
    """`POST /admin/regions/{region_id}`."""
    data = body.model_dump(exclude_unset=True)
    await flows.update_region(request.app.state.container, region_id, data)
    return {"region": await retrieve_one(request, RESOURCE, region_id, store=False)}


@router.delete("/admin/regions/{region_id}")
async def delete_region(region_id: str, request: Request) -> dict[str, Any]:
    """`DELETE /admin/regions/{region_id}`."""
    await flows.delete_region(request.app.state.container, region_id)
    return {"id": region_id, "object": "region", "deleted": True}
