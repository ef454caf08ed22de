"""Admin operations routes: notifications sent, workflow executions and their step states."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api.admin._deps import db_of, filter_values, paging, query_of, require_user
from euryale.http.json import JSONResponse, json
from euryale.query import admin_ops
from euryale.query.admin_orders import Fields

router = APIRouter()


@router.get("/admin/notifications")
async def list_notifications(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=50)
    async with db_of(request).read() as conn:
        rows, count = await admin_ops.list_notifications(
            conn, filters=filter_values(query, *admin_ops.NOTIFICATION_FILTERS), limit=params.limit,
            offset=params.offset)
    f = Fields(params.fields)
    return json({"notifications": [f.project(r) for r in rows], "count": count, "offset": params.offset,
                 "limit": params.limit})


@router.get("/admin/notifications/{notification_id}")
async def get_notification(notification_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).read() as conn:
        row = await admin_ops.retrieve_notification(conn, notification_id=notification_id)
    return json({"notification": Fields(paging(query_of(request)).fields).project(row)})


@router.get("/admin/workflows-executions")
async def list_executions(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=50)
    q = query.get("q") if isinstance(query.get("q"), str) else None
    async with db_of(request).read() as conn:
        rows, count = await admin_ops.list_workflow_executions(
            conn, filters=filter_values(query, "id", "workflow_id", "transaction_id", "state"), q=q,
            limit=params.limit, offset=params.offset)
    f = Fields(params.fields)
    return json({"workflow_executions": [f.project(r) for r in rows], "count": count, "offset": params.offset,
                 "limit": params.limit})


@router.get("/admin/workflows-executions/{execution_id}")
async def get_execution(execution_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).read() as conn:
        row = await admin_ops.retrieve_workflow_execution(conn, execution_id=execution_id)
    return json({"workflow_execution": row})


@router.get("/admin/workflows-executions/{workflow_id}/{transaction_id}")
async def get_execution_by_transaction(workflow_id: str, transaction_id: str, request: Request,
                                       _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).read() as conn:
        row = await admin_ops.retrieve_workflow_execution(conn, workflow_id=workflow_id,
                                                          transaction_id=transaction_id)
    return json({"workflow_execution": row})
