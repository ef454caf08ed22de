"""`/auth/mfa/*` (Medusa 2.15.3): TOTP factors, recovery codes and the login challenge.

Any actor type, unregistered identities included; every route but the challenge refuses a login whose challenge
is still open (401 "MFA verification is required to complete this request"). Declared in a module sorted before
`routes.py`, so `/auth/mfa/factors` wins over `/auth/{actor_type}/{auth_provider}`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from euryale.api.common import Strict
from euryale.errors import MedusaError, MedusaErrorType, invalid_data, not_allowed
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows import auth as auth_flows
from euryale.http.actors import BEARER, SESSION, allow_unregistered
from euryale.http.auth import AuthContext
from euryale.modules.auth import mfa
from euryale.modules.auth import service as auth_service
from euryale.modules.auth.options import auth_options
from euryale.query.request import WireRoute

router = APIRouter(tags=["auth"], route_class=WireRoute)

MFA_ENABLED_EVENT = "auth.mfa_enabled"
MFA_DISABLED_EVENT = "auth.mfa_disabled"
RECOVERY_CODES_EVENT = "auth.mfa_recovery_codes_generated"

any_identity = allow_unregistered("*", (SESSION, BEARER))
open_challenge = allow_unregistered("*", (SESSION, BEARER), require_mfa=False)
NonEmpty = Annotated[str, Field(min_length=1)]


class CreateFactorBody(Strict):
    provider: NonEmpty
    label: str | None = None
    issuer: str | None = None
    metadata: dict[str, Any] | None = None


class VerifyFactorBody(Strict):
    code: NonEmpty


class DisableFactorBody(Strict):
    method: NonEmpty | None = None
    code: NonEmpty | None = None


class RecoveryCodesBody(Strict):
    count: Annotated[int, Field(strict=True, ge=1, le=50)] | None = None


class VerifyChallengeBody(Strict):
    method: NonEmpty
    code: NonEmpty


def _lifecycle_event(name: str, factor: dict[str, Any]) -> Event:
    return Event(name, {"auth_identity_id": factor["auth_identity_id"], "mfa_id": factor["id"],
                        "provider": factor["provider"]})


@router.get("/auth/mfa/factors")
async def list_factors(request: Request, ctx: AuthContext = Depends(any_identity)) -> dict[str, Any]:
    """`{mfa_factors}`: the caller's factors (pending, enabled, disabled)."""
    async with request.app.state.container.database().read() as conn:
        return {"mfa_factors": await mfa.list_factors(conn, auth_identity_id=ctx.auth_identity_id)}


@router.post("/auth/mfa/factors")
async def start_factor(body: CreateFactorBody, request: Request,
                       ctx: AuthContext = Depends(any_identity)) -> dict[str, Any]:
    """Enrol a TOTP factor (pending until verified): `{mfa_factor, secret, otpauth_url}`."""
    container = request.app.state.container
    async with container.database().transaction() as conn:
        started: dict[str, Any] = await mfa.start_factor(
            conn, auth_options(container), auth_identity_id=ctx.auth_identity_id, provider=body.provider,
            label=body.label, issuer=body.issuer, metadata=body.metadata)
    return started


@router.post("/auth/mfa/factors/{factor_id}/verify")
async def verify_factor(factor_id: str, body: VerifyFactorBody, request: Request,
                        ctx: AuthContext = Depends(any_identity)) -> dict[str, Any]:
    """Confirm an enrolment with a current code; the factor becomes enabled (`auth.mfa_enabled`)."""
    container = request.app.state.container
    async with container.database().transaction() as conn:
        before, factor = await mfa.verify_factor(conn, auth_options(container), factor_id=factor_id,
                                                 auth_identity_id=ctx.auth_identity_id, code=body.code)
        if before != mfa.ENABLED:
            await stage_events(conn, _lifecycle_event(MFA_ENABLED_EVENT, factor))
    return {"mfa_factor": factor}


@router.delete("/auth/mfa/factors/{factor_id}")
async def disable_factor(factor_id: str, request: Request, body: DisableFactorBody | None = None,
                         ctx: AuthContext = Depends(any_identity)) -> dict[str, Any]:
    """Disable a factor (`auth.mfa_disabled`); with `mfa.disable_policy: "challenge"` a code is required."""
    container = request.app.state.container
    body = body or DisableFactorBody()
    async with container.database().transaction() as conn:
        before, factor = await mfa.disable_factor(conn, auth_options(container), factor_id=factor_id,
                                                  auth_identity_id=ctx.auth_identity_id, method=body.method,
                                                  code=body.code)
        if before != mfa.DISABLED:
            await stage_events(conn, _lifecycle_event(MFA_DISABLED_EVENT, factor))
    return {"mfa_factor": factor}


@router.post("/auth/mfa/recovery-codes")
async def generate_recovery_codes(request: Request, body: RecoveryCodesBody | None = None,
                                  ctx: AuthContext = Depends(any_identity)) -> dict[str, Any]:
    """`{recovery_codes}`: new single-use codes replacing the previous ones (shown once, stored hashed)."""
    container = request.app.state.container
    count = (body.count if body is not None else None) or auth_options(container).recovery_code_count
    async with container.database().transaction() as conn:
        if not await mfa.list_factors(conn, auth_identity_id=ctx.auth_identity_id, status=mfa.ENABLED):
            raise not_allowed("Recovery codes require an enabled MFA factor")
        codes = await mfa.generate_recovery_codes(conn, auth_identity_id=ctx.auth_identity_id, count=count)
        await stage_events(conn, Event(RECOVERY_CODES_EVENT, {"auth_identity_id": ctx.auth_identity_id,
                                                              "count": len(codes)}))
    return {"recovery_codes": codes}


@router.post("/auth/mfa/challenges/{challenge_id}/verify")
async def verify_challenge(challenge_id: str, body: VerifyChallengeBody, request: Request,
                           ctx: AuthContext = Depends(open_challenge)) -> dict[str, Any]:
    """Answer a login's challenge with a TOTP or recovery code: `{token}` for the actor, MFA completed.

    A wrong code counts an attempt (committed before the 400); after `challenge_max_attempts` the challenge is
    dead and the login must start again."""
    container = request.app.state.container
    async with container.database().transaction() as conn:
        challenge, error = await mfa.verify_challenge(conn, auth_options(container), challenge_id=challenge_id,
                                                      auth_identity_id=ctx.auth_identity_id, method=body.method,
                                                      code=body.code)
        if challenge is not None:
            provider = challenge["auth_provider"]
            try:
                identity = await auth_service.retrieve_auth_identity(
                    conn, auth_identity_id=challenge["auth_identity_id"], provider=provider)
            except MedusaError as exc:
                if exc.type != MedusaErrorType.NOT_FOUND or not provider:
                    raise
                raise invalid_data(f'Auth identity does not have a provider identity for "{provider}"') from None
    if error is not None:
        raise error
    assert challenge is not None
    token = auth_flows.token_after_challenge(container.config, identity, challenge, actor_type=ctx.actor_type,
                                             auth_provider=ctx.auth_provider or challenge["auth_provider"])
    return {"token": token}
