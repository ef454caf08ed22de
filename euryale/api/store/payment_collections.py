"""Store payment collections: `POST /store/payment-collections` and `.../:id/payment-sessions`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from euryale.flows.cart import payment_workflows
from euryale.http.store_context import StoreContext, store_context
from euryale.modules.payment import service as payments
from euryale.query.request import WireRoute

# WireRoute: dict answers go straight to orjson (no jsonable_encoder pass over the whole body)
router = APIRouter(route_class=WireRoute)


class CreateCollectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cart_id: str


class CreateSessionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider_id: str
    data: dict[str, Any] | None = None


@router.post("/store/payment-collections", response_model=None)
async def create_payment_collection(body: CreateCollectionBody, request: Request,
                                    ctx: StoreContext = Depends(store_context)) -> dict[str, Any]:
    """The cart's payment collection (created for the cart total when it has none)."""
    pc_id, created = await payment_workflows.create_cart_collection(request.app.state.container,
                                                                     cart_id=body.cart_id)
    if created is not None:  # new: no session yet, answered from the row as written
        return {"payment_collection": payments.store_collection_shape({**created, "payment_sessions": []})}
    async with request.app.state.container.database().transaction() as conn:
        pc = await payments.retrieve_payment_collection(conn, payment_collection_id=pc_id)
    return {"payment_collection": payments.store_collection_shape(pc)}


@router.post("/store/payment-collections/{collection_id}/payment-sessions", response_model=None)
async def create_payment_session(collection_id: str, body: CreateSessionBody, request: Request,
                                 ctx: StoreContext = Depends(store_context)) -> dict[str, Any]:
    """Initiate a session with a provider (replacing the pending one)."""
    _, written = await payment_workflows.create_payment_session(
        request.app.state.container, payment_collection_id=collection_id, provider_id=body.provider_id,
        data=body.data)
    if written is not None:  # the collection as the step wrote it: no read back
        return {"payment_collection": payments.store_collection_shape(written)}
    async with request.app.state.container.database().transaction() as conn:
        pc = await payments.retrieve_payment_collection(conn, payment_collection_id=collection_id)
    return {"payment_collection": payments.store_collection_shape(pc)}
