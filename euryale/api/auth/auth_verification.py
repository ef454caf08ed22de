"""`/auth/verification/{request,confirm}` (Medusa 2.16.0): prove an entity (e.g. an e-mail address) belongs to the
caller. `request` emits `auth.verification_requested` with the single-use code (a subscriber sends it);
`confirm` takes the code, with or without a token. Sorted before `routes.py`, so these paths beat
`/auth/{actor_type}/{auth_provider}`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from euryale.api.common import Strict
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.http.actors import BEARER, SESSION, allow_unregistered, resolve_auth
from euryale.http.auth import AuthContext
from euryale.http.json import JSONResponse, json
from euryale.modules.auth import verification
from euryale.modules.auth.options import TOKEN, auth_options
from euryale.query.request import WireRoute

router = APIRouter(tags=["auth"], route_class=WireRoute)

VERIFICATION_REQUESTED_EVENT = "auth.verification_requested"
NonEmpty = Annotated[str, Field(min_length=1)]
requester = allow_unregistered("*", (SESSION, BEARER), require_mfa=False)


async def optional_identity(request: Request) -> AuthContext | None:
    """Medusa's `authenticate("*", ["session", "bearer"], {allowUnregistered, allowUnauthenticated})`."""
    return await resolve_auth(request, ["*"], (SESSION, BEARER), allow_unregistered=True,
                              allow_unauthenticated=True)


class VerificationRequestBody(Strict):
    entity_id: NonEmpty
    entity_type: NonEmpty
    code_provider: NonEmpty = TOKEN
    metadata: dict[str, Any] = {}


class VerificationConfirmBody(Strict):
    code: NonEmpty
    code_provider: NonEmpty | None = None


@router.post("/auth/verification/request", status_code=201)
async def request_verification(body: VerificationRequestBody, request: Request,
                               ctx: AuthContext = Depends(requester)) -> JSONResponse:
    """201 `{verification}` (never the code, which only the `auth.verification_requested` event carries)."""
    container = request.app.state.container
    async with container.database().transaction() as conn:
        found, code, expires_at = await verification.request(
            conn, auth_options(container), auth_identity_id=ctx.auth_identity_id, entity_id=body.entity_id,
            entity_type=body.entity_type, code_provider=body.code_provider, metadata=body.metadata)
        data: dict[str, Any] = {"entity_id": found["entity_id"], "entity_type": found["entity_type"],
                                "code_provider": found["code_provider"],
                                "auth_identity_id": found["auth_identity_id"]}
        if code is not None and expires_at is not None:
            data.update(code=code, expires_at=expires_at.isoformat())
        data["metadata"] = found["metadata"] or {}
        await stage_events(conn, Event(VERIFICATION_REQUESTED_EVENT, data))
    return json({"verification": found}, status_code=201)


@router.post("/auth/verification/confirm")
async def confirm_verification(body: VerificationConfirmBody, request: Request,
                               ctx: AuthContext | None = Depends(optional_identity)) -> dict[str, Any]:
    """`{entity_id, entity_type, code_provider, verified_at}`; 400 when the code is unknown, used or expired."""
    container = request.app.state.container
    async with container.database().transaction() as conn:
        confirmed: dict[str, Any] = await verification.confirm(conn, auth_options(container), code=body.code,
                                                               code_provider=body.code_provider)
    return confirmed
