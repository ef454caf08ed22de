"""Payment providers selected by config, and the payment service's capture/refund/cancel rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from euryale.boot import build_container
from euryale.config import define_config
from euryale.container import Container
from euryale.errors import MedusaError
from euryale.modules.payment import service as payments
from euryale.modules.payment.providers import PaymentProvider, ProviderResult, get_provider
from tests.api.store.test_checkout import checkout_cart
from tests.support import services
from tests.support.commerce import make_shop


class RecordingProvider(PaymentProvider):
    """A Stripe-like provider double that records what it was asked to do."""

    identifier = "recording"

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.calls: list[str] = []

    async def initiate_payment(self, *, amount: Decimal, currency_code: str, context: dict[str, Any],
                               data: dict[str, Any]) -> ProviderResult:
        self.calls.append(f"initiate:{amount}")
        return ProviderResult(status="pending", data={"intent": "pi_1", "key": self.options.get("api_key")})

    async def authorize_payment(self, *, data: dict[str, Any], context: dict[str, Any]) -> ProviderResult:
        self.calls.append("authorize")
        return ProviderResult(status="authorized", data={**data, "authorized": True})

    async def capture_payment(self, *, data: dict[str, Any], amount: Decimal) -> dict[str, Any]:
        self.calls.append(f"capture:{amount}")
        return data

    async def refund_payment(self, *, data: dict[str, Any], amount: Decimal) -> dict[str, Any]:
        self.calls.append(f"refund:{amount}")
        return data

    async def cancel_payment(self, *, data: dict[str, Any]) -> dict[str, Any]:
        self.calls.append("cancel")
        return data


async def test_configured_provider_is_registered(database: services.TestDatabase) -> None:
    config = define_config(project_config={"database_url": database.dsn}, modules=[{
        "resolve": "euryale.modules.payment", "options": {"providers": [
            {"resolve": "tests.modules.payment.test_providers:RecordingProvider", "id": "main",
             "options": {"api_key": "sk_test"}}]}}])
    container = build_container(config)
    await container.start()
    try:
        provider = get_provider("pp_recording_main")
        assert isinstance(provider, RecordingProvider) and provider.options == {"api_key": "sk_test"}
        async with container.database().read() as conn:
            row = (await conn.execute(text("SELECT is_enabled FROM payment_provider WHERE id = 'pp_recording_main'")
                                      )).scalar_one()
        assert row is True
    finally:
        await container.stop()


@pytest.fixture
async def authorized_payment(client: httpx.AsyncClient, container: Container) -> dict[str, Any]:
    shop = await make_shop(container, prices=[50])
    pc = await checkout_cart(client, shop)
    r = await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=shop.headers)
    order = r.json()["order"]
    async with container.database().read() as conn:
        pid = (await conn.execute(text("SELECT id FROM payment WHERE order_id = :o"), {"o": order["id"]})).scalar_one()
    return {"payment_id": pid, "collection_id": pc["id"], "total": Decimal(str(order["total"]))}


async def test_capture_refund_rules(container: Container, authorized_payment: dict[str, Any]) -> None:
    pid = authorized_payment["payment_id"]
    async with container.database().transaction() as conn:
        p = await payments.capture_payment(conn, payment_id=pid, amount=Decimal(20), captured_by="user_1")
        assert [c["amount"] for c in p["captures"]] == [20] and p["captured_at"] is None
        with pytest.raises(MedusaError):
            await payments.capture_payment(conn, payment_id=pid, amount=Decimal(1000))
        p = await payments.capture_payment(conn, payment_id=pid)
        assert sum(c["amount"] for c in p["captures"]) == authorized_payment["total"]
        assert p["captured_at"] is not None
        p = await payments.refund_payment(conn, payment_id=pid, amount=Decimal(5), note="late delivery")
        assert p["refunds"][0]["amount"] == 5 and p["refunds"][0]["note"] == "late delivery"
        with pytest.raises(MedusaError):
            await payments.refund_payment(conn, payment_id=pid, amount=Decimal(10_000))
        pc = await payments.retrieve_payment_collection(conn, payment_collection_id=authorized_payment["collection_id"])
        assert pc["captured_amount"] == authorized_payment["total"] and pc["refunded_amount"] == 5
        assert pc["completed_at"] is not None
        with pytest.raises(MedusaError):
            await payments.cancel_payment(conn, payment_id=pid)


async def test_cancel_authorized_payment(container: Container, authorized_payment: dict[str, Any]) -> None:
    async with container.database().transaction() as conn:
        p = await payments.cancel_payment(conn, payment_id=authorized_payment["payment_id"])
        assert p["canceled_at"] is not None
        with pytest.raises(MedusaError):
            await payments.capture_payment(conn, payment_id=authorized_payment["payment_id"])
