"""`authorize-payment-session-for-order` (Medusa 2.17+): an admin authorises a deferred payment session (bank
transfer, payment link) of an order's collection once the money is there. Only a session in
`pending_authorization` qualifies; if the provider still answers `pending_authorization`, nothing changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import MedusaError, MedusaErrorType, not_allowed, not_found
from euryale.flows._workflow import transaction_workflow
from euryale.flows.order.payments import order_of_collection
from euryale.modules.order import lifecycle as orders
from euryale.modules.payment import service as payments
from euryale.modules.payment.models import capture, payment_session

PENDING_AUTHORIZATION = "pending_authorization"


@transaction_workflow("authorize-payment-session-for-order")
async def authorize_payment_session_for_order(conn: AsyncConnection, *, payment_session_id: str
                                              ) -> dict[str, Any] | None:
    """The payment created by the authorisation, or None when the provider has not authorised it yet."""
    row = (await conn.execute(select(payment_session).where(payment_session.c.id == payment_session_id,
                                                            payment_session.c.deleted_at.is_(None))
                              .with_for_update())).mappings().first()
    if row is None:
        raise not_found(f"PaymentSession with id: {payment_session_id} was not found")
    session = dict(row)
    if session["status"] != PENDING_AUTHORIZATION:
        raise not_allowed(f"Payment session {payment_session_id} is not in pending_authorization status")
    status, data, error = await payments.call_authorize(session=session)
    if status == PENDING_AUTHORIZATION:
        return None
    if error is not None:
        await payments.mark_session_error(conn, session_id=payment_session_id, status=status)
        raise MedusaError(MedusaErrorType.PAYMENT_AUTHORIZATION_ERROR, error)
    created = await payments.record_authorization(conn, session=session, status=status, data=data)
    order_id = await order_of_collection(conn, collection_id=session["payment_collection_id"])
    if order_id is not None:
        await payments.set_payment_order(conn, payment_collection_id=session["payment_collection_id"],
                                         order_id=order_id)
        # an immediate capture is money the order received: one transaction per capture
        captures = (await conn.execute(select(capture.c.id, capture.c.amount)
                                       .where(capture.c.payment_id == created["id"]))).all()
        for capture_id, amount in captures:
            await orders.add_transaction(conn, order_id=order_id, amount=orders.dec(amount),
                                         currency_code=created["currency_code"], reference="capture",
                                         reference_id=capture_id)
        if captures:
            await orders.refresh_summary(conn, order_id=order_id)
    return created
