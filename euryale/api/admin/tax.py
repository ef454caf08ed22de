"""Admin tax regions, tax rates (+ rules) and tax providers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api._logistics import Strict, actor_of, deleted, reread, transaction
from euryale.http.actors import require_user
from euryale.http.query import list_params, parse_qs
from euryale.modules.tax import service as tax
from euryale.query.logistics import tax_rate_resource, tax_region_resource
from euryale.query.request import WireRoute, list_envelope

router = APIRouter(dependencies=[Depends(require_user)], route_class=WireRoute)
REGIONS = tax_region_resource()
RATES = tax_rate_resource()


class RuleIn(Strict):
    reference: str
    reference_id: str


class DefaultRateIn(Strict):
    rate: Decimal | None = None
    code: str
    name: str
    is_combinable: bool | None = None
    metadata: dict[str, Any] | None = None


class RegionCreate(Strict):
    country_code: str
    province_code: str | None = None
    parent_id: str | None = None
    provider_id: str | None = None
    default_tax_rate: DefaultRateIn | None = None
    metadata: dict[str, Any] | None = None


class RegionUpdate(Strict):
    province_code: str | None = None
    provider_id: str | None = None
    metadata: dict[str, Any] | None = None


class RateCreate(Strict):
    rate: Decimal | None = None
    code: str
    rules: list[RuleIn] | None = None
    name: str
    is_default: bool | None = None
    is_combinable: bool | None = None
    tax_region_id: str
    metadata: dict[str, Any] | None = None


class RateUpdate(Strict):
    rate: Decimal | None = None
    code: str | None = None
    rules: list[RuleIn] | None = None
    name: str | None = None
    is_default: bool | None = None
    is_combinable: bool | None = None
    metadata: dict[str, Any] | None = None


@router.get("/admin/tax-regions")
async def list_regions(request: Request) -> dict[str, Any]:
    return await list_envelope(request, REGIONS, "tax_regions", store=False, default_limit=20)


@router.post("/admin/tax-regions")
async def create_region(request: Request, body: RegionCreate) -> dict[str, Any]:
    async with transaction(request, "create-tax-regions") as conn:
        row = await tax.create_tax_region(conn, data=body.sent(), created_by=actor_of(request))
    return await reread(request, REGIONS, "tax_region", row["id"])


@router.get("/admin/tax-regions/{region_id}")
async def get_region(request: Request, region_id: str) -> dict[str, Any]:
    return await reread(request, REGIONS, "tax_region", region_id)


@router.post("/admin/tax-regions/{region_id}")
async def update_region(request: Request, region_id: str, body: RegionUpdate) -> dict[str, Any]:
    async with transaction(request, "update-tax-regions") as conn:
        await tax.update_tax_region(conn, tax_region_id=region_id, data=body.sent())
    return await reread(request, REGIONS, "tax_region", region_id)


@router.delete("/admin/tax-regions/{region_id}")
async def delete_region(request: Request, region_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-tax-regions") as conn:
        await tax.retrieve_tax_region(conn, tax_region_id=region_id)
        await tax.delete_tax_region(conn, tax_region_id=region_id)
    return deleted(region_id, "tax_region")


@router.get("/admin/tax-rates")
async def list_rates(request: Request) -> dict[str, Any]:
    return await list_envelope(request, RATES, "tax_rates", store=False, default_limit=20)


@router.post("/admin/tax-rates")
async def create_rate(request: Request, body: RateCreate) -> dict[str, Any]:
    async with transaction(request, "create-tax-rates") as conn:
        row = await tax.create_tax_rate(conn, data=body.sent(), created_by=actor_of(request))
    return await reread(request, RATES, "tax_rate", row["id"])


@router.get("/admin/tax-rates/{rate_id}")
async def get_rate(request: Request, rate_id: str) -> dict[str, Any]:
    return await reread(request, RATES, "tax_rate", rate_id)


@router.post("/admin/tax-rates/{rate_id}")
async def update_rate(request: Request, rate_id: str, body: RateUpdate) -> dict[str, Any]:
    async with transaction(request, "update-tax-rates") as conn:
        await tax.update_tax_rate(conn, tax_rate_id=rate_id, data=body.sent(), created_by=actor_of(request))
    return await reread(request, RATES, "tax_rate", rate_id)


@router.delete("/admin/tax-rates/{rate_id}")
async def delete_rate(request: Request, rate_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-tax-rates") as conn:
        await tax.retrieve_tax_rate(conn, tax_rate_id=rate_id)
        await tax.delete_tax_rate(conn, tax_rate_id=rate_id)
    return deleted(rate_id, "tax_rate")


@router.post("/admin/tax-rates/{rate_id}/rules")
async def add_rule(request: Request, rate_id: str, body: RuleIn) -> dict[str, Any]:
    async with transaction(request, "create-tax-rate-rules") as conn:
        await tax.add_tax_rate_rule(conn, tax_rate_id=rate_id, reference=body.reference,
                                    reference_id=body.reference_id, created_by=actor_of(request))
    return await reread(request, RATES, "tax_rate", rate_id)


@router.delete("/admin/tax-rates/{rate_id}/rules/{rule_id}")
async def remove_rule(request: Request, rate_id: str, rule_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-tax-rate-rules") as conn:
        await tax.remove_tax_rate_rule(conn, tax_rate_id=rate_id, rule_id=rule_id)
    parent = await reread(request, RATES, "tax_rate", rate_id)
    return deleted(rule_id, "tax_rate_rule", parent=parent["tax_rate"])


@router.get("/admin/tax-providers")
async def list_providers(request: Request) -> dict[str, Any]:
    params = list_params(parse_qs(request.url.query))
    async with request.app.state.container.database().read() as conn:
        providers = await tax.list_providers(conn)
    page = providers[params.offset:params.offset + params.limit]
    return {"tax_providers": page, "count": len(providers), "offset": params.offset, "limit": params.limit}
