"""Admin fulfillments outside an order's routes: create, cancel, ship (Medusa's `/admin/fulfillments*`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from euryale.api.admin._deps import actor_id, db_of, paging, query_of, require_user
from euryale.api.common import AddressBody, LabelBody, Strict
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.http.json import JSONResponse, json
from euryale.modules.fulfillment import service as fulfillments
from euryale.query.admin_orders import Fields

router = APIRouter()


class FulfillmentItem(Strict):
    title: str
    sku: str
    quantity: Decimal = Field(gt=0)
    barcode: str
    line_item_id: str | None = None
    inventory_item_id: str | None = None


class CreateFulfillment(Strict):
    location_id: str
    provider_id: str
    delivery_address: AddressBody
    items: list[FulfillmentItem]
    labels: list[LabelBody] = []
    order: dict[str, Any] | None = None
    order_id: str | None = None
    shipping_option_id: str | None = None
    data: dict[str, Any] | None = None
    packed_at: str | None = None
    shipped_at: str | None = None
    delivered_at: str | None = None
    metadata: dict[str, Any] | None = None


class CreateShipment(Strict):
    labels: list[LabelBody]


def _view(request: Request, f: dict[str, Any]) -> JSONResponse:
    return json({"fulfillment": Fields(paging(query_of(request)).fields).project(f)})


@router.post("/admin/fulfillments")
async def create_fulfillment(body: CreateFulfillment, request: Request,
                             user: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).transaction() as conn:
        f = await fulfillments.create_fulfillment(
            conn, location_id=body.location_id, provider_id=body.provider_id,
            delivery_address=body.delivery_address.model_dump(exclude_unset=True),
            items=[i.model_dump() for i in body.items], labels=[lb.model_dump() for lb in body.labels],
            order_id=body.order_id, metadata=body.metadata, shipping_option_id=body.shipping_option_id,
            data=body.data, created_by=actor_id(user))
    return _view(request, f)


@router.post("/admin/fulfillments/{fulfillment_id}/cancel")
async def cancel_fulfillment(fulfillment_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).transaction() as conn:
        f = await fulfillments.cancel_fulfillment(conn, fulfillment_id=fulfillment_id)
    return _view(request, f)


@router.post("/admin/fulfillments/{fulfillment_id}/shipment")
async def create_shipment(fulfillment_id: str, body: CreateShipment, request: Request,
                          user: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).transaction() as conn:
        f = await fulfillments.create_shipment(conn, fulfillment_id=fulfillment_id,
                                               labels=[lb.model_dump() for lb in body.labels],
                                               marked_shipped_by=actor_id(user))
        await stage_events(conn, Event("shipment.created", {"id": fulfillment_id, "no_notification": False}))
    return _view(request, f)
