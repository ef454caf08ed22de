"""`payment.webhook_received` → the provider's webhook handler, then authorise/capture/complete the cart."""

from __future__ import annotations

from typing import Any

from euryale.events import Event
from euryale.flows.payment_webhook import WEBHOOK_EVENT, process_payment_webhook

config = {"event": WEBHOOK_EVENT, "subscriber_id": "payment-webhook"}


async def handler(event: Event, container: Any) -> None:
    """Process one webhook delivery (idempotent: a redelivery changes nothing)."""
    provider = str(event.data.get("provider") or "")
    payload = event.data.get("payload") or {}
    if provider and isinstance(payload, dict):
        await process_payment_webhook(container, provider_id=provider, payload=payload)
