"""`POST /hooks/payment/:provider`: accept a payment provider's webhook and process it asynchronously.

As Medusa, the handler only records the webhook (event `payment.webhook_received`, staged in the outbox so it is
never lost) and answers `200 OK`; the `payment-webhook` subscriber does the work. The raw body is kept (base64 in
`payload.rawData`) because providers verify signatures over the exact bytes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse

from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.payment_webhook import WEBHOOK_EVENT, encode_raw_body

router = APIRouter()


def _parse(raw: bytes, content_type: str) -> Any:
    """The body as Medusa's body parsers see it: JSON, urlencoded or text."""
    if not raw:
        return {}
    if "json" in content_type:
        return orjson.loads(raw)
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return raw.decode("utf-8", "replace")


@router.post("/hooks/payment/{provider}")
async def payment_webhook(provider: str, request: Request) -> PlainTextResponse:
    """Stage `payment.webhook_received` with `{provider, payload: {data, rawData, headers}}`; answer 200."""
    raw = await request.body()
    try:
        data = _parse(raw, request.headers.get("content-type", "").lower())
    except orjson.JSONDecodeError as exc:
        return PlainTextResponse(f"Webhook Error: {exc}", status_code=400)
    event = Event(WEBHOOK_EVENT, {"provider": provider, "payload": {
        "data": data, "rawData": encode_raw_body(raw), "headers": dict(request.headers.items())}})
    async with request.app.state.container.database().transaction() as conn:
        await stage_events(conn, event)
    return PlainTextResponse("OK", status_code=200)
