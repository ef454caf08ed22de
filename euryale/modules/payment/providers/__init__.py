"""Payment providers: the interface (`base.PaymentProvider`) and the built-in `pp_system_default`."""

from euryale.modules.payment.providers.base import PaymentProvider, PaymentProviderError, ProviderResult
from euryale.modules.payment.providers.registry import get_provider, register_provider, registered_providers
from euryale.modules.payment.providers.system import SystemPaymentProvider

__all__ = ["PaymentProvider", "PaymentProviderError", "ProviderResult", "SystemPaymentProvider", "get_provider",
           "register_provider", "registered_providers"]
