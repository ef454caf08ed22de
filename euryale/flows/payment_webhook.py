"""Payment webhooks: `POST /hooks/payment/:provider` stages `payment.webhook_received`; a subscriber runs
`process_payment_webhook` (Medusa's payment-webhook subscriber → `processPaymentWorkflow`).

Processing is idempotent because the event bus delivers at least once and providers resend webhooks: an
authorised session is not authorised again, a fully captured payment is not captured again, and completing a cart
that already has an order returns that order.
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal, InvalidOperation
from typing import Any

import structlog
from sqlalchemy import select

from euryale.errors import MedusaError
from euryale.flows.cart.complete import complete_cart
from euryale.flows.order import payments as order_payments
from euryale.links.models import cart_payment_collection
from euryale.modules.cart.models import cart as cart_table
from euryale.modules.payment import service as payments
from euryale.modules.payment.models import payment, payment_session
from euryale.modules.payment.providers import get_provider

log = structlog.get_logger("euryale.payment_webhook")

WEBHOOK_EVENT = "payment.webhook_received"
HANDLED_ACTIONS = ("authorized", "captured")


def encode_raw_body(raw: bytes) -> str:
    """The raw request body travels in the event as base64 (signatures are computed over the exact bytes)."""
    return base64.b64encode(raw).decode("ascii")


def decode_raw_body(value: Any) -> bytes:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value.encode()
    return b""


def _amount(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


async def process_payment_webhook(container: Any, *, provider_id: str, payload: dict[str, Any]) -> str:
    """Apply one provider webhook; returns what was done (`authorized`, `captured`, `ignored`, ...)."""
    provider = get_provider(provider_id)
    if provider is None:
        log.warning("payment webhook for an unknown provider", provider=provider_id)
        return "unknown_provider"
    raw = decode_raw_body(payload.get("rawData"))
    headers = {str(k): str(v) for k, v in (payload.get("headers") or {}).items()}
    data = payload.get("data")
    outcome = await provider.get_webhook_action_and_data(payload=data if isinstance(data, dict) else {},
                                                         raw_body=raw, headers=headers)
    action = str(outcome.get("action") or "not_supported")
    details = outcome.get("data") or {}
    session_id = details.get("session_id")
    if action not in HANDLED_ACTIONS or not session_id:
        return "ignored"
    db = container.database()
    async with db.transaction() as conn:
        session = (await conn.execute(select(payment_session).where(
            payment_session.c.id == session_id, payment_session.c.deleted_at.is_(None)))).mappings().first()
        if session is None:
            log.warning("payment webhook for an unknown session", provider=provider_id, session_id=session_id)
            return "session_not_found"
        collection_id = str(session["payment_collection_id"])
        cart_row = (await conn.execute(select(cart_table.c.id, cart_table.c.completed_at).select_from(
            cart_payment_collection.join(cart_table, cart_table.c.id == cart_payment_collection.c.cart_id)).where(
            cart_payment_collection.c.payment_collection_id == collection_id,
            cart_payment_collection.c.deleted_at.is_(None)))).first()
    if session["status"] not in ("authorized", "captured"):
        try:
            async with db.transaction() as conn:
                await payments.authorize_payment_session(conn, session_id=session_id)
        except MedusaError as exc:
            log.warning("payment webhook: authorisation refused", session_id=session_id, error=exc.message)
            return "authorization_failed"
    if cart_row is not None and cart_row[1] is None:
        # the customer may have left before the storefront completed the cart: the webhook completes it
        await complete_cart(container, cart_id=str(cart_row[0]))
    if action == "captured":
        async with db.read() as conn:
            pay = (await conn.execute(select(payment.c.id, payment.c.captured_at, payment.c.canceled_at).where(
                payment.c.payment_session_id == session_id, payment.c.deleted_at.is_(None)))).first()
        if pay is None or pay[2] is not None:
            return "authorized"
        if pay[1] is None:
            try:
                await order_payments.capture(db, payment_id=str(pay[0]), amount=_amount(details.get("amount")),
                                             captured_by=None)
            except MedusaError as exc:
                # a concurrent delivery captured it first: nothing left to do
                log.info("payment webhook: capture skipped", payment_id=pay[0], reason=exc.message)
        return "captured"
    return "authorized"
