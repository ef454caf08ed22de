"""Admin return reasons (CRUD)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from euryale.api.admin._deps import db_of, filter_values, paging, query_of, require_user
from euryale.http.json import JSONResponse, json
from euryale.modules.order import lifecycle as orders
from euryale.query.admin_orders import Fields

router = APIRouter()


class ReturnReasonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str
    label: str
    description: str | None = None
    parent_return_reason_id: str | None = None
    metadata: dict[str, Any] | None = None


class ReturnReasonUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str | None = None
    label: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None


@router.get("/admin/return-reasons")
async def list_return_reasons(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=20)
    q = query.get("q") if isinstance(query.get("q"), str) else None
    async with db_of(request).read() as conn:
        rows, count = await orders.list_return_reasons(conn, ids=filter_values(query, "id").get("id"), q=q,
                                                       limit=params.limit, offset=params.offset)
    f = Fields(params.fields)
    return json({"return_reasons": [f.project(r) for r in rows], "count": count, "offset": params.offset,
            "limit": params.limit})


@router.post("/admin/return-reasons")
async def create_return_reason(body: ReturnReasonCreate, request: Request,
                               _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).transaction() as conn:
        if body.parent_return_reason_id:
            await orders.get_return_reason(conn, reason_id=body.parent_return_reason_id)
        rid = await orders.create_return_reason(conn, data=body.model_dump(exclude_unset=True))
        return json({"return_reason": await orders.get_return_reason(conn, reason_id=rid)})


@router.get("/admin/return-reasons/{reason_id}")
async def get_return_reason(reason_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).read() as conn:
        return json({"return_reason": await orders.get_return_reason(conn, reason_id=reason_id)})


@router.post("/admin/return-reasons/{reason_id}")
async def update_return_reason(reason_id: str, body: ReturnReasonUpdate, request: Request,
                               _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).transaction() as conn:
        await orders.update_return_reason(conn, reason_id=reason_id, data=body.model_dump(exclude_unset=True))
        return json({"return_reason": await orders.get_return_reason(conn, reason_id=reason_id)})


@router.delete("/admin/return-reasons/{reason_id}")
async def delete_return_reason(reason_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).transaction() as conn:
        await orders.delete_return_reason(conn, reason_id=reason_id)
    return json({"id": reason_id, "object": "return_reason", "deleted": True})
