"""Request bodies and response helpers shared by the claim, exchange and order-edit admin routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Literal, TypeVar

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.api.admin._deps import db_of, paging, query_of
from euryale.errors import MedusaError
from euryale.flows.order import change_kit as kit
from euryale.flows.order import change_workflows
from euryale.query.admin_orders import retrieve_return
from euryale.query.order_changes import change_preview, retrieve_subject

T = TypeVar("T")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# keys Euryale's actions keep in `details` for its own bookkeeping; Medusa 2.21.2's details have neither
_INTERNAL_DETAILS = ("return_id", "reference")


def wire_action(action: dict[str, Any]) -> dict[str, Any]:
    """An order change action as Medusa 2.21.2 answers it: `raw_amount` beside `amount`, numeric quantities."""
    details = {k: v for k, v in (action.get("details") or {}).items() if k not in _INTERNAL_DETAILS}
    if isinstance(details.get("quantity"), str):
        details["quantity"] = Decimal(details["quantity"])
    amount = action.get("amount")
    raw = None if amount is None else {"value": format(Decimal(str(amount)).normalize(), "f"), "precision": 20}
    return {**action, "details": details, "raw_amount": raw}


def wire_change(change: dict[str, Any]) -> dict[str, Any]:
    """An order change as Medusa 2.21.2 answers it: no `deleted_at`, `no_notification` (not stored here: null)."""
    out = {k: v for k, v in change.items() if k != "deleted_at"}
    out.setdefault("no_notification", None)
    if isinstance(out.get("actions"), list):
        out["actions"] = [wire_action(a) for a in out["actions"]]
    return out


class BeginBody(Strict):
    order_id: str
    description: str | None = None
    internal_note: str | None = None
    metadata: dict[str, Any] | None = None


class InboundItem(Strict):
    id: str
    quantity: Decimal = Field(gt=0)
    description: str | None = None
    internal_note: str | None = None
    reason_id: str | None = None
    metadata: dict[str, Any] | None = None


class InboundItems(Strict):
    items: list[InboundItem] = Field(min_length=1)


class UpdateInboundItem(Strict):
    quantity: Decimal | None = Field(default=None, gt=0)
    internal_note: str | None = None
    reason_id: str | None = None
    metadata: dict[str, Any] | None = None


class OutboundItem(Strict):
    variant_id: str
    quantity: Decimal = Field(gt=0)
    unit_price: Decimal | None = Field(default=None, ge=0)
    internal_note: str | None = None
    allow_backorder: bool | None = None
    metadata: dict[str, Any] | None = None


class OutboundItems(Strict):
    items: list[OutboundItem] = Field(min_length=1)


class UpdateItem(Strict):
    quantity: Decimal | None = Field(default=None, gt=0)
    internal_note: str | None = None


class Shipping(Strict):
    shipping_option_id: str
    custom_amount: Decimal | None = Field(default=None, ge=0)
    description: str | None = None
    internal_note: str | None = None
    metadata: dict[str, Any] | None = None


class UpdateShipping(Strict):
    custom_amount: Decimal | None = Field(default=None, ge=0)
    internal_note: str | None = None
    metadata: dict[str, Any] | None = None


class ClaimBegin(BeginBody):
    type: Literal["refund", "replace"]
    reason_id: str | None = None


class ClaimItem(Strict):
    id: str
    quantity: Decimal = Field(gt=0)
    reason: Literal["missing_item", "wrong_item", "production_failure", "other"] | None = None
    description: str | None = None
    internal_note: str | None = None


class ClaimItems(Strict):
    items: list[ClaimItem] = Field(min_length=1)


class UpdateClaimItem(Strict):
    quantity: Decimal | None = Field(default=None, gt=0)
    reason: Literal["missing_item", "wrong_item", "production_failure", "other"] | None = None
    reason_id: str | None = None
    internal_note: str | None = None


class EditItem(OutboundItem):
    compare_at_unit_price: Decimal | None = Field(default=None, ge=0)


class EditItems(Strict):
    items: list[EditItem] = Field(min_length=1)


class EditItemQuantity(Strict):
    quantity: Decimal = Field(ge=0)
    internal_note: str | None = None
    unit_price: Decimal | None = Field(default=None, ge=0)
    compare_at_unit_price: Decimal | None = Field(default=None, ge=0)


class UpdateEditAction(Strict):
    quantity: Decimal | None = Field(default=None, ge=0)
    internal_note: str | None = None
    unit_price: Decimal | None = Field(default=None, ge=0)
    compare_at_unit_price: Decimal | None = Field(default=None, ge=0)


class DraftAddress(Strict):
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    company: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    country_code: str | None = None
    province: str | None = None
    postal_code: str | None = None
    metadata: dict[str, Any] | None = None


class DraftItem(Strict):
    title: str | None = None
    variant_sku: str | None = None
    variant_barcode: str | None = None
    variant_id: str | None = None
    unit_price: Decimal | None = Field(default=None, ge=0)
    quantity: Decimal = Field(gt=0)
    metadata: dict[str, Any] | None = None


class DraftShippingMethod(Strict):
    shipping_method_id: str | None = None
    order_id: str | None = None
    name: str | None = None
    shipping_option_id: str
    amount: Decimal = Field(ge=0)
    data: dict[str, Any] | None = None


class CreateDraftOrder(Strict):
    status: str | None = None
    email: str | None = None
    customer_id: str | None = None
    sales_channel_id: str | None = None
    region_id: str
    currency_code: str | None = None
    billing_address: DraftAddress | None = None
    shipping_address: DraftAddress | None = None
    items: list[DraftItem] | None = None
    shipping_methods: list[DraftShippingMethod] | None = None
    no_notification_order: bool | None = None
    promo_codes: list[str] | None = None
    metadata: dict[str, Any] | None = None


class UpdateDraftOrder(Strict):
    email: str | None = None
    customer_id: str | None = None
    sales_channel_id: str | None = None
    shipping_address: DraftAddress | None = None
    billing_address: DraftAddress | None = None
    metadata: dict[str, Any] | None = None
    locale: str | None = None
    internal_note: str | None = None


class PromoCodes(Strict):
    promo_codes: list[str] = Field(min_length=1)


class UpdateDraftShippingMethod(Strict):
    shipping_option_id: str | None = None
    custom_amount: Decimal | None = Field(default=None, ge=0)
    internal_note: str | None = None


class Confirm(Strict):
    no_notification: bool | None = None


async def run_change(request: Request, workflow_id: str, **kwargs: Any) -> Any:
    """Run a claim/exchange/order-edit workflow (see `euryale.flows.order.change_workflows`)."""
    return await change_workflows.run(request.app.state.container, workflow_id, **kwargs)


def fields_of(request: Request) -> str | None:
    return paging(query_of(request)).fields


async def subject_view(request: Request, kind: kit.Kind, subject_id: str) -> dict[str, Any]:
    async with db_of(request).read() as conn:
        return await retrieve_subject(conn, kind=kind, subject_id=subject_id, fields=fields_of(request))


async def read_before(request: Request, read: Callable[[AsyncConnection], Awaitable[T]]) -> T | None:
    """What `read` finds before an operation runs (Medusa answers some confirmations with the preview it took
    before confirming); None when it raises a MedusaError (an unknown subject: the operation then reports it)."""
    async with db_of(request).read() as conn:
        try:
            return await read(conn)
        except MedusaError:
            return None


async def _pending_preview(conn: AsyncConnection, kind: kit.Kind, subject: dict[str, Any],
                           subject_id: str) -> dict[str, Any]:
    change = await kit.subject_change(conn, kind, subject_id, statuses=("pending",))
    return await change_preview(conn, order_id=subject["order_id"], change=change)


async def preview_before(request: Request, kind: kit.Kind, subject_id: str) -> dict[str, Any] | None:
    """The subject's order preview as it stands (None for an unknown subject). Medusa's confirm-claim-request /
    confirm-exchange-request answer the preview taken before confirming: the change still pending, with its
    actions."""
    async def read(conn: AsyncConnection) -> dict[str, Any]:
        return await _pending_preview(conn, kind, await kit.get_subject(conn, kind, subject_id), subject_id)
    return await read_before(request, read)


async def preview_body(request: Request, kind: kit.Kind, subject_id: str, *, key: str,
                       with_return: bool = False, taken: dict[str, Any] | None = None) -> dict[str, Any]:
    """`{order_preview, <key>: subject-or-return}` (+ `return` on request confirmation); `taken`: a preview read
    before the operation (`preview_before`)."""
    async with db_of(request).read() as conn:
        subject = await kit.get_subject(conn, kind, subject_id)
        if taken is None:
            taken = await _pending_preview(conn, kind, subject, subject_id)
        out: dict[str, Any] = {"order_preview": taken}
        if key == "return":
            out["return"] = (await retrieve_return(conn, return_id=str(subject["return_id"]))
                             if subject.get("return_id") else None)
        else:
            out[key] = await retrieve_subject(conn, kind=kind, subject_id=subject_id, fields=fields_of(request))
        if with_return:
            out["return"] = (await retrieve_return(conn, return_id=str(subject["return_id"]))
                             if subject.get("return_id") else None)
        return out
