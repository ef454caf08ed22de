"""Auth flows: tokens for identities, login answers (verification / MFA challenge), password reset (event +
single-use token), actor linking."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.config import EuryaleConfig
from euryale.errors import not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.http.auth import AuthContext, UnauthorizedError, issue_token
from euryale.modules.auth import mfa as mfa_service
from euryale.modules.auth import service as auth_service
from euryale.modules.auth import verification as verification_service
from euryale.modules.auth.options import AuthOptions

RESET_TOKEN_TTL_S = 15 * 60
RESET_PURPOSE = "reset"
PASSWORD_RESET_EVENT = "auth.password_reset"


def context_for_identity(identity: dict[str, Any], *, actor_type: str, auth_provider: str | None,
                         actorless: bool = False, mfa_enabled: bool = False,
                         mfa_challenge_completed_at: str | None = None) -> AuthContext:
    """The auth context Medusa puts in a login token: `actor_id` from `app_metadata["<actor>_id"]` or "" (always ""
    with `actorless`: a login that still owes a verification or an MFA challenge)."""
    key = f"{actor_type}_id"
    actor_id = "" if actorless else str((identity.get("app_metadata") or {}).get(key) or "")
    provider_identity = identity.get("provider_identity") or {}
    return AuthContext(
        actor_id=actor_id,
        actor_type=actor_type,
        auth_identity_id=str(identity.get("id") or ""),
        app_metadata={key: actor_id} if actor_id else {},
        user_metadata=dict(provider_identity.get("user_metadata") or {}),
        auth_provider=auth_provider,
        mfa_enabled=mfa_enabled,
        mfa_challenge_completed_at=mfa_challenge_completed_at,
    )


def token_for_identity(config: EuryaleConfig, identity: dict[str, Any], *, actor_type: str,
                       auth_provider: str | None, actorless: bool = False, mfa_enabled: bool = False,
                       mfa_challenge_completed_at: str | None = None) -> str:
    """A bearer JWT for an identity acting as `actor_type`."""
    return issue_token(config, context_for_identity(
        identity, actor_type=actor_type, auth_provider=auth_provider, actorless=actorless, mfa_enabled=mfa_enabled,
        mfa_challenge_completed_at=mfa_challenge_completed_at))


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


async def login_answer(conn: AsyncConnection, config: EuryaleConfig, opts: AuthOptions, identity: dict[str, Any], *,
                       actor_type: str, auth_provider: str) -> dict[str, Any]:
    """What a successful first factor answers (Medusa's generateJwtTokenWithChecks): `{token}`, or with an actorless
    token `{verification_required, verification?, token}` while `http.auth_verifications_per_actor` asks for a
    verification not done yet, or `{mfa_required, mfa_challenge, token}` with a new challenge when MFA is enabled.
    """
    methods = await mfa_service.challenge_methods(conn, auth_identity_id=str(identity["id"]))
    challenge = (await mfa_service.create_challenge(conn, opts, auth_identity_id=str(identity["id"]),
                                                    auth_provider=auth_provider, methods=methods)
                 if methods else None)
    required = next((entry for entry in config.project_config.http.auth_verifications_per_actor.get(actor_type, [])
                     if entry["auth_provider"] == auth_provider), None)
    if required is not None:
        entity_id = (identity.get("provider_identity") or {}).get("entity_id")
        verification = await verification_service.find(
            conn, auth_identity_id=str(identity["id"]), entity_id=str(entity_id), entity_type=required["entity_type"])
        if verification is None or verification["verified_at"] is None:
            return {"verification_required": True, **({"verification": verification} if verification else {}),
                    "token": token_for_identity(config, identity, actor_type=actor_type, auth_provider=auth_provider,
                                                actorless=True, mfa_enabled=challenge is not None)}
    if challenge is not None:
        return {"mfa_required": True, "mfa_challenge": challenge,
                "token": token_for_identity(config, identity, actor_type=actor_type, auth_provider=auth_provider,
                                            actorless=True, mfa_enabled=True)}
    return {"token": token_for_identity(config, identity, actor_type=actor_type, auth_provider=auth_provider)}


def token_after_challenge(config: EuryaleConfig, identity: dict[str, Any], challenge: dict[str, Any], *,
                          actor_type: str, auth_provider: str | None) -> str:
    """The token a completed challenge earns: the actor's, carrying `mfa_challenge_completed_at`."""
    completed = challenge["completed_at"]
    return token_for_identity(config, identity, actor_type=actor_type, auth_provider=auth_provider,
                              mfa_enabled=True,
                              mfa_challenge_completed_at=_iso(completed) if isinstance(completed, datetime) else None)


async def request_password_reset(conn: AsyncConnection, config: EuryaleConfig, *, actor_type: str,
                                 provider: str, identifier: str, metadata: dict[str, Any] | None = None,
                                 require_identity: bool = False) -> str | None:
    """Stage `auth.password_reset` with a 15-minute single-use token when the identity exists and answer the
    token; without the identity: None, or with `require_identity` 404 (the admin's reset for a user)."""
    identity = await auth_service.find_provider_identity(conn, provider=provider, entity_id=identifier)
    if identity is None:
        if require_identity:
            raise not_found(f"Provider identity with entity_id {identifier} and provider {provider} not found")
        return None
    now = int(time.time())
    token = jwt.encode({
        "entity_id": identifier, "provider": provider, "actor_type": actor_type,
        "auth_identity_id": identity["id"], "purpose": RESET_PURPOSE, "jti": str(uuid.uuid4()),
        "iat": now, "exp": now + RESET_TOKEN_TTL_S,
    }, config.project_config.http.jwt_secret, algorithm="HS256")
    data: dict[str, Any] = {"entity_id": identifier, "actor_type": actor_type, "actorType": actor_type,
                            "token": token}
    if metadata:
        data["metadata"] = metadata
    await stage_events(conn, [Event(PASSWORD_RESET_EVENT, data)])
    return token


async def consume_reset_token(conn: AsyncConnection, config: EuryaleConfig, token: str, *, actor_type: str,
                              provider: str) -> dict[str, Any]:
    """Verify a reset token for this actor/provider and burn its `jti`; 401 "Invalid token" otherwise."""
    try:
        payload: dict[str, Any] = jwt.decode(token, config.project_config.http.jwt_secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise UnauthorizedError("Invalid token") from None
    if (payload.get("purpose") != RESET_PURPOSE or not payload.get("jti") or not payload.get("entity_id")
            or payload.get("provider") != provider or payload.get("actor_type") != actor_type):
        raise UnauthorizedError("Invalid token")
    expires_at = datetime.fromtimestamp(int(payload.get("exp") or 0), UTC)
    if not await auth_service.consume_token(conn, jti=str(payload["jti"]), purpose=RESET_PURPOSE,
                                            expires_at=expires_at):
        raise UnauthorizedError("Invalid token")
    return payload
