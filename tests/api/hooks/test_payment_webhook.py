"""`POST /hooks/payment/:provider`: the webhook is staged as `payment.webhook_received` (raw body kept) and the
`payment-webhook` subscriber authorises, completes the cart and captures, idempotently."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text

from euryale.container import Container
from euryale.core_subscribers.payment_webhook import handler
from euryale.events import Event
from euryale.modules.payment.providers import PaymentProvider, register_provider
from tests.api.store.test_checkout import checkout_cart
from tests.support.commerce import make_shop

PROVIDER = "pp_webhooktest_test"


class WebhookProvider(PaymentProvider):
    """Reads `{type, session_id, amount}` from the JSON body; refuses a body without the shared secret header."""

    identifier = "webhooktest"

    async def get_webhook_action_and_data(self, *, payload: dict[str, Any], raw_body: bytes,
                                          headers: dict[str, str]) -> dict[str, Any]:
        if headers.get("x-signature") != "s3cret" or b"session_id" not in raw_body:
            return {"action": "failed"}
        return {"action": payload["type"], "data": {"session_id": payload["session_id"],
                                                    "amount": payload.get("amount")}}


register_provider(PROVIDER, WebhookProvider())


async def _staged(container: Container, marker: str) -> Event:
    async with container.database().read() as conn:
        row = (await conn.execute(text(
            "SELECT id, name, data FROM event_outbox WHERE name = 'payment.webhook_received' "
            "AND data->'payload'->'data'->>'marker' = :m"), {"m": marker})).mappings().one()
    return Event(row["name"], row["data"], id=row["id"])


async def _state(container: Container, cart_id: str, session_id: str) -> dict[str, Any]:
    async with container.database().read() as conn:
        orders = (await conn.execute(text("SELECT order_id FROM order_cart WHERE cart_id = :c AND deleted_at IS NULL"),
                                     {"c": cart_id})).scalars().all()
        pay = (await conn.execute(text(
            "SELECT p.id, p.captured_at, (SELECT count(*) FROM capture c WHERE c.payment_id = p.id) AS captures, "
            "s.status FROM payment_session s LEFT JOIN payment p ON p.payment_session_id = s.id "
            "WHERE s.id = :s"), {"s": session_id})).mappings().one()
    return {"orders": list(orders), **dict(pay)}


async def test_webhook_is_accepted_and_staged_with_raw_body(client: httpx.AsyncClient,
                                                            container: Container) -> None:
    body = b'{"type": "authorized", "session_id": "payses_x", "marker": "raw-1",  "n": 1.10}'
    r = await client.post(f"/hooks/payment/{PROVIDER}", content=body,
                          headers={"content-type": "application/json", "x-signature": "s3cret"})
    assert r.status_code == 200 and r.text == "OK"
    event = await _staged(container, "raw-1")
    assert event.data["provider"] == PROVIDER
    assert event.data["payload"]["data"]["type"] == "authorized"
    assert base64.b64decode(event.data["payload"]["rawData"]) == body  # exact bytes, spacing included
    assert event.data["payload"]["headers"]["x-signature"] == "s3cret"


async def test_invalid_json_is_a_400_and_nothing_is_staged(client: httpx.AsyncClient) -> None:
    r = await client.post(f"/hooks/payment/{PROVIDER}", content=b"{not json",
                          headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.text.startswith("Webhook Error")


async def test_authorized_webhook_completes_the_cart_once(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[20])
    pc = await checkout_cart(client, shop)
    session_id = pc["payment_sessions"][0]["id"]
    r = await client.post(f"/hooks/payment/{PROVIDER}", headers={"x-signature": "s3cret"},
                          json={"type": "authorized", "session_id": session_id, "marker": f"auth-{shop.tag}"})
    assert r.status_code == 200
    event = await _staged(container, f"auth-{shop.tag}")
    await handler(event, container)
    state = await _state(container, pc["cart_id"], session_id)
    assert len(state["orders"]) == 1 and state["status"] == "authorized" and state["captured_at"] is None
    # a redelivery (at-least-once bus, provider retry) changes nothing
    await handler(event, container)
    assert await _state(container, pc["cart_id"], session_id) == state
    # the storefront's own completion returns the same order
    r = await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=shop.headers)
    assert r.status_code == 200 and r.json()["order"]["id"] == state["orders"][0]


async def test_captured_webhook_captures_once(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[15])
    pc = await checkout_cart(client, shop)
    session_id = pc["payment_sessions"][0]["id"]
    await client.post(f"/hooks/payment/{PROVIDER}", headers={"x-signature": "s3cret"},
                      json={"type": "captured", "session_id": session_id, "marker": f"capt-{shop.tag}"})
    event = await _staged(container, f"capt-{shop.tag}")
    await handler(event, container)
    await handler(event, container)
    state = await _state(container, pc["cart_id"], session_id)
    assert len(state["orders"]) == 1 and state["captured_at"] is not None and state["captures"] == 1
    async with container.database().read() as conn:
        amount = (await conn.execute(text("SELECT sum(amount) FROM capture WHERE payment_id = :p"),
                                     {"p": state["id"]})).scalar_one()
    assert Decimal(amount) == Decimal(25)  # 15 + 10 shipping


async def test_unknown_session_provider_or_action_is_ignored(client: httpx.AsyncClient,
                                                             container: Container) -> None:
    from euryale.flows.payment_webhook import process_payment_webhook

    data = {"type": "authorized", "session_id": "payses_missing"}
    raw = base64.b64encode(b'{"session_id": "payses_missing"}').decode()
    payload = {"data": data, "rawData": raw, "headers": {"x-signature": "s3cret"}}
    assert await process_payment_webhook(container, provider_id=PROVIDER, payload=payload) == "session_not_found"
    assert await process_payment_webhook(container, provider_id="pp_nope_nope", payload=payload) == "unknown_provider"
    bad = {**payload, "headers": {}}
    assert await process_payment_webhook(container, provider_id=PROVIDER, payload=bad) == "ignored"
    # the default provider supports no webhooks
    assert await process_payment_webhook(container, provider_id="pp_system_default", payload=payload) == "ignored"
