"""Admin order edits (`:id` is the ORDER id, as in Medusa): begin, items, quantities, shipping, request, confirm."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.api.admin._deps import actor_id, db_of, require_user
from euryale.api.admin._order_changes import (
    BeginBody,
    EditItemQuantity,
    EditItems,
    Shipping,
    UpdateEditAction,
    UpdateShipping,
    read_before,
    run_change,
)
from euryale.flows.order import change_kit as kit
from euryale.http.json import JSONResponse, json
from euryale.modules.order import lifecycle as orders
from euryale.query.order_changes import change_preview

router = APIRouter()


async def _preview_of(conn: AsyncConnection, order_id: str) -> dict[str, Any]:
    await orders.get_order(conn, order_id=order_id)
    change = await kit.active_change(conn, order_id=order_id)
    if change is not None and change["change_type"] != kit.EDIT.change_type:
        change = None
    return await change_preview(conn, order_id=order_id, change=change)


async def _preview(request: Request, order_id: str) -> JSONResponse:
    async with db_of(request).read() as conn:
        return json({"order_preview": await _preview_of(conn, order_id)})


@router.post("/admin/order-edits")
async def begin_edit(body: BeginBody, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    change_id = await run_change(request, "begin-order-edit-order", order_id=body.order_id,
                                 description=body.description, internal_note=body.internal_note,
                                 metadata=body.metadata, created_by=actor_id(user))
    async with db_of(request).read() as conn:
        change = await kit.subject_change(conn, kit.EDIT, change_id, statuses=("pending",))
        assert change is not None
        change["actions"] = await orders.change_actions(conn, change_id=change_id)
    return json({"order_change": change})


@router.delete("/admin/order-edits/{order_id}")
async def cancel_edit(order_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "cancel-begin-order-edit", order_id=order_id, canceled_by=actor_id(user))
    return json({"id": order_id, "object": "order-edit", "deleted": True})


@router.post("/admin/order-edits/{order_id}/items")
async def add_items(order_id: str, body: EditItems, request: Request,
                    _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "order-edit-add-new-item", order_id=order_id,
                     items=[i.model_dump() for i in body.items])
    return await _preview(request, order_id)


@router.post("/admin/order-edits/{order_id}/items/item/{item_id}")
async def update_item_quantity(order_id: str, item_id: str, body: EditItemQuantity, request: Request,
                               _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "order-edit-update-item-quantity", order_id=order_id, item_id=item_id,
                     quantity=body.quantity, internal_note=body.internal_note)
    return await _preview(request, order_id)


@router.post("/admin/order-edits/{order_id}/items/{action_id}")
async def update_item_action(order_id: str, action_id: str, body: UpdateEditAction, request: Request,
                             _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "update-order-edit-add-item", order_id=order_id, action_id=action_id,
                     quantity=body.quantity, internal_note=body.internal_note)
    return await _preview(request, order_id)


@router.delete("/admin/order-edits/{order_id}/items/{action_id}")
async def remove_item_action(order_id: str, action_id: str, request: Request,
                             _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "remove-item-order-edit-action", order_id=order_id, action_id=action_id)
    return await _preview(request, order_id)


@router.post("/admin/order-edits/{order_id}/shipping-method")
async def add_shipping(order_id: str, body: Shipping, request: Request,
                       _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "create-order-edit-shipping-method", order_id=order_id,
                     option_id=body.shipping_option_id, custom_amount=body.custom_amount,
                     internal_note=body.internal_note, metadata=body.metadata)
    return await _preview(request, order_id)


@router.post("/admin/order-edits/{order_id}/shipping-method/{action_id}")
async def update_shipping(order_id: str, action_id: str, body: UpdateShipping, request: Request,
                          _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "update-order-edit-shipping-method", order_id=order_id, action_id=action_id,
                     custom_amount=body.custom_amount, internal_note=body.internal_note)
    return await _preview(request, order_id)


@router.delete("/admin/order-edits/{order_id}/shipping-method/{action_id}")
async def remove_shipping(order_id: str, action_id: str, request: Request,
                          _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "remove-order-edit-shipping-method", order_id=order_id, action_id=action_id)
    return await _preview(request, order_id)


@router.post("/admin/order-edits/{order_id}/request")
async def request_edit(order_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "request-order-edit-request", order_id=order_id, requested_by=actor_id(user))
    return await _preview(request, order_id)


@router.post("/admin/order-edits/{order_id}/confirm")
async def confirm_edit(order_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    # Medusa's confirm-order-edit-request answers the preview taken before confirming (the edit still open)
    taken = await read_before(request, lambda conn: _preview_of(conn, order_id))
    await run_change(request, "confirm-order-edit-request", order_id=order_id, confirmed_by=actor_id(user))
    if taken is None:
        return await _preview(request, order_id)
    return json({"order_preview": taken})
