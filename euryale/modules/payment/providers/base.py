"""The interface a payment provider implements (a Stripe-like provider subclasses `PaymentProvider`).

Provider calls are network calls: the payment service never holds a database row lock while awaiting one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


class PaymentProviderError(Exception):
    """A provider refused or failed an operation; `code` is the provider's error code when it has one."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class ProviderResult:
    """What a provider answers: the new session/payment `status` and its opaque `data`."""

    status: str
    data: dict[str, Any] = field(default_factory=dict)


class PaymentProvider:
    """Base class; `identifier` + the registration id form the provider id (`pp_<identifier>_<id>`)."""

    identifier: str = "base"

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.options = dict(options or {})

    async def initiate_payment(self, *, amount: Decimal, currency_code: str, context: dict[str, Any],
                               data: dict[str, Any]) -> ProviderResult:
        """Create the provider-side payment intent; returns its data (stored on the session)."""
        raise NotImplementedError

    async def update_payment(self, *, amount: Decimal, currency_code: str, data: dict[str, Any]) -> ProviderResult:
        """Change the amount of a pending intent."""
        return ProviderResult(status="pending", data=data)

    async def authorize_payment(self, *, data: dict[str, Any], context: dict[str, Any]) -> ProviderResult:
        """Authorise; status `authorized`/`captured` succeeds, `requires_more`/`error` does not."""
        raise NotImplementedError

    async def capture_payment(self, *, data: dict[str, Any], amount: Decimal) -> dict[str, Any]:
        """Capture an authorised payment (possibly partially); returns the new payment data."""
        raise NotImplementedError

    async def refund_payment(self, *, data: dict[str, Any], amount: Decimal) -> dict[str, Any]:
        """Refund a captured amount; returns the new payment data."""
        raise NotImplementedError

    async def cancel_payment(self, *, data: dict[str, Any]) -> dict[str, Any]:
        """Void an authorisation (or a pending intent)."""
        raise NotImplementedError

    async def delete_payment(self, *, data: dict[str, Any]) -> dict[str, Any]:
        """Drop a pending intent when its session is deleted."""
        return await self.cancel_payment(data=data)

    async def retrieve_payment(self, *, data: dict[str, Any]) -> dict[str, Any]:
        """The provider's current view of the payment."""
        return data

    async def get_payment_status(self, *, data: dict[str, Any]) -> str:
        """Status of the provider-side payment."""
        raise NotImplementedError

    async def get_webhook_action_and_data(self, *, payload: dict[str, Any], raw_body: bytes,
                                          headers: dict[str, str]) -> dict[str, Any]:
        """Turn a provider webhook into `{action, data: {session_id, amount}}` (action `not_supported` by default)."""
        return {"action": "not_supported"}
