"""Admin order routes: list/read with `fields`, update, archive, complete, cancel, fulfillments, changes."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from euryale.api.admin._deps import actor_id, db_of, filter_values, paging, query_of, require_user, run_flow
from euryale.api.admin._order_changes import wire_change
from euryale.api.common import AddressBody, LabelBody, Strict
from euryale.flows.order import workflows
from euryale.http.json import JSONResponse, json
from euryale.modules.order import lifecycle as orders
from euryale.query.admin_orders import (
    ORDER_DETAIL_DEFAULTS,
    ORDER_LIST_DEFAULTS,
    list_admin_orders,
    load_orders,
    order_preview,
    order_shipping_options,
    retrieve_admin_order,
)

router = APIRouter()


class ItemQuantity(Strict):
    id: str
    quantity: Decimal = Field(gt=0)


class UpdateOrder(Strict):
    email: str | None = None
    shipping_address: AddressBody | None = None
    billing_address: AddressBody | None = None
    metadata: dict[str, Any] | None = None
    locale: str | None = None


class CreateFulfillment(Strict):
    items: list[ItemQuantity]
    location_id: str | None = None
    labels: list[LabelBody] = []
    no_notification: bool | None = None
    metadata: dict[str, Any] | None = None
    requires_shipping: bool | None = None


class CreateShipment(Strict):
    items: list[ItemQuantity] | None = None
    labels: list[LabelBody] = []
    no_notification: bool | None = None
    metadata: dict[str, Any] | None = None


class CreditLine(Strict):
    amount: Decimal = Field(gt=0)
    reference: str
    reference_id: str
    metadata: dict[str, Any] | None = None


class NoNotification(Strict):
    no_notification: bool | None = None


# what the POST order routes answer without `fields`: the retrieve defaults without the computed statuses and
# the fulfillments (Medusa 2.21.2's samples 028/033/035 and compare_with_medusa.py lc_fulfil/lc_shipment)
ORDER_ACTION_DEFAULTS = tuple(k for k in ORDER_DETAIL_DEFAULTS
                              if k not in ("payment_status", "fulfillment_status", "fulfillments"))


async def _order(request: Request, order_id: str, *, defaults: Sequence[str] = ORDER_ACTION_DEFAULTS
                 ) -> dict[str, Any]:
    """`{order}` with the request's `fields`, else `defaults`."""
    async with db_of(request).read() as conn:
        return {"order": await retrieve_admin_order(conn, order_id=order_id, defaults=defaults,
                                                    fields=paging(query_of(request)).fields, wire=True)}


@router.get("/admin/orders")
async def list_orders(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=15)
    filters: dict[str, Any] = filter_values(query, "id", "status", "sales_channel_id", "region_id", "customer_id",
                                            "currency_code", "email")
    for key in ("q", "created_at", "updated_at"):
        if key in query:
            filters[key] = query[key]
    async with db_of(request).read() as conn:
        rows, count = await list_admin_orders(conn, filters=filters, limit=params.limit, offset=params.offset,
                                              order=params.order, fields=params.fields,
                                              defaults=ORDER_LIST_DEFAULTS, wire=True)
    # the list's records have `str` keys (asyncpg's column names), unless `fields` asks for relations read through
    # SQLAlchemy (fulfillments, payment collections: `quoted_name` keys), which are then encoded twice, same bytes
    return json({"orders": rows, "count": count, "offset": params.offset, "limit": params.limit}, str_keys=True)


@router.post("/admin/orders/export")
async def export_orders(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    filters: dict[str, Any] = filter_values(query, "id", "status", "sales_channel_id", "region_id", "customer_id",
                                            "currency_code", "email")
    for key in ("q", "created_at", "updated_at"):
        if key in query:
            filters[key] = query[key]
    tx, _file = await workflows.run_with_id(request.app.state.container, "export-orders", filters=filters)
    return json({"transaction_id": tx}, status_code=202)


@router.get("/admin/orders/{order_id}")
async def get_order(order_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    return json(await _order(request, order_id, defaults=ORDER_DETAIL_DEFAULTS))


@router.post("/admin/orders/{order_id}")
async def update_order(order_id: str, body: UpdateOrder, request: Request,
                       user: Any = Depends(require_user)) -> JSONResponse:
    data = body.model_dump(exclude_unset=True)
    for kind in ("shipping_address", "billing_address"):
        if body.__dict__.get(kind) is not None:
            data[kind] = getattr(body, kind).model_dump(exclude_unset=True)
    await run_flow(request, "update-order-workflow", order_id=order_id, data=data, updated_by=actor_id(user))
    return json(await _order(request, order_id))


@router.post("/admin/orders/{order_id}/archive")
async def archive_order(order_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "archive-order-workflow", order_id=order_id)
    return json(await _order(request, order_id))


@router.post("/admin/orders/{order_id}/complete")
async def complete_order(order_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "complete-orders", order_id=order_id)
    return json(await _order(request, order_id))


@router.post("/admin/orders/{order_id}/cancel")
async def cancel_order(order_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "cancel-order", order_id=order_id, canceled_by=actor_id(user))
    return json(await _order(request, order_id))


@router.post("/admin/orders/{order_id}/fulfillments")
async def create_fulfillment(order_id: str, body: CreateFulfillment, request: Request,
                             user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(
        request, "create-order-fulfillment", order_id=order_id, items=[i.model_dump() for i in body.items], location_id=body.location_id,
        created_by=actor_id(user), labels=[lb.model_dump() for lb in body.labels],
        no_notification=body.no_notification, metadata=body.metadata, requires_shipping=body.requires_shipping)
    return json(await _order(request, order_id))


@router.post("/admin/orders/{order_id}/fulfillments/{fulfillment_id}/shipments")
async def create_shipment(order_id: str, fulfillment_id: str, body: CreateShipment, request: Request,
                          user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(
        request, "create-order-shipment", order_id=order_id, fulfillment_id=fulfillment_id,
        items=[i.model_dump() for i in body.items] if body.items else None,
        labels=[lb.model_dump() for lb in body.labels], created_by=actor_id(user),
        no_notification=body.no_notification)
    return json(await _order(request, order_id))


@router.post("/admin/orders/{order_id}/fulfillments/{fulfillment_id}/mark-as-delivered")
async def mark_delivered(order_id: str, fulfillment_id: str, request: Request,
                         user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "mark-order-fulfillment-as-delivered-workflow", order_id=order_id, fulfillment_id=fulfillment_id,
                                            created_by=actor_id(user))
    return json(await _order(request, order_id))


@router.post("/admin/orders/{order_id}/fulfillments/{fulfillment_id}/cancel")
async def cancel_fulfillment(order_id: str, fulfillment_id: str, body: NoNotification, request: Request,
                             user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "cancel-order-fulfillment", order_id=order_id, fulfillment_id=fulfillment_id,
                                          created_by=actor_id(user), no_notification=body.no_notification)
    return json(await _order(request, order_id))


@router.get("/admin/orders/{order_id}/changes")
async def list_changes(order_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).read() as conn:
        await orders.get_order(conn, order_id=order_id)
        changes = await orders.list_changes(conn, order_id=order_id)
    return json({"order_changes": [wire_change(c) for c in changes]})


@router.get("/admin/orders/{order_id}/preview")
async def preview(order_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).read() as conn:
        return json({"order": await order_preview(conn, order_id=order_id, return_id=None)})


@router.get("/admin/orders/{order_id}/line-items")
async def line_items(order_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).read() as conn:
        found = await load_orders(conn, order_ids=[order_id])
        if not found:
            await orders.get_order(conn, order_id=order_id)
    out = []
    for item in found[0]["items"] if found else []:
        detail = dict(item["detail"])
        detail["item"] = {k: v for k, v in item.items() if k != "detail"}
        out.append(detail)
    return json({"order_items": out})


@router.post("/admin/orders/{order_id}/credit-lines")
async def create_credit_line(order_id: str, body: CreditLine, request: Request,
                             user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "create-order-credit-lines", order_id=order_id, amount=body.amount,
                   reference=body.reference, reference_id=body.reference_id, created_by=actor_id(user))
    return json(await _order(request, order_id))


@router.get("/admin/orders/{order_id}/shipping-options")
async def shipping_options(order_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    is_return = str(query_of(request).get("is_return", "false")).lower() == "true"
    async with db_of(request).read() as conn:
        options = await order_shipping_options(conn, order_id=order_id, is_return=is_return)
    return json({"shipping_options": options})



class TransferOrder(Strict):
    customer_id: str
    description: str | None = None
    internal_note: str | None = None


@router.post("/admin/orders/{order_id}/transfer")
async def request_transfer(order_id: str, body: TransferOrder, request: Request,
                           user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "request-order-transfer-workflow", order_id=order_id, customer_id=body.customer_id,
                   description=body.description, internal_note=body.internal_note, requested_by=actor_id(user))
    return json(await _order(request, order_id))


@router.post("/admin/orders/{order_id}/transfer/cancel")
async def cancel_transfer(order_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "cancel-transfer-order-request", order_id=order_id, canceled_by=actor_id(user))
    return json(await _order(request, order_id))
