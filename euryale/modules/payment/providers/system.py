"""`pp_system_default`: Medusa's built-in provider, which authorises and captures without any remote call."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from euryale.modules.payment.providers.base import PaymentProvider, ProviderResult


class SystemPaymentProvider(PaymentProvider):
    """Always succeeds; the storefront uses it for 'manual' payments."""

    identifier = "system"

    async def initiate_payment(self, *, amount: Decimal, currency_code: str, context: dict[str, Any],
                               data: dict[str, Any]) -> ProviderResult:
        return ProviderResult(status="pending", data={})

    async def authorize_payment(self, *, data: dict[str, Any], context: dict[str, Any]) -> ProviderResult:
        return ProviderResult(status="authorized", data=data)

    async def capture_payment(self, *, data: dict[str, Any], amount: Decimal) -> dict[str, Any]:
        return data

    async def refund_payment(self, *, data: dict[str, Any], amount: Decimal) -> dict[str, Any]:
        return data

    async def cancel_payment(self, *, data: dict[str, Any]) -> dict[str, Any]:
        return data

    async def get_payment_status(self, *, data: dict[str, Any]) -> str:
        return "authorized"
