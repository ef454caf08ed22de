"""Who is calling: bearer JWTs, session cookies, secret API keys (admin) and publishable keys (store)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from fastapi import Request

from euryale.config import EuryaleConfig, parse_duration
from euryale.errors import MedusaError, MedusaErrorType


@dataclass
class AuthContext:
    """The decoded identity of a request, as Medusa's `req.auth_context`."""

    actor_id: str
    actor_type: str
    auth_identity_id: str
    app_metadata: dict[str, Any] = field(default_factory=dict)
    user_metadata: dict[str, Any] = field(default_factory=dict)
    auth_provider: str | None = None
    # MFA (Medusa 2.15.3): the identity has an enabled factor / when this token's login challenge was answered
    mfa_enabled: bool = False
    mfa_challenge_completed_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The context as Medusa keeps it in a session (`req.session.auth_context`)."""
        return {"actor_id": self.actor_id, "actor_type": self.actor_type, "auth_identity_id": self.auth_identity_id,
                **({"auth_provider": self.auth_provider} if self.auth_provider else {}),
                "mfa_enabled": self.mfa_enabled, "mfa_challenge_completed_at": self.mfa_challenge_completed_at,
                "app_metadata": self.app_metadata, "user_metadata": self.user_metadata}


class UnauthorizedError(Exception):
    """Middleware-level 401: answered with the bare body `{"message": ...}` as Medusa does."""

    def __init__(self, message: str = "Unauthorized") -> None:
        super().__init__(message)
        self.message = message


def issue_token(config: EuryaleConfig, ctx: AuthContext, *, expires_in: str | int | None = None,
                extra: dict[str, Any] | None = None) -> str:
    """Sign a JWT with the shape (and key order) Medusa 2.21 issues: `actor_id`, `actor_type`, `auth_identity_id`,
    `auth_provider`, `mfa_enabled`, `mfa_challenge_completed_at`, `app_metadata`, `user_metadata`, `iat`, `exp`."""
    now = int(time.time())
    ttl = parse_duration(expires_in if expires_in is not None else config.project_config.http.jwt_expires_in)
    payload = ctx.as_dict()
    payload.update({"iat": now, "exp": now + ttl})
    payload.update(extra or {})
    return jwt.encode(payload, config.project_config.http.jwt_secret, algorithm="HS256")


# An admin or a customer sends the same bearer on every request: its signature check (~80 us) is remembered per
# (secret, token) for tokens that verified; expiry is still checked on every use, so a remembered token stops
# working the second it expires, as a fresh decode would. Bounded; only verified tokens are kept.
_VERIFIED: dict[tuple[str, str], dict[str, Any]] = {}
_VERIFIED_MAX = 2048


def decode_token(config: EuryaleConfig, token: str) -> dict[str, Any]:
    """Verify signature and expiry; raises UnauthorizedError."""
    secret = config.project_config.http.jwt_secret
    known = _VERIFIED.get((secret, token))
    if known is not None:
        exp = known.get("exp")
        if exp is None or time.time() < exp:
            return dict(known)
        del _VERIFIED[(secret, token)]
        raise UnauthorizedError()
    try:
        payload: dict[str, Any] = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise UnauthorizedError() from None
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[(secret, token)] = dict(payload)
    return payload


def context_from_payload(payload: dict[str, Any]) -> AuthContext:
    return AuthContext(
        actor_id=str(payload.get("actor_id") or ""),
        actor_type=str(payload.get("actor_type") or ""),
        auth_identity_id=str(payload.get("auth_identity_id") or ""),
        app_metadata=dict(payload.get("app_metadata") or {}),
        user_metadata=dict(payload.get("user_metadata") or {}),
        auth_provider=payload.get("auth_provider"),
        mfa_enabled=payload.get("mfa_enabled") is True,
        mfa_challenge_completed_at=payload.get("mfa_challenge_completed_at") or None,
    )


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def config_of(request: Request) -> EuryaleConfig:
    cfg: EuryaleConfig = request.app.state.container.config
    return cfg


def not_allowed(message: str) -> MedusaError:
    return MedusaError(MedusaErrorType.NOT_ALLOWED, message)
