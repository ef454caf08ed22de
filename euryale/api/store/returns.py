"""Store returns (`POST /store/returns`, renamed from `/store/return` in 2.8), return reasons and locales."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from euryale.api.admin._deps import db_of, filter_values, paging, query_of
from euryale.api.admin.feature_flags import feature_flags
from euryale.errors import not_found
from euryale.flows.order.store_returns import create_and_complete_return
from euryale.http.json import JSONResponse, json
from euryale.http.store_context import store_context
from euryale.modules.order import lifecycle as orders
from euryale.modules.store.models import store
from euryale.query.admin_orders import Fields, retrieve_return
from euryale.query.locales import store_locales

router = APIRouter(dependencies=[Depends(store_context)])

REASON_FIELDS = ("id", "value", "label", "description", "metadata", "created_at", "updated_at")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReturnItem(Strict):
    id: str
    quantity: Decimal = Field(gt=0)
    reason_id: str | None = None
    note: str | None = None


class ReturnShipping(Strict):
    option_id: str
    price: Decimal | None = Field(default=None, ge=0)


class CreateReturn(Strict):
    order_id: str
    items: list[ReturnItem] = Field(min_length=1)
    return_shipping: ReturnShipping
    note: str | None = None
    receive_now: bool | None = None
    location_id: str | None = None


@router.post("/store/returns")
async def create_return(body: CreateReturn, request: Request) -> JSONResponse:
    """Create a requested return for the order (`{return}`)."""
    rid = await create_and_complete_return(
        db_of(request), order_id=body.order_id, items=[i.model_dump() for i in body.items],
        option_id=body.return_shipping.option_id, price=body.return_shipping.price, note=body.note,
        receive_now=bool(body.receive_now), location_id=body.location_id)
    async with db_of(request).read() as conn:
        return json({"return": await retrieve_return(conn, return_id=rid, fields=paging(query_of(request)).fields)})


def _reason(row: dict[str, Any], fields: str | None) -> dict[str, Any]:
    return Fields(fields).project({k: row.get(k) for k in REASON_FIELDS})


@router.get("/store/return-reasons")
async def list_return_reasons(request: Request) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=20)
    q = query.get("q") if isinstance(query.get("q"), str) else None
    async with db_of(request).read() as conn:
        rows, count = await orders.list_return_reasons(conn, ids=filter_values(query, "id").get("id"), q=q,
                                                       limit=params.limit, offset=params.offset)
    return json({"return_reasons": [_reason(r, params.fields) for r in rows], "count": count,
                 "offset": params.offset, "limit": params.limit})


@router.get("/store/return-reasons/{reason_id}")
async def retrieve_return_reason(reason_id: str, request: Request) -> JSONResponse:
    async with db_of(request).read() as conn:
        row = await orders.get_return_reason(conn, reason_id=reason_id)
    return json({"return_reason": _reason(row, paging(query_of(request)).fields)})


@router.get("/store/locales")
async def list_locales(request: Request) -> JSONResponse:
    """`{locales: [{code, name}]}`; like Medusa, the route exists only with the `translation` flag on."""
    config = request.app.state.container.config
    if not feature_flags(config)["translation"]:
        raise not_found("Cannot GET /store/locales")
    async with db_of(request).read() as conn:
        meta = (await conn.execute(select(store.c.metadata).where(store.c.deleted_at.is_(None))
                                   .order_by(store.c.created_at).limit(1))).scalar()
    return json({"locales": store_locales(meta)})
