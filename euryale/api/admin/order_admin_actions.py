"""Admin order actions added in Medusa 2.12-2.18: transfer to a guest (`POST /admin/orders/:id/transfer/guest`),
authorise a deferred payment session (`POST /admin/orders/:id/payment-sessions/authorize`) and update an order
change (`POST /admin/order-changes/:id`). Each write runs as Medusa's workflow of the same id."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api.admin._deps import actor_id, db_of, paging, query_of, require_user
from euryale.api.common import Strict
from euryale.flows.order.change_update import read_order_change, update_order_change
from euryale.flows.order.guest_transfer import transfer_order_to_guest
from euryale.flows.order.payment_authorization import authorize_payment_session_for_order
from euryale.http.json import JSONResponse, json
from euryale.query.admin_orders import retrieve_admin_order

router = APIRouter(dependencies=[Depends(require_user)])


class TransferToGuest(Strict):
    email: str
    description: str | None = None
    internal_note: str | None = None


class AuthorizePaymentSession(Strict):
    payment_session_id: str


class UpdateOrderChange(Strict):
    carry_over_promotions: bool


async def _order(request: Request, order_id: str) -> dict[str, Any]:
    async with db_of(request).read() as conn:
        return await retrieve_admin_order(conn, order_id=order_id, fields=paging(query_of(request)).fields)


@router.post("/admin/orders/{order_id}/transfer/guest")
async def transfer_to_guest(order_id: str, body: TransferToGuest, request: Request,
                            user: Any = Depends(require_user)) -> JSONResponse:
    """Move the order to the guest customer of `email` at once (no acceptance): `{order}`."""
    await transfer_order_to_guest(request.app.state.container, order_id=order_id, email=body.email,
                                  logged_in_user=actor_id(user), description=body.description,
                                  internal_note=body.internal_note)
    return json({"order": await _order(request, order_id)})


@router.post("/admin/orders/{order_id}/payment-sessions/authorize")
async def authorize_payment_session(order_id: str, body: AuthorizePaymentSession, request: Request) -> JSONResponse:
    """Authorise a session waiting in `pending_authorization`: `{order, is_authorized}`."""
    payment = await authorize_payment_session_for_order(request.app.state.container,
                                                        payment_session_id=body.payment_session_id)
    return json({"order": await _order(request, order_id), "is_authorized": payment is not None})


@router.post("/admin/order-changes/{change_id}")
async def update_change(change_id: str, body: UpdateOrderChange, request: Request) -> JSONResponse:
    """Set `carry_over_promotions` of an active change: `{order_change}`."""
    await update_order_change(request.app.state.container, change_id=change_id,
                              carry_over_promotions=body.carry_over_promotions)
    async with db_of(request).read() as conn:
        return json({"order_change": await read_order_change(conn, change_id)})
