"""Admin fulfillment sets (delete, service zones with geo zones) and fulfillment providers."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request

from euryale.api._logistics import Strict, deleted, reread, transaction
from euryale.flows import logistics as flows
from euryale.http.actors import require_user
from euryale.http.query import list_params, parse_qs
from euryale.modules.fulfillment import service as fulfillment
from euryale.query.logistics import fulfillment_provider_resource, fulfillment_set_resource
from euryale.query.request import WireRoute, list_envelope

router = APIRouter(dependencies=[Depends(require_user)], route_class=WireRoute)
SETS = fulfillment_set_resource()
PROVIDERS = fulfillment_provider_resource()
GeoType = Literal["country", "province", "city", "zip"]


class GeoZoneIn(Strict):
    id: str | None = None
    type: GeoType = "country"
    country_code: str | None = None
    province_code: str | None = None
    city: str | None = None
    postal_expression: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class ZoneCreate(Strict):
    name: str
    geo_zones: list[GeoZoneIn] = []
    metadata: dict[str, Any] | None = None


class ZoneUpdate(Strict):
    name: str | None = None
    geo_zones: list[GeoZoneIn] | None = None
    metadata: dict[str, Any] | None = None


@router.delete("/admin/fulfillment-sets/{set_id}")
async def delete_set(request: Request, set_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-fulfillment-sets") as conn:
        await fulfillment.retrieve_fulfillment_set(conn, fulfillment_set_id=set_id)
        await flows.delete_fulfillment_sets(conn, ids=[set_id])
    return deleted(set_id, "fulfillment_set")


@router.post("/admin/fulfillment-sets/{set_id}/service-zones")
async def create_zone(request: Request, set_id: str, body: ZoneCreate) -> dict[str, Any]:
    async with transaction(request, "create-service-zones") as conn:
        await fulfillment.retrieve_fulfillment_set(conn, fulfillment_set_id=set_id)
        await fulfillment.create_service_zones(conn, fulfillment_set_id=set_id, zones=[body.sent()])
    return await reread(request, SETS, "fulfillment_set", set_id)


@router.get("/admin/fulfillment-sets/{set_id}/service-zones/{zone_id}")
async def get_zone(request: Request, set_id: str, zone_id: str) -> dict[str, Any]:
    async with request.app.state.container.database().read() as conn:
        zone = await fulfillment.retrieve_service_zone(conn, fulfillment_set_id=set_id, service_zone_id=zone_id)
    # Medusa 2.21.2's keys: no set id or metadata; live rows (here and in the geo zones) with deleted_at null
    out = {k: zone.get(k) for k in ("id", "name", "created_at", "updated_at")}
    out["deleted_at"] = None
    out["geo_zones"] = [{**g, "deleted_at": None} for g in zone.get("geo_zones") or []]
    return {"service_zone": out}


@router.post("/admin/fulfillment-sets/{set_id}/service-zones/{zone_id}")
async def update_zone(request: Request, set_id: str, zone_id: str, body: ZoneUpdate) -> dict[str, Any]:
    async with transaction(request, "update-service-zones") as conn:
        await fulfillment.retrieve_service_zone(conn, fulfillment_set_id=set_id, service_zone_id=zone_id)
        await fulfillment.update_service_zone(conn, service_zone_id=zone_id, data=body.sent())
    return await reread(request, SETS, "fulfillment_set", set_id)


@router.delete("/admin/fulfillment-sets/{set_id}/service-zones/{zone_id}")
async def delete_zone(request: Request, set_id: str, zone_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-service-zones") as conn:
        await flows.delete_service_zone(conn, fulfillment_set_id=set_id, zone_id=zone_id)
    parent = await reread(request, SETS, "fulfillment_set", set_id)
    return deleted(zone_id, "service_zone", parent=parent["fulfillment_set"])


@router.get("/admin/fulfillment-providers")
async def list_providers(request: Request) -> dict[str, Any]:
    return await list_envelope(request, PROVIDERS, "fulfillment_providers", store=False)


@router.get("/admin/fulfillment-providers/{provider_id}/options")
async def provider_options(request: Request, provider_id: str) -> dict[str, Any]:
    params = list_params(parse_qs(request.url.query))
    async with request.app.state.container.database().read() as conn:
        options = await fulfillment.provider_options(conn, provider_id=provider_id)
    page = options[params.offset:params.offset + params.limit]
    return {"fulfillment_options": page, "count": len(options), "offset": params.offset, "limit": params.limit}
