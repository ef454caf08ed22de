"""Store orders: `GET /store/orders` (the logged-in customer's) and `GET /store/orders/:id`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.errors import not_found
from euryale.flows.order.read import list_store_orders, retrieve_store_order
from euryale.http.actors import optional_customer, require_customer
from euryale.http.auth import AuthContext
from euryale.http.query import list_params, parse_qs
from euryale.http.store_context import StoreContext, store_context

router = APIRouter()


@router.get("/store/orders", response_model=None)
async def list_orders(request: Request, ctx: StoreContext = Depends(store_context),
                      customer: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """The customer's orders, newest first: `{orders, count, offset, limit}`."""
    lp = list_params(parse_qs(request.url.query))
    async with request.app.state.container.database().read() as conn:
        orders, count = await list_store_orders(conn, customer_id=customer.actor_id, limit=lp.limit,
                                                offset=lp.offset)
    return {"orders": orders, "count": count, "offset": lp.offset, "limit": lp.limit}


@router.get("/store/orders/{order_id}", response_model=None)
async def retrieve_order(order_id: str, request: Request, ctx: StoreContext = Depends(store_context),
                         customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """One order (guests may read theirs by id; another logged-in customer gets 404)."""
    async with request.app.state.container.database().read() as conn:
        order = await retrieve_store_order(conn, order_id=order_id)
        owner = order.pop("_customer_id", None)
    if customer is not None and owner and owner != customer.actor_id:
        raise not_found(f"Order id not found: {order_id}")
    return {"order": order}
