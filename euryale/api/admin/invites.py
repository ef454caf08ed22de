"""`/admin/invites*`: create, list, retrieve, delete, resend, and accept (registration token + `?token=`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api.people_common import Strict, check_email, fields_param, list_envelope, read_query
from euryale.errors import invalid_data
from euryale.flows import people_workflows
from euryale.http.actors import allow_unregistered, require_user
from euryale.http.auth import AuthContext
from euryale.modules.user import service as user_service
from euryale.query import people as views
from euryale.query.request import WireRoute

router = APIRouter(route_class=WireRoute, tags=["admin invites"])
# accept is the one invite route a not-yet-user identity may call (bearer or session, no secret key)
accepting_user = allow_unregistered("user")


class InviteCreate(Strict):
    email: str
    metadata: dict[str, Any] | None = None


class InviteAccept(Strict):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


def _secret(request: Request) -> str:
    secret: str = request.app.state.container.config.project_config.http.jwt_secret
    return secret


def _valid_email(email: str | None) -> None:
    try:
        check_email(email)
    except ValueError:
        raise invalid_data("Invalid request: Invalid email (email)") from None


async def _invite(request: Request, invite_id: str) -> dict[str, Any]:
    selection = views.simple_fields(fields_param(request), views.INVITE_DEFAULTS)
    async with request.app.state.container.database().read() as conn:
        return selection.project(await user_service.retrieve_invite(conn, invite_id=invite_id))


@router.post("/admin/invites/accept")
async def accept_invite(body: InviteAccept, request: Request,
                        ctx: AuthContext = Depends(accepting_user)) -> dict[str, Any]:
    """Create the invited user for the caller's identity; `{user}`."""
    if ctx.actor_id:
        raise invalid_data("The user is already authenticated and cannot accept an invite")
    token = request.query_params.get("token")
    if not token:
        raise invalid_data("Invalid request: Field 'token' is required")
    _valid_email(body.email)
    created = await people_workflows.accept_invite(request.app.state.container, token=token,
                                                   auth_identity_id=ctx.auth_identity_id,
                                                   data=body.model_dump(exclude_unset=True, exclude_none=True))
    return {"user": views.simple_fields(None, views.USER_DEFAULTS).project(created)}


@router.get("/admin/invites", dependencies=[Depends(require_user)])
async def list_invites(request: Request) -> dict[str, Any]:
    filters, params = read_query(request)
    selection = views.simple_fields(params.fields, views.INVITE_DEFAULTS)
    async with request.app.state.container.database().read() as conn:
        rows, count = await user_service.list_invites(conn, filters=filters, limit=params.limit,
                                                      offset=params.offset, order=params.order)
    return list_envelope("invites", views.project_rows(rows, selection), count, params)


@router.post("/admin/invites", dependencies=[Depends(require_user)])
async def create_invite(body: InviteCreate, request: Request) -> dict[str, Any]:
    _valid_email(body.email)
    created_id = await people_workflows.create_invite(request.app.state.container, email=body.email,
                                                      metadata=body.metadata)
    return {"invite": await _invite(request, created_id)}


@router.get("/admin/invites/{invite_id}", dependencies=[Depends(require_user)])
async def retrieve_invite(invite_id: str, request: Request) -> dict[str, Any]:
    return {"invite": await _invite(request, invite_id)}


@router.delete("/admin/invites/{invite_id}", dependencies=[Depends(require_user)])
async def delete_invite(invite_id: str, request: Request) -> dict[str, Any]:
    await people_workflows.delete_invite(request.app.state.container, invite_id=invite_id)
    return {"id": invite_id, "object": "invite", "deleted": True}


@router.post("/admin/invites/{invite_id}/resend", dependencies=[Depends(require_user)])
async def resend_invite(invite_id: str, request: Request) -> dict[str, Any]:
    """New token and expiry; emits `invite.resent` (a subscriber sends the email)."""
    await people_workflows.resend_invite(request.app.state.container, invite_id=invite_id)
    return {"invite": await _invite(request, invite_id)}
