"""Store regions and currencies (need a publishable key)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request

from euryale.http.store_context import StoreContext, store_context
from euryale.query.cache import cached_json
from euryale.query.catalog import currency_resource, region_resource
from euryale.query.request import WireRoute, list_envelope, retrieve_one

router = APIRouter(dependencies=[Depends(store_context)], route_class=WireRoute)
REGIONS = region_resource(store=True)
CURRENCIES = currency_resource()


def _cache_parts(request: Request, ctx: StoreContext) -> list[Any]:
    # regions change only through admin region routes, which bump the catalog version (as product writes do)
    return [sorted(parse_qsl(request.url.query, keep_blank_values=True)), ctx.locale]


@router.get("/store/regions")
async def list_regions(request: Request, ctx: StoreContext = Depends(store_context)) -> Any:
    """`GET /store/regions` (through the catalog response cache when a shared cache is configured)."""
    return await cached_json(request, _cache_parts(request, ctx),
                             lambda: list_envelope(request, REGIONS, "regions", store=True))


@router.get("/store/regions/{region_id}")
async def retrieve_region(region_id: str, request: Request, ctx: StoreContext = Depends(store_context)) -> Any:
    """`GET /store/regions/{region_id}`."""
    async def produce() -> dict[str, Any]:
        return {"region": await retrieve_one(request, REGIONS, region_id, store=True)}
    return await cached_json(request, _cache_parts(request, ctx), produce)


@router.get("/store/currencies")
async def list_currencies(request: Request) -> dict[str, Any]:
    """`GET /store/currencies`."""
    return await list_envelope(request, CURRENCIES, "currencies", store=True)


@router.get("/store/currencies/{code}")
async def retrieve_currency(code: str, request: Request) -> dict[str, Any]:
    """`GET /store/currencies/{code}`."""
    return {"currency": await retrieve_one(request, CURRENCIES, code.lower(), store=True)}
