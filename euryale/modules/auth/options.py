"""Options of the auth module (Medusa's auth module options `mfa` and `verification`), validated at load.

```python
modules=[{"resolve": "euryale.modules.auth", "options": {
    "mfa": {
        "encryption_key": "...",            # required before anyone can enrol a TOTP factor (no default, as Medusa)
        "challenge_ttl_seconds": 300, "challenge_max_attempts": 5,
        "disable_policy": "session",        # or "challenge": DELETE /auth/mfa/factors/:id needs {method, code}
        "recovery_code_count": 10,
        "providers": [{"id": "totp", "options": {"issuer": "Medusa", "digits": 6, "period": 30, "window": 1}}],
    },
    "verification": {"providers": [{"id": "token", "options": {"ttl_seconds": 900}}]},
}}]
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from euryale.config import ConfigError

TOTP = "totp"
RECOVERY_CODE = "recovery_code"
TOKEN = "token"


@dataclass(frozen=True)
class AuthOptions:
    """The auth module's MFA and verification settings (defaults as Medusa 2.21.2)."""

    encryption_key: str | None = None
    challenge_ttl_seconds: int = 300
    challenge_max_attempts: int = 5
    disable_policy: str = "session"
    recovery_code_count: int = 10
    totp_issuer: str = "Medusa"
    totp_digits: int = 6
    totp_period: int = 30
    totp_window: int = 1
    verification_ttl_seconds: int = 900


def _provider_options(section: dict[str, Any], provider_id: str, key: str) -> dict[str, Any]:
    for entry in section.get("providers") or []:
        if not isinstance(entry, dict) or not entry.get("id"):
            raise ConfigError(f"{key}.providers", None, f"entry {entry!r} has no id", 'write {"id": "totp", ...}')
        if entry["id"] == provider_id:
            return dict(entry.get("options") or {})
        raise ConfigError(f"{key}.providers", None, f"unknown provider {entry['id']!r}",
                          f"only {provider_id!r} is built in")
    return {}


def _positive(value: Any, key: str, *, minimum: int = 1, allowed: tuple[int, ...] = ()) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (allowed and value not in allowed):
        expected = f"one of {', '.join(map(str, allowed))}" if allowed else f"a whole number >= {minimum}"
        raise ConfigError(key, None, f"{value!r} is not {expected}", f"set {key} to {expected}")
    return value


def parse_options(options: dict[str, Any] | None) -> AuthOptions:
    """Validated `AuthOptions` from the module's options; a bad value stops start-up with a ConfigError."""
    options = dict(options or {})
    mfa = dict(options.get("mfa") or {})
    verification = dict(options.get("verification") or {})
    base = "modules[auth].options"
    key = mfa.get("encryption_key")
    if key is not None and (not isinstance(key, str) or not key):
        raise ConfigError(f"{base}.mfa.encryption_key", None, "must be a non-empty string", "set a long random string")
    policy = mfa.get("disable_policy", "session")
    if policy not in ("session", "challenge"):
        raise ConfigError(f"{base}.mfa.disable_policy", None, f"{policy!r} is not a policy", 'use "session" or "challenge"')
    totp = _provider_options(mfa, TOTP, f"{base}.mfa")
    token = _provider_options(verification, TOKEN, f"{base}.verification")
    issuer = totp.get("issuer", "Medusa")
    if not isinstance(issuer, str) or not issuer:
        raise ConfigError(f"{base}.mfa.providers[totp].options.issuer", None, "must be a non-empty string",
                          "name your shop")
    return AuthOptions(
        encryption_key=key,
        challenge_ttl_seconds=_positive(mfa.get("challenge_ttl_seconds", 300), f"{base}.mfa.challenge_ttl_seconds"),
        challenge_max_attempts=_positive(mfa.get("challenge_max_attempts", 5), f"{base}.mfa.challenge_max_attempts"),
        disable_policy=str(policy),
        recovery_code_count=_positive(mfa.get("recovery_code_count", 10), f"{base}.mfa.recovery_code_count"),
        totp_issuer=issuer,
        totp_digits=_positive(totp.get("digits", 6), f"{base}.mfa.providers[totp].options.digits", allowed=(6, 7, 8)),
        totp_period=_positive(totp.get("period", 30), f"{base}.mfa.providers[totp].options.period"),
        totp_window=_positive(totp.get("window", 1), f"{base}.mfa.providers[totp].options.window", minimum=0),
        verification_ttl_seconds=_positive(token.get("ttl_seconds", 900),
                                           f"{base}.verification.providers[token].options.ttl_seconds"),
    )


def auth_options(container: Any) -> AuthOptions:
    """The loaded options, or the defaults when the project does not configure the auth module."""
    if container.has("auth"):
        loaded: AuthOptions = container.resolve("auth")
        return loaded
    return DEFAULTS


DEFAULTS = AuthOptions()
