"""`payment.webhook_received` reaches the `payment-webhook` core subscriber through the bus (Redis and local)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select

from euryale.background import start_background
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.payment_webhook import encode_raw_body
from euryale.modules.payment.models import payment, payment_collection, payment_session
from euryale.modules.payment.providers import PaymentProvider, register_provider
from tests.support import services
from tests.support.arch import arch_config, started, wait_until

PROVIDER = "pp_bustest_test"


class BusProvider(PaymentProvider):
    identifier = "bustest"

    async def get_webhook_action_and_data(self, *, payload: dict[str, Any], raw_body: bytes,
                                          headers: dict[str, str]) -> dict[str, Any]:
        return {"action": "authorized", "data": {"session_id": payload["session"], "amount": 12}}


register_provider(PROVIDER, BusProvider())


@pytest.mark.parametrize("redis", [True, False], ids=["redis-bus", "local-bus"])
async def test_webhook_event_authorises_the_session(arch_db: services.TestDatabase, prefix: str,
                                                    redis: bool) -> None:
    container = await started(arch_config(arch_db, prefix=prefix, redis=redis))
    stop = await start_background(container)
    collection_id, session_id = f"pay_col_{uuid.uuid4().hex[:12]}", f"payses_{uuid.uuid4().hex[:12]}"
    try:
        async with container.database().transaction() as conn:
            await conn.execute(insert(payment_collection).values(
                id=collection_id, currency_code="eur", amount=Decimal(12), region_id="reg_test", status="not_paid"))
            await conn.execute(insert(payment_session).values(
                id=session_id, currency_code="eur", amount=Decimal(12), provider_id="pp_system_default", data={},
                status="pending", payment_collection_id=collection_id))
            body = b'{"session": "%s"}' % session_id.encode()
            await stage_events(conn, Event("payment.webhook_received", {"provider": PROVIDER, "payload": {
                "data": {"session": session_id}, "rawData": encode_raw_body(body), "headers": {}}}))

        async def authorised() -> bool:
            async with container.database().read() as conn:
                return (await conn.execute(select(payment.c.id).where(
                    payment.c.payment_session_id == session_id))).first() is not None

        assert await wait_until(authorised, timeout=15)
        async with container.database().read() as conn:
            status = (await conn.execute(select(payment_session.c.status).where(
                payment_session.c.id == session_id))).scalar_one()
        assert status == "authorized"
    finally:
        await stop()
        await container.stop()
