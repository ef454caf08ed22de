"""Admin operations routes: notifications sent, workflow executions and their step states."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import StreamingResponse

from euryale.api.admin._deps import db_of, filter_values, paging, query_of, require_user
from euryale.errors import not_found
from euryale.http.json import JSONResponse, dumps, json
from euryale.query import admin_ops
from euryale.query.admin_orders import Fields
from euryale.workflows import registered_workflows
from euryale.workflows.engine import FINISHED

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
    params = paging(query, default_limit=100)
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


class RunWorkflow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: Any = None
    transaction_id: str | None = None


class StepOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    transaction_id: str
    step_id: str
    response: Any = None
    compensate_input: Any = None
    action: str | None = None


def _engine(request: Request) -> Any:
    return request.app.state.container.resolve("workflows")


def _known(workflow_id: str) -> None:
    if workflow_id not in registered_workflows():
        raise not_found(f"Workflow with id \"{workflow_id}\" not found")


@router.post("/admin/workflows-executions/{workflow_id}/run")
async def run_workflow(workflow_id: str, body: RunWorkflow, request: Request,
                       _: Any = Depends(require_user)) -> JSONResponse:
    _known(workflow_id)
    result = await _engine(request).run(workflow_id, input=body.input, transaction_id=body.transaction_id,
                                        throw_on_error=False)
    return json({"acknowledgement": {"transactionId": result.transaction_id, "workflowId": workflow_id}})


@router.post("/admin/workflows-executions/{workflow_id}/steps/success")
async def step_success(workflow_id: str, body: StepOutcome, request: Request,
                       _: Any = Depends(require_user)) -> JSONResponse:
    _known(workflow_id)
    await _engine(request).set_step_success(body.transaction_id, body.step_id, body.response,
                                            workflow_id=workflow_id)
    return json({"success": True})


@router.post("/admin/workflows-executions/{workflow_id}/steps/failure")
async def step_failure(workflow_id: str, body: StepOutcome, request: Request,
                       _: Any = Depends(require_user)) -> JSONResponse:
    _known(workflow_id)
    await _engine(request).set_step_failure(body.transaction_id, body.step_id, body.response,
                                            workflow_id=workflow_id)
    return json({"success": True})


SSE_POLL_SECONDS = 0.25
SSE_MAX_SECONDS = 300.0


def _sse_stream(request: Request, workflow_id: str, transaction_id: str) -> StreamingResponse:
    """Server-sent events of one execution: a message whenever its state or steps change, `onFinish` at the end.

    Reads the execution row (not process-local listeners), so it follows an execution run by any worker.
    """
    db = db_of(request)

    async def events() -> AsyncIterator[bytes]:
        last: Any = None
        deadline = time.monotonic() + SSE_MAX_SECONDS
        while not await request.is_disconnected():
            async with db.read() as conn:
                row = await admin_ops.retrieve_workflow_execution(conn, workflow_id=workflow_id,
                                                                  transaction_id=transaction_id)
            snapshot = (row["state"], dumps(row["execution"]))
            finished = row["state"] in FINISHED
            if snapshot != last:
                last = snapshot
                kind = "onFinish" if finished else "onStateChange"
                payload = {"eventType": kind, "workflowId": workflow_id, "transactionId": transaction_id,
                           "state": row["state"], "execution": row["execution"]}
                yield b"event: " + kind.encode() + b"\ndata: " + dumps(payload) + b"\n\n"
            if finished or time.monotonic() > deadline:
                break
            await asyncio.sleep(SSE_POLL_SECONDS)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "Connection": "keep-alive"})


async def _require_execution(request: Request, workflow_id: str, transaction_id: str) -> None:
    async with db_of(request).read() as conn:
        await admin_ops.retrieve_workflow_execution(conn, workflow_id=workflow_id, transaction_id=transaction_id)


@router.get("/admin/workflows-executions/{workflow_id}/subscribe")
async def subscribe(workflow_id: str, request: Request, _: Any = Depends(require_user)) -> StreamingResponse:
    transaction_id = str(query_of(request).get("transaction_id") or "")
    await _require_execution(request, workflow_id, transaction_id)
    return _sse_stream(request, workflow_id, transaction_id)


@router.get("/admin/workflows-executions/{workflow_id}/{transaction_id}/subscribe")
async def subscribe_transaction(workflow_id: str, transaction_id: str, request: Request,
                                _: Any = Depends(require_user)) -> StreamingResponse:
    await _require_execution(request, workflow_id, transaction_id)
    return _sse_stream(request, workflow_id, transaction_id)


# registered last: `/{workflow_id}/subscribe` must win over `/{workflow_id}/{transaction_id}`
@router.get("/admin/workflows-executions/{workflow_id}/{transaction_id}")
async def get_execution_by_transaction(workflow_id: str, transaction_id: str, request: Request,
                                       _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).read() as conn:
        row = await admin_ops.retrieve_workflow_execution(conn, workflow_id=workflow_id,
                                                          transaction_id=transaction_id)
    return json({"workflow_execution": row})
