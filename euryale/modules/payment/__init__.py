"""The payment module: collections, sessions, payments, captures, refunds and providers.

Configured like Medusa's payment module; each provider is `pp_<identifier>_<id>`:

```python
modules=[{"resolve": "euryale.modules.payment", "options": {"providers": [
    {"resolve": "my_shop.stripe:StripeProvider", "id": "stripe", "options": {"api_key": "..."}}]}}]
```
"""

from __future__ import annotations

from typing import Any

from euryale.modules.payment.providers.registry import get_provider, load_providers


class PaymentModule:
    """Container service: the configured providers; their `payment_provider` rows are ensured at start."""

    def __init__(self, container: Any, provider_ids: list[str]) -> None:
        self.container = container
        self.provider_ids = provider_ids

    def provider(self, provider_id: str) -> Any:
        return get_provider(provider_id)

    async def start(self) -> None:
        if not self.provider_ids or self.container.db is None:
            return
        from euryale.modules.payment.service import ensure_payment_providers

        async with self.container.db.transaction() as conn:
            await ensure_payment_providers(conn, ids=self.provider_ids)


def load(container: Any, options: dict[str, Any]) -> PaymentModule:
    """Register the providers listed in `options["providers"]` (pp_system_default is always there)."""
    return PaymentModule(container, load_providers(list(options.get("providers") or [])))
