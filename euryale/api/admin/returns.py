"""Admin returns: begin, request items, confirm the request, receive items, confirm the receipt, cancel, read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.api.admin._deps import actor_id, db_of, filter_values, paging, query_of, require_user, run_flow
from euryale.api.admin._order_changes import read_before, wire_action
from euryale.http.json import JSONResponse, json
from euryale.modules.order import lifecycle as orders
from euryale.query.admin_orders import Fields, load_returns, order_preview, retrieve_return

router = APIRouter()

# Medusa 2.21.2's return keys without `fields` (compare_with_medusa.py lc_return_*); the list has no items
RETURN_DEFAULTS = ("id", "display_id", "status", "order_id", "order_version", "location_id", "created_by",
                   "created_at", "updated_at", "canceled_at", "requested_at", "received_at", "refund_amount",
                   "no_notification", "metadata", "items")
RETURN_LIST_DEFAULTS = RETURN_DEFAULTS[:-1]
# the top-level keys of the order a return answers (`order`) and of its change preview (`order_preview`)
_TOTALS = ("total", "subtotal", "tax_total", "discount_total", "discount_subtotal", "discount_tax_total",
           "original_total", "original_subtotal", "original_tax_total", "item_total", "item_subtotal",
           "item_tax_total", "item_discount_total", "original_item_total", "original_item_subtotal",
           "original_item_tax_total", "shipping_total", "shipping_subtotal", "shipping_tax_total",
           "shipping_discount_total", "original_shipping_total", "original_shipping_subtotal",
           "original_shipping_tax_total", "credit_line_total", "credit_line_subtotal", "credit_line_tax_total",
           "fulfilled_total", "shipped_total", "return_requested_total", "return_received_total",
           "return_dismissed_total", "write_off_total")
_RAW_TOTALS = tuple("raw_" + k for k in _TOTALS)
PREVIEW_KEYS = ("id", "version", "email", "items", "shipping_methods", "credit_lines", "transactions", "summary",
                "order_change", *_TOTALS, *_RAW_TOTALS)
RETURN_ORDER_KEYS = ("id", "version", "display_id", "custom_display_id", "status", "email", "currency_code",
                     "locale", "metadata", "region_id", "sales_channel_id", "customer_id", "shipping_address_id",
                     "billing_address_id", "is_draft_order", "no_notification", "canceled_at", "created_at",
                     "updated_at", "deleted_at", "items", "shipping_methods", "credit_lines", "shipping_address",
                     "billing_address", "order_change", *_TOTALS, *_RAW_TOTALS)
# (plus `actions` in previews, which Medusa leaves out: Euryale's clients and tests read the change's actions there)
ORDER_CHANGE_KEYS = ("id", "version", "change_type", "order_id", "return_id", "claim_id", "exchange_id",
                     "description", "internal_note", "status", "requested_at", "requested_by", "no_notification",
                     "carry_over_promotions", "order", "actions")


# inside a preview's `order_change.order`, Medusa 2.21.2 answers the bare line item and shipping method models
CHANGE_LINE_ITEM_KEYS = ("id", "title", "subtitle", "thumbnail", "variant_id", "product_id", "product_title",
                         "product_description", "product_subtitle", "product_type", "product_type_id",
                         "product_collection", "product_handle", "variant_sku", "variant_barcode", "variant_title",
                         "variant_option_values", "requires_shipping", "is_giftcard", "is_discountable",
                         "is_tax_inclusive", "is_custom_price", "unit_price", "raw_unit_price",
                         "compare_at_unit_price", "raw_compare_at_unit_price", "metadata", "tax_lines",
                         "adjustments", "created_at", "updated_at", "deleted_at")
CHANGE_SHIPPING_METHOD_KEYS = ("id", "name", "description", "amount", "raw_amount", "is_tax_inclusive",
                               "is_custom_amount", "shipping_option_id", "data", "metadata", "tax_lines",
                               "adjustments", "created_at", "updated_at", "deleted_at")


def _bare_models(change_order: Any) -> Any:
    """The change's order with its items' `item` and methods' `shipping_method` reduced to the bare models."""
    if not isinstance(change_order, dict):
        return change_order
    out = dict(change_order)
    for rows_key, inner, keys in (("items", "item", CHANGE_LINE_ITEM_KEYS),
                                  ("shipping_methods", "shipping_method", CHANGE_SHIPPING_METHOD_KEYS)):
        rows = out.get(rows_key)
        if isinstance(rows, list):
            out[rows_key] = [{**r, inner: _keep(r[inner], keys)} if isinstance(r.get(inner), dict) else r
                             for r in rows]
    return out


def _keep(record: dict[str, Any] | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    return None if record is None else {k: v for k, v in record.items() if k in keys}


def _medusa_return_order(order: dict[str, Any], keys: tuple[str, ...], *, preview: bool) -> dict[str, Any]:
    """A return's `order` / `order_preview` in Medusa 2.21.2's keys: addresses as `{id}` references, items
    without their variant, the change without its audit columns (its order a reference outside a preview)."""
    out: dict[str, Any] = {k: v for k, v in order.items() if k in keys}
    for name in ("shipping_address", "billing_address"):
        if isinstance(out.get(name), dict):
            out[name] = {"id": out[name]["id"]}
    # items carry their change actions in a preview only
    if isinstance(out.get("items"), list):
        out["items"] = [{**{k: v for k, v in i.items() if k not in ("variant", "actions")},
                         **({"actions": [wire_action(a) for a in i["actions"]]}
                            if preview and "actions" in i else {})}
                        for i in out["items"]]
    change = _keep(out.get("order_change"), ORDER_CHANGE_KEYS)
    if change is not None:
        change["order"] = _bare_models(change.get("order")) if preview else {"id": change.get("order_id")}
        if not preview:
            change.pop("actions", None)
        elif isinstance(change.get("actions"), list):
            change["actions"] = [wire_action(a) for a in change["actions"]]
        out["order_change"] = change
    return out


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


async def _with_order(request: Request, return_id: str, *, preview: bool,
                      taken: dict[str, Any] | None = None) -> dict[str, Any]:
    """`{order_preview | order, return}`; `taken` is a preview read before the operation (`_preview_before`)."""
    fields = paging(query_of(request)).fields
    async with db_of(request).read() as conn:
        ret = Fields(fields, defaults=RETURN_DEFAULTS).project(
            await retrieve_return(conn, return_id=return_id, fields=fields))
        if taken is not None:
            return {"order_preview": taken, "return": ret}
        order_id = (await orders.get_return(conn, return_id=return_id))["order_id"]
        order = await order_preview(conn, order_id=order_id, return_id=return_id)
        if preview:
            return {"order_preview": _medusa_return_order(order, PREVIEW_KEYS, preview=True), "return": ret}
        return {"order": _medusa_return_order(order, RETURN_ORDER_KEYS, preview=False), "return": ret}


async def _preview_before(request: Request, return_id: str) -> dict[str, Any] | None:
    """The return's order preview as it stands (None for an unknown return: the operation reports that).
    Medusa's confirm-return-request answers the preview it takes before confirming the change (so the change
    still pending, with its actions, at the order's previous version); receive/confirm takes it after."""
    async def read(conn: AsyncConnection) -> dict[str, Any]:
        order_id = (await orders.get_return(conn, return_id=return_id))["order_id"]
        return _medusa_return_order(await order_preview(conn, order_id=order_id, return_id=return_id), PREVIEW_KEYS,
                                    preview=True)
    return await read_before(request, read)


@router.get("/admin/returns")
async def list_returns(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=15)
    async with db_of(request).read() as conn:
        rows, count = await orders.list_returns(conn, filters=filter_values(query, "id", "order_id", "status"),
                                                limit=params.limit, offset=params.offset)
        views = await load_returns(conn, return_ids=[r["id"] for r in rows])
    shape = Fields(params.fields, defaults=RETURN_LIST_DEFAULTS)
    return json({"returns": [shape.project(v) for v in views], "count": count, "offset": params.offset,
                 "limit": params.limit})


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
        fields = paging(query_of(request)).fields
        ret = await retrieve_return(conn, return_id=return_id, fields=fields)
    return json({"return": Fields(fields, defaults=RETURN_DEFAULTS).project(ret)})


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
    taken = await _preview_before(request, return_id)
    await run_flow(request, "confirm-return-request", return_id=return_id, confirmed_by=actor_id(user),
                               no_notification=body.no_notification)
    return json(await _with_order(request, return_id, preview=True, taken=taken))


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
