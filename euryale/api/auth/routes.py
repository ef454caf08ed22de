"""`/auth/*`: emailpass login/register/reset, token refresh, session cookies, provider listing.

Fixed paths (`/auth/session`, `/auth/token/refresh`, `/auth/{actor}/providers`) are declared before the
`/auth/{actor_type}/{auth_provider}` catch-all so they win the match.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request, Response

from euryale.errors import invalid_data, not_allowed, unauthorized
from euryale.flows import auth as auth_flows
from euryale.flows import people_workflows
from euryale.http.actors import BEARER, SESSION, allow_unregistered
from euryale.http.auth import AuthContext, UnauthorizedError, bearer_token, config_of
from euryale.http.json import JSONResponse
from euryale.http.sessions import create_session, destroy_session
from euryale.modules.auth import service as auth_service
from euryale.modules.auth.options import auth_options
from euryale.query.request import WireRoute

router = APIRouter(tags=["auth"], route_class=WireRoute)

PROVIDERS: dict[str, dict[str, str]] = {
    auth_service.EMAILPASS: {"id": "emailpass", "identifier": "emailpass",
                             "display_name": "Email/Password Authentication", "flow": "credentials"},
}

# a login whose MFA challenge is still open may create/destroy its session and refresh its token (as Medusa)
any_bearer = allow_unregistered("*", (BEARER,), require_mfa=False)
any_session = allow_unregistered("*", (SESSION,), require_mfa=False)
any_bearer_or_session = allow_unregistered("*", (SESSION, BEARER), require_mfa=False)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise invalid_data("Invalid JSON body") from None
    if not isinstance(data, dict):
        raise invalid_data("Invalid request: Expected type: 'object' for field 'body', got: 'array'")
    return data


def _check_provider(request: Request, actor_type: str, auth_provider: str) -> None:
    allowed = config_of(request).project_config.http.auth_methods_per_actor or {}
    if actor_type in allowed and auth_provider not in allowed[actor_type]:
        raise not_allowed(f"The actor type {actor_type} is not allowed to use the auth provider {auth_provider}")
    if auth_provider not in PROVIDERS:
        raise unauthorized(
            f"Unable to retrieve the auth provider with id: {auth_provider}\nPlease make sure that the provider "
            "is registered in the container and it is configured correctly in your project configuration file.")


@router.post("/auth/session")
async def create_auth_session(request: Request, ctx: AuthContext = Depends(any_bearer)) -> JSONResponse:
    """Exchange a bearer token for a `connect.sid` session cookie."""
    payload = ctx.as_dict()
    response = JSONResponse({"user": payload})
    response.headers.append("set-cookie", await create_session(request, {"auth_context": payload}))
    return response


@router.delete("/auth/session")
async def delete_auth_session(request: Request, ctx: AuthContext = Depends(any_session)) -> JSONResponse:
    """Log out: the session is destroyed server-side and the cookie cleared."""
    response = JSONResponse({"success": True})
    response.headers.append("set-cookie", await destroy_session(request))
    return response


@router.post("/auth/token/refresh")
async def refresh_token(request: Request, ctx: AuthContext = Depends(any_bearer_or_session)) -> dict[str, Any]:
    """A fresh token for the same identity, picking up an actor created since (e.g. after registration).

    A token with an actor keeps its MFA state; an actorless one goes through the login checks again, so it may
    answer `verification_required` or a new `mfa_challenge` instead (as Medusa 2.21)."""
    if not ctx.auth_identity_id:
        raise UnauthorizedError()
    container = request.app.state.container
    async with container.database().transaction() as conn:
        try:
            identity = await auth_service.retrieve_auth_identity(conn, auth_identity_id=ctx.auth_identity_id,
                                                                 provider=ctx.auth_provider)
        except Exception:  # identity deleted since the token was issued
            raise UnauthorizedError() from None
        if ctx.actor_id or not ctx.auth_provider:
            token = auth_flows.token_for_identity(
                container.config, identity, actor_type=ctx.actor_type, auth_provider=ctx.auth_provider,
                mfa_enabled=ctx.mfa_enabled, mfa_challenge_completed_at=ctx.mfa_challenge_completed_at)
            return {"token": token}
        return await auth_flows.login_answer(conn, container.config, auth_options(container), identity,
                                             actor_type=ctx.actor_type, auth_provider=ctx.auth_provider)


@router.get("/auth/{actor_type}/providers")
async def list_providers(request: Request, actor_type: str) -> dict[str, Any]:
    """Auth providers usable by `actor_type` (filtered by `http.auth_methods_per_actor`)."""
    allowed = (config_of(request).project_config.http.auth_methods_per_actor or {}).get(actor_type)
    return {"providers": [p for key, p in PROVIDERS.items() if allowed is None or key in allowed]}


async def _login(request: Request, actor_type: str, auth_provider: str) -> dict[str, Any]:
    _check_provider(request, actor_type, auth_provider)
    body = await _body(request) if request.method == "POST" else {}
    container = request.app.state.container
    async with container.database().transaction() as conn:
        identity = await auth_service.emailpass_authenticate(conn, body)
        return await auth_flows.login_answer(conn, container.config, auth_options(container), identity,
                                             actor_type=actor_type, auth_provider=auth_provider)


@router.post("/auth/{actor_type}/{auth_provider}")
async def login(request: Request, actor_type: str, auth_provider: str) -> dict[str, Any]:
    """emailpass login: `{email, password}` → `{token}` (or `verification_required` / `mfa_required` with an
    actorless token); 401 "Invalid email or password"."""
    return await _login(request, actor_type, auth_provider)


@router.get("/auth/{actor_type}/{auth_provider}")
async def login_get(request: Request, actor_type: str, auth_provider: str) -> dict[str, Any]:
    """GET form (OAuth providers redirect from here; emailpass needs a body so it fails as Medusa's does)."""
    return await _login(request, actor_type, auth_provider)


async def _callback(request: Request, actor_type: str, auth_provider: str) -> dict[str, Any]:
    _check_provider(request, actor_type, auth_provider)
    raise unauthorized(f"Callback authentication not implemented for provider {auth_provider}")


@router.get("/auth/{actor_type}/{auth_provider}/callback")
async def callback_get(request: Request, actor_type: str, auth_provider: str) -> dict[str, Any]:
    """OAuth callback; emailpass has none."""
    return await _callback(request, actor_type, auth_provider)


@router.post("/auth/{actor_type}/{auth_provider}/callback")
async def callback_post(request: Request, actor_type: str, auth_provider: str) -> dict[str, Any]:
    """OAuth callback; emailpass has none."""
    return await _callback(request, actor_type, auth_provider)


@router.post("/auth/{actor_type}/{auth_provider}/register")
async def register(request: Request, actor_type: str, auth_provider: str) -> dict[str, Any]:
    """Create an identity; the token has `actor_id: ""` until an actor (customer, user) is created with it."""
    _check_provider(request, actor_type, auth_provider)
    body = await _body(request)
    container = request.app.state.container
    async with container.database().transaction() as conn:
        identity = await auth_service.emailpass_register(conn, body)
    return {"token": auth_flows.token_for_identity(container.config, identity, actor_type=actor_type,
                                                   auth_provider=auth_provider)}


@router.post("/auth/{actor_type}/{auth_provider}/reset-password", status_code=201)
async def reset_password(request: Request, actor_type: str, auth_provider: str) -> Response:
    """Always 201 (no account enumeration); emits `auth.password_reset` when the identity exists."""
    _check_provider(request, actor_type, auth_provider)
    body = await _body(request)
    unknown = sorted(set(body) - {"identifier", "metadata"})
    if unknown:
        raise invalid_data("Invalid request: Unrecognized fields: '" + ", ".join(unknown) + "'")
    identifier = body.get("identifier")
    if not isinstance(identifier, str):
        raise invalid_data("Invalid request: Field 'identifier' is required" if identifier is None else
                           f"Invalid request: Expected type: 'string' for field 'identifier', got: "
                           f"'{type(identifier).__name__}'")
    metadata = body.get("metadata")
    container = request.app.state.container
    await people_workflows.request_password_reset(container, actor_type=actor_type, provider=auth_provider,
                                                  identifier=identifier,
                                                  metadata=metadata if isinstance(metadata, dict) else None)
    return Response(status_code=201)


@router.post("/auth/{actor_type}/{auth_provider}/update")
async def update_provider(request: Request, actor_type: str, auth_provider: str) -> dict[str, Any]:
    """Set a new password with a reset token (`Authorization: Bearer <token>`, single use)."""
    _check_provider(request, actor_type, auth_provider)
    token = bearer_token(request)
    if not token:
        raise UnauthorizedError("Invalid token")
    body = await _body(request)
    container = request.app.state.container
    async with container.database().transaction() as conn:
        payload = await auth_flows.consume_reset_token(conn, container.config, token, actor_type=actor_type,
                                                       provider=auth_provider)
        await auth_service.emailpass_update(conn, entity_id=str(payload["entity_id"]), body=body)
    return {"success": True}
