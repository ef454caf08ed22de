"""Admin stores and currencies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from euryale.api._logistics import transaction
from euryale.http.actors import require_user
from euryale.modules.store import service as stores
from euryale.query.cache import bump_after_write
from euryale.query.catalog import currency_resource, store_resource
from euryale.query.request import WireRoute, list_envelope, retrieve_one

router = APIRouter(dependencies=[Depends(bump_after_write, scope="function"), Depends(require_user)], route_class=WireRoute)
STORES = store_resource()
CURRENCIES = currency_resource()


class CurrencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency_code: str
    is_default: bool | None = None
    is_tax_inclusive: bool | None = None


class StoreUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    supported_currencies: list[CurrencyIn] | None = None
    default_sales_channel_id: str | None = None
    default_region_id: str | None = None
    default_location_id: str | None = None
    metadata: dict[str, Any] | None = None


@router.get("/admin/stores")
async def list_stores(request: Request) -> dict[str, Any]:
    """`GET /admin/stores`."""
    return await list_envelope(request, STORES, "stores", store=False)


@router.get("/admin/stores/{store_id}")
async def retrieve_store(store_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/stores/{store_id}`."""
    return {"store": await retrieve_one(request, STORES, store_id, store=False)}


@router.post("/admin/stores/{store_id}")
async def update_store(store_id: str, body: StoreUpdate, request: Request) -> dict[str, Any]:
    """`POST /admin/stores/{store_id}`."""
    data = body.model_dump(exclude_unset=True)
    async with transaction(request, "update-stores") as conn:
        await stores.update_store(conn, store_id=store_id, data=data)
        from euryale.modules.pricing.service import upsert_price_preference
        for cur in data.get("supported_currencies") or []:
            if cur.get("is_tax_inclusive") is not None:
                await upsert_price_preference(conn, attribute="currency_code", value=cur["currency_code"].lower(),
                                              is_tax_inclusive=bool(cur["is_tax_inclusive"]))
        from euryale.events import Event
        from euryale.events.outbox import stage_events
        await stage_events(conn, [Event("store.updated", {"id": store_id})])
    return {"store": await retrieve_one(request, STORES, store_id, store=False)}


@router.get("/admin/currencies")
async def list_currencies(request: Request) -> dict[str, Any]:
    """`GET /admin/currencies`."""
    return await list_envelope(request, CURRENCIES, "currencies", store=False, default_limit=200)


@router.get("/admin/currencies/{code}")
async def retrieve_currency(code: str, request: Request) -> dict[str, Any]:
    """`GET /admin/currencies/{code}`."""
    return {"currency": await retrieve_one(request, CURRENCIES, code.lower(), store=False)}
