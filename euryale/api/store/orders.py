"""Store orders: `GET /store/orders` (the logged-in customer's) and `GET /store/orders/:id`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from euryale.errors import not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.order.read import list_store_orders, retrieve_store_order
from euryale.http.actors import optional_customer, require_customer
from euryale.http.auth import AuthContext
from euryale.http.query import list_params, parse_qs
from euryale.http.store_context import StoreContext, store_context
from euryale.modules.order import transfers
from euryale.query.request import WireRoute

# WireRoute: dict answers go straight to orjson (no jsonable_encoder pass over the whole body)
router = APIRouter(route_class=WireRoute)


@router.get("/store/orders", response_model=None)
async def list_orders(request: Request, ctx: StoreContext = Depends(store_context),
                      customer: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """The customer's orders, newest first: `{orders, count, offset, limit}`."""
    lp = list_params(parse_qs(request.url.query))
    async with request.app.state.container.database().read() as conn:
        orders, count = await list_store_orders(conn, customer_id=customer.actor_id, limit=lp.limit,
                                                offset=lp.offset, fields=lp.fields, order_by=lp.order)
    return {"orders": orders, "count": count, "offset": lp.offset, "limit": lp.limit}


@router.get("/store/orders/{order_id}", response_model=None)
async def retrieve_order(order_id: str, request: Request, ctx: StoreContext = Depends(store_context),
                         customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """One order (guests may read theirs by id; another logged-in customer gets 404)."""
    async with request.app.state.container.database().read() as conn:
        order = await retrieve_store_order(conn, order_id=order_id,
                                           fields=request.query_params.get("fields") or None)
        owner = order.pop("_customer_id", None)
    if customer is not None and owner and owner != customer.actor_id:
        raise not_found(f"Order id not found: {order_id}")
    return {"order": order}


class TransferRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = None
    internal_note: str | None = None


class TransferTokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str


async def _order_body(conn: Any, order_id: str) -> dict[str, Any]:
    order = await retrieve_store_order(conn, order_id=order_id)
    order.pop("_customer_id", None)
    return {"order": order}


@router.post("/store/orders/{order_id}/transfer/request", response_model=None)
async def request_transfer(order_id: str, request: Request, body: TransferRequestBody | None = None,
                           ctx: StoreContext = Depends(store_context),
                           customer: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """Ask for the order to be transferred to the logged-in customer (`order.transfer_requested`)."""
    b = body or TransferRequestBody()
    async with request.app.state.container.database().transaction() as conn:
        change = await transfers.request_transfer(conn, order_id=order_id, customer_id=customer.actor_id,
                                                  description=b.description, internal_note=b.internal_note)
        await stage_events(conn, [Event("order.transfer_requested",
                                        {"id": order_id, "order_change_id": change["id"]})])
        return await _order_body(conn, order_id)


@router.post("/store/orders/{order_id}/transfer/accept", response_model=None)
async def accept_transfer(order_id: str, body: TransferTokenBody, request: Request,
                          ctx: StoreContext = Depends(store_context)) -> dict[str, Any]:
    """Accept a transfer with the token sent to the order's email."""
    async with request.app.state.container.database().transaction() as conn:
        change_id = await transfers.accept_transfer(conn, order_id=order_id, token=body.token)
        await stage_events(conn, [Event("order.transfer_accepted", {"id": order_id, "order_change_id": change_id})])
        return await _order_body(conn, order_id)


@router.post("/store/orders/{order_id}/transfer/decline", response_model=None)
async def decline_transfer(order_id: str, body: TransferTokenBody, request: Request,
                           ctx: StoreContext = Depends(store_context)) -> dict[str, Any]:
    """Decline a transfer with the token sent to the order's email."""
    async with request.app.state.container.database().transaction() as conn:
        change_id = await transfers.decline_transfer(conn, order_id=order_id, token=body.token)
        await stage_events(conn, [Event("order.transfer_declined", {"id": order_id, "order_change_id": change_id})])
        return await _order_body(conn, order_id)


@router.post("/store/orders/{order_id}/transfer/cancel", response_model=None)
async def cancel_transfer(order_id: str, request: Request, ctx: StoreContext = Depends(store_context),
                          customer: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """Withdraw one's own pending transfer request."""
    async with request.app.state.container.database().transaction() as conn:
        change_id = await transfers.cancel_transfer(conn, order_id=order_id, customer_id=customer.actor_id)
        await stage_events(conn, [Event("order.transfer_canceled", {"id": order_id, "order_change_id": change_id})])
        return await _order_body(conn, order_id)
