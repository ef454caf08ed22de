"""Which provider object serves which provider id. `pp_system_default` is always present; others come from config.

Config (`euryale_config.py`): `modules=[{"resolve": "euryale.modules.payment", "options": {"providers": [
{"resolve": "my_pkg.stripe:StripeProvider", "id": "stripe", "options": {...}}]}}]` registers `pp_stripe_stripe`.
"""

from __future__ import annotations

import importlib
from typing import Any

from euryale.modules.payment.providers.base import PaymentProvider
from euryale.modules.payment.providers.system import SystemPaymentProvider

_PROVIDERS: dict[str, PaymentProvider] = {"pp_system_default": SystemPaymentProvider()}


def register_provider(provider_id: str, provider: PaymentProvider) -> None:
    """Make `provider` serve `provider_id` (tests register failing providers this way)."""
    _PROVIDERS[provider_id] = provider


def registered_providers() -> list[str]:
    return sorted(_PROVIDERS)


def get_provider(provider_id: str) -> PaymentProvider | None:
    return _PROVIDERS.get(provider_id)


def load_providers(entries: list[dict[str, Any]]) -> list[str]:
    """Instantiate the providers listed in the payment module's options; returns their ids."""
    ids: list[str] = []
    for entry in entries:
        module_name, _, attr = str(entry["resolve"]).partition(":")
        cls = getattr(importlib.import_module(module_name), attr or "Provider")
        provider: PaymentProvider = cls(entry.get("options") or {})
        provider_id = f"pp_{provider.identifier}_{entry.get('id') or provider.identifier}"
        register_provider(provider_id, provider)
        ids.append(provider_id)
    return ids
