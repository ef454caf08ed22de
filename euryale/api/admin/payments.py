"""Admin payments: list, read, capture, refund, providers; payment collections of orders; refund reasons."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from euryale.api.admin._deps import actor_id, db_of, filter_values, paging, query_of, require_user, run_flow
from euryale.http.json import JSONResponse, json
from euryale.modules.payment import operations
from euryale.modules.payment import service as payment_service
from euryale.query.admin_orders import Fields, payment_view

router = APIRouter()

PAYMENT_KEYS = ("id", "currency_code", "amount", "captured_at", "payment_collection_id", "payment_session_id",
                "captures", "refunds")
DETAIL_KEYS = (*PAYMENT_KEYS, "provider_id", "canceled_at", "created_at", "updated_at", "data", "metadata",
               "order_id", "cart_id", "customer_id")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Capture(Strict):
    amount: Decimal | None = Field(default=None, gt=0)


class Refund(Strict):
    amount: Decimal | None = Field(default=None, gt=0)
    refund_reason_id: str | None = None
    note: str | None = None


class CreateCollection(Strict):
    order_id: str
    amount: Decimal | None = Field(default=None, gt=0)


class CreateSession(Strict):
    provider_id: str
    data: dict[str, Any] | None = None


class MarkPaid(Strict):
    order_id: str


class RefundReasonCreate(Strict):
    label: str
    code: str
    description: str | None = None


class RefundReasonUpdate(Strict):
    label: str | None = None
    code: str | None = None
    description: str | None = None


# Medusa 2.21's default refund reason fields (`metadata` only on request)
REFUND_REASON_KEYS = ("id", "label", "code", "description", "created_at", "updated_at", "deleted_at")


def _reason_fields(request: Request) -> Fields:
    raw = query_of(request).get("fields")
    return Fields(raw if isinstance(raw, str) else None, defaults=REFUND_REASON_KEYS)


def _payment(p: dict[str, Any], keys: tuple[str, ...] = PAYMENT_KEYS) -> dict[str, Any]:
    view = payment_view(p)
    out = {k: view.get(k) for k in keys}
    out["captures"] = [{"id": c["id"], "amount": c["amount"]} for c in view["captures"]]
    out["refunds"] = [{**{k: r.get(k) for k in ("id", "amount", "note", "payment_id", "refund_reason_id")},
                       "refund_reason": _reason_ref(r.get("refund_reason"))} for r in view["refunds"]]
    return out


def _reason_ref(reason: dict[str, Any] | None) -> dict[str, Any] | None:
    """A refund's reason as Medusa's payment routes select it (`refunds.refund_reason.label/code`, and its id)."""
    return None if reason is None else {"id": reason["id"], "label": reason["label"], "code": reason["code"]}


async def _read_payment(request: Request, payment_id: str, keys: tuple[str, ...]) -> dict[str, Any]:
    async with db_of(request).read() as conn:
        await operations.get_payment(conn, payment_id=payment_id)
        found = await operations.payments_with_details(conn, payment_ids=[payment_id])
    return {"payment": Fields(paging(query_of(request)).fields).project(_payment(found[0], keys))}


@router.get("/admin/payments/payment-providers")
async def list_providers(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=20)
    ids = filter_values(query, "id").get("id")
    enabled = None
    if "is_enabled" in query:
        enabled = str(query["is_enabled"]).lower() == "true"
    async with db_of(request).read() as conn:
        rows = await payment_service.list_payment_providers(conn, ids=ids, is_enabled=enabled)
    page = rows[params.offset:params.offset + params.limit]
    return json({"payment_providers": page, "count": len(rows), "offset": params.offset, "limit": params.limit})


@router.get("/admin/payments")
async def list_payments(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=20)
    async with db_of(request).read() as conn:
        rows, count = await operations.list_payments(
            conn, filters=filter_values(query, "id", "payment_session_id", "payment_collection_id", "provider_id"),
            limit=params.limit, offset=params.offset)
    f = Fields(params.fields)
    return json({"payments": [f.project(_payment(p, DETAIL_KEYS)) for p in rows], "count": count,
            "offset": params.offset, "limit": params.limit})


@router.get("/admin/payments/{payment_id}")
async def get_payment(payment_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    return json(await _read_payment(request, payment_id, DETAIL_KEYS))


@router.post("/admin/payments/{payment_id}/capture")
async def capture(payment_id: str, body: Capture, request: Request,
                  user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "capture-payment-workflow", payment_id=payment_id, amount=body.amount, captured_by=actor_id(user))
    return json(await _read_payment(request, payment_id, PAYMENT_KEYS))


@router.post("/admin/payments/{payment_id}/refund")
async def refund(payment_id: str, body: Refund, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "refund-payment-workflow", payment_id=payment_id, amount=body.amount,
                      refund_reason_id=body.refund_reason_id, note=body.note, created_by=actor_id(user))
    return json(await _read_payment(request, payment_id, PAYMENT_KEYS))


# ---------------------------------------------------------------------------------------------------- collections


async def _collection(request: Request, collection_id: str) -> dict[str, Any]:
    async with db_of(request).read() as conn:
        pc = await operations.get_collection(conn, collection_id=collection_id)
    pc["payments"] = [_payment(p, DETAIL_KEYS) for p in pc["payments"]]
    return {"payment_collection": pc}


@router.post("/admin/payment-collections")
async def create_collection(body: CreateCollection, request: Request,
                            _: Any = Depends(require_user)) -> JSONResponse:
    cid = await run_flow(request, "create-payment-collection-for-order", order_id=body.order_id, amount=body.amount)
    return json(await _collection(request, cid))


@router.post("/admin/payment-collections/{collection_id}/mark-as-paid")
async def mark_paid(collection_id: str, body: MarkPaid, request: Request,
                    user: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "mark-payment-collection-as-paid", collection_id=collection_id, order_id=body.order_id,
                                    captured_by=actor_id(user))
    return json(await _collection(request, collection_id))


@router.post("/admin/payment-collections/{collection_id}/payment-sessions")
async def create_session(collection_id: str, body: CreateSession, request: Request,
                         _: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "create-payment-session", collection_id=collection_id, provider_id=body.provider_id,
                   data=body.data)
    return json(await _collection(request, collection_id))


@router.delete("/admin/payment-collections/{collection_id}")
async def delete_collection(collection_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    await run_flow(request, "delete-payment-collections", collection_id=collection_id)
    return json({"id": collection_id, "object": "payment-collection", "deleted": True})


# ---------------------------------------------------------------------------------------------------- refund reasons


@router.get("/admin/refund-reasons")
async def list_refund_reasons(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=15)
    q = query.get("q") if isinstance(query.get("q"), str) else None
    async with db_of(request).read() as conn:
        rows, count = await operations.list_refund_reasons(conn, ids=filter_values(query, "id").get("id"), q=q,
                                                           limit=params.limit, offset=params.offset)
    f = Fields(params.fields, defaults=REFUND_REASON_KEYS)
    return json({"refund_reasons": [f.project(r) for r in rows], "count": count, "offset": params.offset,
            "limit": params.limit})


@router.post("/admin/refund-reasons")
async def create_refund_reason(body: RefundReasonCreate, request: Request,
                               _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).transaction() as conn:
        rid = await operations.create_refund_reason(conn, data=body.model_dump(exclude_unset=True))
        reason = await operations.get_refund_reason(conn, reason_id=rid)
    return json({"refund_reason": _reason_fields(request).project(reason)})


@router.get("/admin/refund-reasons/{reason_id}")
async def get_refund_reason(reason_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).read() as conn:
        reason = await operations.get_refund_reason(conn, reason_id=reason_id)
    return json({"refund_reason": _reason_fields(request).project(reason)})


@router.post("/admin/refund-reasons/{reason_id}")
async def update_refund_reason(reason_id: str, body: RefundReasonUpdate, request: Request,
                               _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).transaction() as conn:
        await operations.update_refund_reason(conn, reason_id=reason_id, data=body.model_dump(exclude_unset=True))
        reason = await operations.get_refund_reason(conn, reason_id=reason_id)
    return json({"refund_reason": _reason_fields(request).project(reason)})


@router.delete("/admin/refund-reasons/{reason_id}")
async def delete_refund_reason(reason_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    async with db_of(request).transaction() as conn:
        await operations.delete_refund_reason(conn, reason_id=reason_id)
    return json({"id": reason_id, "object": "refund_reason", "deleted": True})
