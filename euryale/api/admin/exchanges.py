"""Admin exchanges: begin, inbound items/shipping (the return), outbound items/shipping, request, cancel, read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api.admin._deps import actor_id, db_of, filter_values, paging, query_of, require_user
from euryale.api.admin._order_changes import (
    BeginBody,
    Confirm,
    InboundItems,
    OutboundItems,
    Shipping,
    UpdateInboundItem,
    UpdateItem,
    UpdateShipping,
    preview_before,
    preview_body,
    run_change,
    subject_view,
)
from euryale.flows.order.change_kit import EXCHANGE
from euryale.http.json import JSONResponse, json
from euryale.query.admin_orders import Fields, retrieve_admin_order
from euryale.query.order_changes import list_subjects, load_subjects

router = APIRouter()


@router.get("/admin/exchanges")
async def list_exchanges(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=15)
    async with db_of(request).read() as conn:
        ids, count = await list_subjects(conn, kind=EXCHANGE, filters=filter_values(query, "id", "order_id"),
                                         limit=params.limit, offset=params.offset)
        views = await load_subjects(conn, kind=EXCHANGE, ids=ids)
    projection = Fields(params.fields)
    return json({"exchanges": [projection.project(v) for v in views], "count": count, "offset": params.offset, "limit": params.limit})


@router.post("/admin/exchanges")
async def begin_exchange(body: BeginBody, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    eid = await run_change(request, "begin-exchange-order", order_id=body.order_id, description=body.description,
                         internal_note=body.internal_note, metadata=body.metadata, created_by=actor_id(user))
    async with db_of(request).read() as conn:
        order = await retrieve_admin_order(conn, order_id=body.order_id)
    return json({"order": order, "exchange": await subject_view(request, EXCHANGE, eid)})


@router.get("/admin/exchanges/{exchange_id}")
async def get_exchange(exchange_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    return json({"exchange": await subject_view(request, EXCHANGE, exchange_id)})


@router.post("/admin/exchanges/{exchange_id}/inbound/items")
async def add_inbound_items(exchange_id: str, body: InboundItems, request: Request,
                            user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "exchange-request-item-return", exchange_id=exchange_id,
                   items=[i.model_dump() for i in body.items], created_by=actor_id(user))
    return json(await preview_body(request, EXCHANGE, exchange_id, key="return"))


@router.post("/admin/exchanges/{exchange_id}/inbound/items/{action_id}")
async def update_inbound_item(exchange_id: str, action_id: str, body: UpdateInboundItem, request: Request,
                              _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "update-exchange-request-item-return", exchange_id=exchange_id, action_id=action_id,
                   quantity=body.quantity, internal_note=body.internal_note, reason_id=body.reason_id)
    return json(await preview_body(request, EXCHANGE, exchange_id, key="return"))


@router.delete("/admin/exchanges/{exchange_id}/inbound/items/{action_id}")
async def remove_inbound_item(exchange_id: str, action_id: str, request: Request,
                              _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "remove-exchange-request-item-return", exchange_id=exchange_id, action_id=action_id)
    return json(await preview_body(request, EXCHANGE, exchange_id, key="return"))


@router.post("/admin/exchanges/{exchange_id}/inbound/shipping-method")
async def add_inbound_shipping(exchange_id: str, body: Shipping, request: Request,
                               user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "create-exchange-return-shipping-method", exchange_id=exchange_id,
                   option_id=body.shipping_option_id, custom_amount=body.custom_amount,
                   internal_note=body.internal_note, metadata=body.metadata, inbound=True, created_by=actor_id(user))
    return json(await preview_body(request, EXCHANGE, exchange_id, key="return"))


@router.post("/admin/exchanges/{exchange_id}/inbound/shipping-method/{action_id}")
@router.post("/admin/exchanges/{exchange_id}/outbound/shipping-method/{action_id}")
async def update_shipping(exchange_id: str, action_id: str, body: UpdateShipping, request: Request,
                          _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "update-exchange-shipping-method", exchange_id=exchange_id, action_id=action_id,
                   custom_amount=body.custom_amount, internal_note=body.internal_note)
    key = "return" if "/inbound/" in request.url.path else "exchange"
    return json(await preview_body(request, EXCHANGE, exchange_id, key=key))


@router.delete("/admin/exchanges/{exchange_id}/inbound/shipping-method/{action_id}")
@router.delete("/admin/exchanges/{exchange_id}/outbound/shipping-method/{action_id}")
async def remove_shipping(exchange_id: str, action_id: str, request: Request,
                          _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "remove-exchange-shipping-method", exchange_id=exchange_id, action_id=action_id)
    key = "return" if "/inbound/" in request.url.path else "exchange"
    return json(await preview_body(request, EXCHANGE, exchange_id, key=key))


@router.post("/admin/exchanges/{exchange_id}/outbound/items")
async def add_outbound_items(exchange_id: str, body: OutboundItems, request: Request,
                             _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "exchange-add-new-item", exchange_id=exchange_id,
                   items=[i.model_dump() for i in body.items])
    return json(await preview_body(request, EXCHANGE, exchange_id, key="exchange"))


@router.post("/admin/exchanges/{exchange_id}/outbound/items/{action_id}")
async def update_outbound_item(exchange_id: str, action_id: str, body: UpdateItem, request: Request,
                               _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "update-exchange-add-item", exchange_id=exchange_id, action_id=action_id,
                   quantity=body.quantity, internal_note=body.internal_note)
    return json(await preview_body(request, EXCHANGE, exchange_id, key="exchange"))


@router.delete("/admin/exchanges/{exchange_id}/outbound/items/{action_id}")
async def remove_outbound_item(exchange_id: str, action_id: str, request: Request,
                               _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "remove-item-exchange-action", exchange_id=exchange_id, action_id=action_id)
    return json(await preview_body(request, EXCHANGE, exchange_id, key="exchange"))


@router.post("/admin/exchanges/{exchange_id}/outbound/shipping-method")
async def add_outbound_shipping(exchange_id: str, body: Shipping, request: Request,
                                user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "create-exchange-shipping-method", exchange_id=exchange_id,
                   option_id=body.shipping_option_id, custom_amount=body.custom_amount,
                   internal_note=body.internal_note, metadata=body.metadata, inbound=False,
                   created_by=actor_id(user))
    return json(await preview_body(request, EXCHANGE, exchange_id, key="exchange"))


@router.post("/admin/exchanges/{exchange_id}/request")
async def confirm_request(exchange_id: str, body: Confirm, request: Request,
                          user: Any = Depends(require_user)) -> JSONResponse:
    taken = await preview_before(request, EXCHANGE, exchange_id)
    await run_change(request, "confirm-exchange-request", exchange_id=exchange_id, confirmed_by=actor_id(user),
                   no_notification=body.no_notification)
    return json(await preview_body(request, EXCHANGE, exchange_id, key="exchange", with_return=True, taken=taken))


@router.delete("/admin/exchanges/{exchange_id}/request")
async def cancel_request(exchange_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "cancel-begin-exchange", exchange_id=exchange_id, canceled_by=actor_id(user))
    return json({"id": exchange_id, "object": "exchange", "deleted": True})


@router.post("/admin/exchanges/{exchange_id}/cancel")
async def cancel_exchange(exchange_id: str, body: Confirm, request: Request,
                          user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "cancel-exchange", exchange_id=exchange_id, canceled_by=actor_id(user),
                   no_notification=body.no_notification)
    return json({"exchange": await subject_view(request, EXCHANGE, exchange_id)})
