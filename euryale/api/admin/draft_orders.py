"""Admin draft orders: CRUD, convert to an order, and the edit tree (`/edit/**`, same machinery as order edits)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import model_validator
from sqlalchemy import func, select

from euryale.api.admin._deps import actor_id, db_of, filter_values, paging, query_of, require_user
from euryale.api.admin._order_changes import (
    CreateDraftOrder,
    EditItemQuantity,
    EditItems,
    PromoCodes,
    Shipping,
    UpdateDraftOrder,
    UpdateDraftShippingMethod,
    UpdateEditAction,
    UpdateShipping,
    fields_of,
    run_change,
)
from euryale.errors import invalid_data
from euryale.flows.order import change_kit as kit
from euryale.flows.order.draft_orders import get_draft
from euryale.flows.order.promotions import preview_adjustments
from euryale.http.json import JSONResponse, json
from euryale.modules.order.lifecycle import get_order
from euryale.modules.order.models import order_table
from euryale.query.admin_orders import Fields, load_orders, medusa_nested, retrieve_admin_order
from euryale.query.order_changes import change_preview

router = APIRouter()


class CreateBody(CreateDraftOrder):
    @model_validator(mode="after")
    def _who(self) -> CreateBody:
        if not self.email and not self.customer_id:
            raise invalid_data("Either email or customer_id must be provided")
        return self


# Medusa 2.21.2's draft order keys without `fields` (compare_with_medusa.py draft_*): the list's, the retrieve's
# (plus items' variant, shipping methods, fulfillments, payment collections) and the POST routes' (no statuses)
DRAFT_LIST_DEFAULTS = ("id", "display_id", "custom_display_id", "status", "version", "email", "region_id",
                       "metadata", "created_at", "updated_at", "payment_status", "fulfillment_status", "summary",
                       "total", "items")
DRAFT_DEFAULTS = (*DRAFT_LIST_DEFAULTS, "shipping_methods", "fulfillments", "payment_collections")
DRAFT_ACTION_DEFAULTS = tuple(k for k in DRAFT_DEFAULTS if k not in ("payment_status", "fulfillment_status",
                                                                        "fulfillments", "payment_collections"))


async def _draft(request: Request, order_id: str, *, defaults: tuple[str, ...] = DRAFT_ACTION_DEFAULTS
                 ) -> dict[str, Any]:
    async with db_of(request).read() as conn:
        await get_draft(conn, order_id=order_id)
        return await retrieve_admin_order(conn, order_id=order_id, fields=fields_of(request), defaults=defaults)


async def _preview(request: Request, order_id: str) -> JSONResponse:
    async with db_of(request).read() as conn:
        await get_draft(conn, order_id=order_id)
        change = await kit.active_change(conn, order_id=order_id)
        if change is not None and change["change_type"] != kit.EDIT.change_type:
            change = None
        preview = await change_preview(conn, order_id=order_id, change=change)
        await preview_adjustments(conn, order=await get_order(conn, order_id=order_id), preview=preview)
        return json({"draft_order_preview": preview})


async def _check(request: Request, order_id: str) -> None:
    async with db_of(request).read() as conn:
        await get_draft(conn, order_id=order_id)


@router.get("/admin/draft-orders")
async def list_draft_orders(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=50)
    o = order_table
    cond = [o.c.is_draft_order.is_(True), o.c.deleted_at.is_(None)]
    for key, values in filter_values(query, "id", "customer_id", "region_id", "sales_channel_id").items():
        cond.append(o.c[key].in_(values))
    q = query.get("q")
    if isinstance(q, str) and q:
        cond.append(o.c.email.ilike(f"%{q}%"))
    async with db_of(request).read() as conn:
        count = int((await conn.execute(select(func.count()).select_from(o).where(*cond))).scalar_one())
        ids = [r[0] for r in await conn.execute(select(o.c.id).where(*cond).order_by(
            o.c.created_at.desc(), o.c.id.desc()).limit(params.limit).offset(params.offset))]
        f = Fields(params.fields, defaults=DRAFT_LIST_DEFAULTS)
        views = await load_orders(conn, order_ids=ids, keys=f.keys())  # only the relations `fields` keeps
    drafts = [medusa_nested(f.project(v), params.fields, item_variant=False) for v in views]
    return json({"draft_orders": drafts, "count": count, "offset": params.offset, "limit": params.limit})


@router.post("/admin/draft-orders")
async def create_draft_order(body: CreateBody, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    oid = await run_change(request, "create-draft-order", data=body.model_dump(exclude_unset=True),
                           created_by=actor_id(user))
    return json({"draft_order": await _draft(request, oid)})


@router.get("/admin/draft-orders/{order_id}")
async def get_draft_order(order_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    return json({"draft_order": await _draft(request, order_id, defaults=DRAFT_DEFAULTS)})


@router.post("/admin/draft-orders/{order_id}")
async def update_draft_order(order_id: str, body: UpdateDraftOrder, request: Request,
                             _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "update-draft-order", order_id=order_id, data=body.model_dump(exclude_unset=True))
    return json({"draft_order": await _draft(request, order_id)})


@router.delete("/admin/draft-orders/{order_id}")
async def delete_draft_order(order_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "delete-draft-order", order_id=order_id)
    return json({"id": order_id, "object": "draft-order", "deleted": True})


@router.post("/admin/draft-orders/{order_id}/convert-to-order")
async def convert_to_order(order_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "convert-draft-order", order_id=order_id)
    async with db_of(request).read() as conn:
        return json({"order": await retrieve_admin_order(conn, order_id=order_id)})


@router.post("/admin/draft-orders/{order_id}/edit")
async def begin_edit(order_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "begin-draft-order-edit", order_id=order_id, created_by=actor_id(user))
    return await _preview(request, order_id)


@router.delete("/admin/draft-orders/{order_id}/edit")
async def cancel_edit(order_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await _check(request, order_id)
    await run_change(request, "cancel-draft-order-edit", order_id=order_id, canceled_by=actor_id(user))
    return json({"id": order_id, "object": "draft-order", "deleted": True})


@router.post("/admin/draft-orders/{order_id}/edit/request")
async def request_edit(order_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await _check(request, order_id)
    await run_change(request, "request-draft-order-edit", order_id=order_id, requested_by=actor_id(user))
    return await _preview(request, order_id)


@router.post("/admin/draft-orders/{order_id}/edit/confirm")
async def confirm_edit(order_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "confirm-draft-order-edit", order_id=order_id, confirmed_by=actor_id(user))
    return await _preview(request, order_id)


@router.post("/admin/draft-orders/{order_id}/edit/items")
async def add_items(order_id: str, body: EditItems, request: Request,
                    _: Any = Depends(require_user)) -> JSONResponse:
    await _check(request, order_id)
    await run_change(request, "add-draft-order-items", order_id=order_id, items=[i.model_dump() for i in body.items])
    return await _preview(request, order_id)


@router.post("/admin/draft-orders/{order_id}/edit/items/item/{item_id}")
async def update_item(order_id: str, item_id: str, body: EditItemQuantity, request: Request,
                      _: Any = Depends(require_user)) -> JSONResponse:
    await _check(request, order_id)
    await run_change(request, "update-draft-order-item", order_id=order_id, item_id=item_id, quantity=body.quantity,
                     internal_note=body.internal_note)
    return await _preview(request, order_id)


@router.post("/admin/draft-orders/{order_id}/edit/items/{action_id}")
async def update_item_action(order_id: str, action_id: str, body: UpdateEditAction, request: Request,
                             _: Any = Depends(require_user)) -> JSONResponse:
    await _check(request, order_id)
    await run_change(request, "update-draft-order-action-item", order_id=order_id, action_id=action_id,
                     quantity=body.quantity, internal_note=body.internal_note)
    return await _preview(request, order_id)


@router.delete("/admin/draft-orders/{order_id}/edit/items/{action_id}")
async def remove_item_action(order_id: str, action_id: str, request: Request,
                             _: Any = Depends(require_user)) -> JSONResponse:
    await _check(request, order_id)
    await run_change(request, "remove-draft-order-action-item", order_id=order_id, action_id=action_id)
    return await _preview(request, order_id)


@router.post("/admin/draft-orders/{order_id}/edit/promotions")
async def add_promotions(order_id: str, body: PromoCodes, request: Request,
                         _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "add-draft-order-promotions", order_id=order_id, codes=body.promo_codes)
    return await _preview(request, order_id)


@router.delete("/admin/draft-orders/{order_id}/edit/promotions")
async def remove_promotions(order_id: str, body: PromoCodes, request: Request,
                            _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "remove-draft-order-promotions", order_id=order_id, codes=body.promo_codes)
    return await _preview(request, order_id)


@router.post("/admin/draft-orders/{order_id}/edit/shipping-methods")
async def add_shipping(order_id: str, body: Shipping, request: Request,
                       _: Any = Depends(require_user)) -> JSONResponse:
    await _check(request, order_id)
    await run_change(request, "add-draft-order-shipping-methods", order_id=order_id,
                     option_id=body.shipping_option_id, custom_amount=body.custom_amount,
                     internal_note=body.internal_note, metadata=body.metadata)
    return await _preview(request, order_id)


@router.post("/admin/draft-orders/{order_id}/edit/shipping-methods/method/{method_id}")
async def update_shipping_method(order_id: str, method_id: str, body: UpdateDraftShippingMethod, request: Request,
                                 _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "update-draft-order-shipping-method", order_id=order_id, method_id=method_id,
                     option_id=body.shipping_option_id, custom_amount=body.custom_amount,
                     internal_note=body.internal_note)
    return await _preview(request, order_id)


@router.delete("/admin/draft-orders/{order_id}/edit/shipping-methods/method/{method_id}")
async def remove_shipping_method(order_id: str, method_id: str, request: Request,
                                 _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "remove-draft-order-shipping-method", order_id=order_id, method_id=method_id)
    return await _preview(request, order_id)


@router.post("/admin/draft-orders/{order_id}/edit/shipping-methods/{action_id}")
async def update_shipping_action(order_id: str, action_id: str, body: UpdateShipping, request: Request,
                                 _: Any = Depends(require_user)) -> JSONResponse:
    await _check(request, order_id)
    await run_change(request, "update-draft-order-action-shipping-method", order_id=order_id, action_id=action_id,
                     custom_amount=body.custom_amount, internal_note=body.internal_note)
    return await _preview(request, order_id)


@router.delete("/admin/draft-orders/{order_id}/edit/shipping-methods/{action_id}")
async def remove_shipping_action(order_id: str, action_id: str, request: Request,
                                 _: Any = Depends(require_user)) -> JSONResponse:
    await _check(request, order_id)
    await run_change(request, "remove-draft-order-action-shipping-method", order_id=order_id, action_id=action_id)
    return await _preview(request, order_id)
