"""Admin claims: begin, claim items, inbound items/shipping (the return), outbound (replacement) items/shipping,
request, cancel, read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api.admin._deps import actor_id, db_of, filter_values, paging, query_of, require_user
from euryale.api.admin._order_changes import (
    ClaimBegin,
    ClaimItems,
    Confirm,
    InboundItems,
    OutboundItems,
    Shipping,
    UpdateClaimItem,
    UpdateInboundItem,
    UpdateItem,
    UpdateShipping,
    preview_before,
    preview_body,
    run_change,
    subject_view,
)
from euryale.flows.order.change_kit import CLAIM
from euryale.http.json import JSONResponse, json
from euryale.query.admin_orders import Fields, retrieve_admin_order
from euryale.query.order_changes import list_subjects, load_subjects

router = APIRouter()


@router.get("/admin/claims")
async def list_claims(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    query = query_of(request)
    params = paging(query, default_limit=15)
    async with db_of(request).read() as conn:
        ids, count = await list_subjects(conn, kind=CLAIM, filters=filter_values(query, "id", "order_id"),
                                         limit=params.limit, offset=params.offset)
        views = await load_subjects(conn, kind=CLAIM, ids=ids)
    projection = Fields(params.fields)
    return json({"claims": [projection.project(v) for v in views], "count": count, "offset": params.offset, "limit": params.limit})


@router.post("/admin/claims")
async def begin_claim(body: ClaimBegin, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    cid = await run_change(request, "begin-claim-order", order_id=body.order_id, type=body.type,
                           description=body.description, internal_note=body.internal_note, metadata=body.metadata,
                           created_by=actor_id(user))
    async with db_of(request).read() as conn:
        order = await retrieve_admin_order(conn, order_id=body.order_id)
    return json({"order": order, "claim": await subject_view(request, CLAIM, cid)})


@router.get("/admin/claims/{claim_id}")
async def get_claim(claim_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    return json({"claim": await subject_view(request, CLAIM, claim_id)})


@router.post("/admin/claims/{claim_id}/inbound/items")
async def add_inbound_items(claim_id: str, body: InboundItems, request: Request,
                            user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "order-claim-request-item-return", claim_id=claim_id,
                   items=[i.model_dump() for i in body.items], created_by=actor_id(user))
    return json(await preview_body(request, CLAIM, claim_id, key="return"))


@router.post("/admin/claims/{claim_id}/inbound/items/{action_id}")
async def update_inbound_item(claim_id: str, action_id: str, body: UpdateInboundItem, request: Request,
                              _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "update-claim-request-item-return", claim_id=claim_id, action_id=action_id,
                   quantity=body.quantity, internal_note=body.internal_note, reason_id=body.reason_id)
    return json(await preview_body(request, CLAIM, claim_id, key="return"))


@router.delete("/admin/claims/{claim_id}/inbound/items/{action_id}")
async def remove_inbound_item(claim_id: str, action_id: str, request: Request,
                              _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "remove-claim-request-item-return", claim_id=claim_id, action_id=action_id)
    return json(await preview_body(request, CLAIM, claim_id, key="return"))


@router.post("/admin/claims/{claim_id}/inbound/shipping-method")
async def add_inbound_shipping(claim_id: str, body: Shipping, request: Request,
                               user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "create-claim-shipping-method", claim_id=claim_id,
                   option_id=body.shipping_option_id, custom_amount=body.custom_amount,
                   internal_note=body.internal_note, metadata=body.metadata, inbound=True, created_by=actor_id(user))
    return json(await preview_body(request, CLAIM, claim_id, key="return"))


@router.post("/admin/claims/{claim_id}/inbound/shipping-method/{action_id}")
@router.post("/admin/claims/{claim_id}/outbound/shipping-method/{action_id}")
async def update_shipping(claim_id: str, action_id: str, body: UpdateShipping, request: Request,
                          _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "update-claim-shipping-method", claim_id=claim_id, action_id=action_id,
                   custom_amount=body.custom_amount, internal_note=body.internal_note)
    key = "return" if "/inbound/" in request.url.path else "claim"
    return json(await preview_body(request, CLAIM, claim_id, key=key))


@router.delete("/admin/claims/{claim_id}/inbound/shipping-method/{action_id}")
@router.delete("/admin/claims/{claim_id}/outbound/shipping-method/{action_id}")
async def remove_shipping(claim_id: str, action_id: str, request: Request,
                          _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "remove-claim-shipping-method", claim_id=claim_id, action_id=action_id)
    key = "return" if "/inbound/" in request.url.path else "claim"
    return json(await preview_body(request, CLAIM, claim_id, key=key))


@router.post("/admin/claims/{claim_id}/outbound/items")
async def add_outbound_items(claim_id: str, body: OutboundItems, request: Request,
                             _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "order-claim-add-new-item", claim_id=claim_id,
                   items=[i.model_dump() for i in body.items])
    return json(await preview_body(request, CLAIM, claim_id, key="claim"))


@router.post("/admin/claims/{claim_id}/outbound/items/{action_id}")
async def update_outbound_item(claim_id: str, action_id: str, body: UpdateItem, request: Request,
                               _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "update-claim-add-item", claim_id=claim_id, action_id=action_id,
                   quantity=body.quantity, internal_note=body.internal_note)
    return json(await preview_body(request, CLAIM, claim_id, key="claim"))


@router.delete("/admin/claims/{claim_id}/outbound/items/{action_id}")
async def remove_outbound_item(claim_id: str, action_id: str, request: Request,
                               _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "remove-item-claim-action", claim_id=claim_id, action_id=action_id)
    return json(await preview_body(request, CLAIM, claim_id, key="claim"))


@router.post("/admin/claims/{claim_id}/outbound/shipping-method")
async def add_outbound_shipping(claim_id: str, body: Shipping, request: Request,
                                user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "create-claim-shipping-method", claim_id=claim_id,
                   option_id=body.shipping_option_id, custom_amount=body.custom_amount,
                   internal_note=body.internal_note, metadata=body.metadata, inbound=False,
                   created_by=actor_id(user))
    return json(await preview_body(request, CLAIM, claim_id, key="claim"))


@router.post("/admin/claims/{claim_id}/request")
async def confirm_request(claim_id: str, body: Confirm, request: Request,
                          user: Any = Depends(require_user)) -> JSONResponse:
    taken = await preview_before(request, CLAIM, claim_id)
    await run_change(request, "confirm-claim-request", claim_id=claim_id, confirmed_by=actor_id(user),
                   no_notification=body.no_notification)
    return json(await preview_body(request, CLAIM, claim_id, key="claim", with_return=True, taken=taken))


@router.delete("/admin/claims/{claim_id}/request")
async def cancel_request(claim_id: str, request: Request, user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "cancel-begin-order-claim", claim_id=claim_id, canceled_by=actor_id(user))
    return json({"id": claim_id, "object": "claim", "deleted": True})


@router.post("/admin/claims/{claim_id}/cancel")
async def cancel_claim(claim_id: str, body: Confirm, request: Request,
                          user: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "cancel-claim", claim_id=claim_id, canceled_by=actor_id(user),
                   no_notification=body.no_notification)
    return json({"claim": await subject_view(request, CLAIM, claim_id)})


@router.post("/admin/claims/{claim_id}/claim-items")
async def add_claim_items(claim_id: str, body: ClaimItems, request: Request,
                          _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "order-claim-item", claim_id=claim_id, items=[i.model_dump() for i in body.items])
    return json(await preview_body(request, CLAIM, claim_id, key="claim"))


@router.post("/admin/claims/{claim_id}/claim-items/{action_id}")
async def update_claim_item(claim_id: str, action_id: str, body: UpdateClaimItem, request: Request,
                            _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "update-order-claim-item", claim_id=claim_id, action_id=action_id,
                     quantity=body.quantity, reason=body.reason, internal_note=body.internal_note)
    return json(await preview_body(request, CLAIM, claim_id, key="claim"))


@router.delete("/admin/claims/{claim_id}/claim-items/{action_id}")
async def remove_claim_item(claim_id: str, action_id: str, request: Request,
                            _: Any = Depends(require_user)) -> JSONResponse:
    await run_change(request, "remove-order-claim-item", claim_id=claim_id, action_id=action_id)
    return json(await preview_body(request, CLAIM, claim_id, key="claim"))
