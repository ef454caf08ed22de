"""Admin returns: begin, request items, confirm the request, receive items, confirm the receipt, cancel, read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from euryale.api.admin._deps import actor_id, db_of, filter_values, paging, query_of, require_user, run_flow
from euryale.http.json import JSONResponse, json
from euryale.modules.order import lifecycle as orders
from euryale.query.admin_orders import load_returns, order_preview, retrieve_return

router = APIRouter()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BeginReturn(Strict):
    order_id: str
    location_id: str | None = None
    description: str | None = None
    internal_note: str | None = None
    no_notification: bool | None = None
    metadata: dict[str, Any] | None = None


class ReturnItem(Strict):
    id: str
    quantity: Decimal = Field(gt=0)
    description: str | None = None
    internal_note: str | None = None
    reason_id: str | None = None
    metadata: dict[str, Any] | None = None


class ReceiveItem(Strict):
    id: str
    quantity: Decimal = Field(gt=0)
    description: str | None = None
    internal_note: str | None = None


class Items(Strict):
    items: list[ReturnItem]


class ReceiveItems(Strict):
    items: list[ReceiveItem]


class Confirm(Strict):
    no_notification: bool | None = None


class BeginReceive(Strict):
    description: str | None = None
    internal_note: str | None = None
    metadata: dict[str, Any] | None = None


class UpdateReturn(Strict):
    location_id: str | None = None
    no_notification: bool | None = None
    metadata: dict[str, Any] | None = None


async def _with_order(request: Request, return_id: str, *, preview: bool) -> dict[str, Any]:
    fields = paging(query_of(request)).fields
    async with db_of(request).read() as conn:
        ret = await retrieve_return(conn, return_id=return_id, fields=fields)
        order_id = (await orders.get_return(conn, return_id=return_id))["order_id"]
        if preview:
            return {"order_preview": await order_preview(conn, order_id=order_id, return_id=return_id),
                    "return": ret}
        order = await order_preview(conn, order_id=order_id, return_id=return_id)
        return {"order": order, "return": ret}


@router.get("/admin/returns")
async def list_returns(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=15)
    async with db_of(request).read() as conn:
        rows, count = await orders.list_returns(conn, filters=filter_values(query, "id", "order_id", "status"),
                                                limit=params.limit, offset=params.offset)
        views = await load_returns(conn, return_ids=[r["id"] for r in rows])
    return json({"returns": views, "count": count, "offset": params.offset, "limit": params.limit})


@router.post("/admin/returns")
async def begin_return(body: BeginReturn, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    rid = await run_flow(request, "begin-return-order", order_id=body.order_id, location_id=body.location_id,
                                  description=body.description, internal_note=body.internal_note,
                                  no_notification=body.no_notification, metadata=body.metadata,
                                  created_by=actor_id(user))
    return json(await _with_order(request, rid, preview=False))


@router.get("/admin/returns/{return_id}")
async def get_return(return_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).read() as conn:
        return json({"return": await retrieve_return(conn, return_id=return_id, fields=paging(query_of(request)).fields)})


@router.post("/admin/returns/{return_id}")
async def update_return(return_id: str, body: UpdateReturn, request: Request,
                        _: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "update-return", return_id=return_id, data=body.model_dump(exclude_unset=True))
    return json(await _with_order(request, return_id, preview=True))


@router.post("/admin/returns/{return_id}/request-items")
async def request_items(return_id: str, body: Items, request: Request,
                        user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "request-item-return", return_id=return_id, items=[i.model_dump() for i in body.items],
                             created_by=actor_id(user))
    return json(await _with_order(request, return_id, preview=True))


@router.post("/admin/returns/{return_id}/request")
async def confirm_request(return_id: str, body: Confirm, request: Request,
                          user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "confirm-return-request", return_id=return_id, confirmed_by=actor_id(user),
                               no_notification=body.no_notification)
    return json(await _with_order(request, return_id, preview=True))


@router.post("/admin/returns/{return_id}/receive")
async def begin_receive(return_id: str, body: BeginReceive, request: Request,
                        user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "begin-receive-return", return_id=return_id, description=body.description,
                             internal_note=body.internal_note, created_by=actor_id(user))
    return json(await _with_order(request, return_id, preview=False))


@router.post("/admin/returns/{return_id}/receive-items")
async def receive_items(return_id: str, body: ReceiveItems, request: Request,
                        user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "receive-item-return-request", return_id=return_id, items=[i.model_dump() for i in body.items],
                             created_by=actor_id(user))
    return json(await _with_order(request, return_id, preview=True))


@router.post("/admin/returns/{return_id}/receive/confirm")
async def confirm_receive(return_id: str, body: Confirm, request: Request,
                          user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "confirm-return-receive", return_id=return_id, confirmed_by=actor_id(user))
    return json(await _with_order(request, return_id, preview=True))


@router.post("/admin/returns/{return_id}/cancel")
async def cancel_return(return_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "cancel-return", return_id=return_id, canceled_by=actor_id(user))
    async with db_of(request).read() as conn:
        return json({"return": await retrieve_return(conn, return_id=return_id)})




class UpdateRequestItem(Strict):
    quantity: Decimal | None = Field(default=None, gt=0)
    internal_note: str | None = None
    reason_id: str | None = None


class UpdateReceiveItem(Strict):
    quantity: Decimal | None = Field(default=None, gt=0)
    internal_note: str | None = None


def _deleted(return_id: str) -> JSONResponse:
    return json({"id": return_id, "object": "return", "deleted": True})


@router.post("/admin/returns/{return_id}/request-items/{action_id}")
async def update_request_item(return_id: str, action_id: str, body: UpdateRequestItem, request: Request,
                              _: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "update-request-item-return", return_id=return_id, action_id=action_id,
                   quantity=body.quantity, internal_note=body.internal_note, reason_id=body.reason_id)
    return json(await _with_order(request, return_id, preview=True))


@router.delete("/admin/returns/{return_id}/request-items/{action_id}")
async def remove_request_item(return_id: str, action_id: str, request: Request,
                              _: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "remove-item-return-action", return_id=return_id, action_id=action_id)
    return json(await _with_order(request, return_id, preview=True))


@router.delete("/admin/returns/{return_id}/request")
async def cancel_request(return_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "cancel-return-request", return_id=return_id, canceled_by=actor_id(user))
    return _deleted(return_id)


@router.post("/admin/returns/{return_id}/dismiss-items")
async def dismiss_items(return_id: str, body: ReceiveItems, request: Request,
                        user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "receive-item-return-request", return_id=return_id,
                   items=[i.model_dump() for i in body.items], created_by=actor_id(user), damaged=True)
    return json(await _with_order(request, return_id, preview=True))


@router.post("/admin/returns/{return_id}/receive-items/{action_id}")
@router.post("/admin/returns/{return_id}/dismiss-items/{action_id}")
async def update_receive_item(return_id: str, action_id: str, body: UpdateReceiveItem, request: Request,
                              _: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "update-receive-item-return-request", return_id=return_id, action_id=action_id,
                   quantity=body.quantity, internal_note=body.internal_note)
    return json(await _with_order(request, return_id, preview=True))


@router.delete("/admin/returns/{return_id}/receive-items/{action_id}")
@router.delete("/admin/returns/{return_id}/dismiss-items/{action_id}")
async def remove_receive_item(return_id: str, action_id: str, request: Request,
                              _: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "remove-item-receive-return-action", return_id=return_id, action_id=action_id)
    return json(await _with_order(request, return_id, preview=True))


@router.delete("/admin/returns/{return_id}/receive")
async def cancel_receive(return_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "cancel-return-receive", return_id=return_id, canceled_by=actor_id(user))
    return _deleted(return_id)


class ReturnShipping(Strict):
    shipping_option_id: str
    custom_amount: Decimal | None = Field(default=None, ge=0)
    description: str | None = None
    internal_note: str | None = None
    metadata: dict[str, Any] | None = None


class UpdateReturnShipping(Strict):
    custom_amount: Decimal | None = Field(default=None, ge=0)
    internal_note: str | None = None
    metadata: dict[str, Any] | None = None


@router.post("/admin/returns/{return_id}/shipping-method")
async def add_shipping_method(return_id: str, body: ReturnShipping, request: Request,
                              user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "create-return-shipping-method", return_id=return_id,
                   shipping_option_id=body.shipping_option_id, custom_amount=body.custom_amount,
                   description=body.description, internal_note=body.internal_note, metadata=body.metadata,
                   created_by=actor_id(user))
    return json(await _with_order(request, return_id, preview=True))


@router.post("/admin/returns/{return_id}/shipping-method/{action_id}")
async def update_shipping_method(return_id: str, action_id: str, body: UpdateReturnShipping, request: Request,
                                 _: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "update-return-shipping-method", return_id=return_id, action_id=action_id,
                   custom_amount=body.custom_amount, internal_note=body.internal_note, metadata=body.metadata)
    return json(await _with_order(request, return_id, preview=True))


@router.delete("/admin/returns/{return_id}/shipping-method/{action_id}")
async def remove_shipping_method(return_id: str, action_id: str, request: Request,
                                 _: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "remove-return-shipping-method", return_id=return_id, action_id=action_id)
    return json(await _with_order(request, return_id, preview=True))
