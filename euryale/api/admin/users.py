"""`/admin/users*`: list, me, retrieve, update, delete (bearer, session or secret API key)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api.people_common import Strict, fields_param, list_envelope, read_query
from euryale.errors import not_found
from euryale.flows import people_workflows
from euryale.http.actors import require_user
from euryale.http.auth import AuthContext
from euryale.modules.user import service as user_service
from euryale.query import people as views
from euryale.query.request import WireRoute

router = APIRouter(dependencies=[Depends(require_user)], route_class=WireRoute, tags=["admin users"])


class UserUpdate(Strict):
    first_name: str | None = None
    last_name: str | None = None
    avatar_url: str | None = None
    metadata: dict[str, Any] | None = None


async def _user(request: Request, user_id: str) -> dict[str, Any]:
    selection = views.simple_fields(fields_param(request), views.USER_DEFAULTS)
    async with request.app.state.container.database().read() as conn:
        return selection.project(await user_service.retrieve_user(conn, user_id=user_id))


@router.get("/admin/users")
async def list_users(request: Request) -> dict[str, Any]:
    """`{users, count, offset, limit}`."""
    filters, params = read_query(request)
    selection = views.simple_fields(params.fields, views.USER_DEFAULTS)
    async with request.app.state.container.database().read() as conn:
        rows, count = await user_service.list_users(conn, filters=filters, limit=params.limit, offset=params.offset,
                                                    order=params.order, with_deleted=params.with_deleted)
    return list_envelope("users", views.project_rows(rows, selection), count, params)


@router.get("/admin/users/me")
async def retrieve_me(request: Request, ctx: AuthContext = Depends(require_user)) -> dict[str, Any]:
    """The logged-in user (a secret API key has no user: 404 as Medusa)."""
    if ctx.actor_type != "user":
        raise not_found(f"User with id: {ctx.actor_id} was not found")
    return {"user": await _user(request, ctx.actor_id)}


@router.get("/admin/users/{user_id}")
async def retrieve_user(user_id: str, request: Request) -> dict[str, Any]:
    return {"user": await _user(request, user_id)}


@router.post("/admin/users/{user_id}")
async def update_user(user_id: str, body: UserUpdate, request: Request) -> dict[str, Any]:
    await people_workflows.update_user(request.app.state.container, user_id=user_id,
                                       data=body.model_dump(exclude_unset=True))
    return {"user": await _user(request, user_id)}


@router.delete("/admin/users/{user_id}")
async def delete_user(user_id: str, request: Request) -> dict[str, Any]:
    await people_workflows.delete_user(request.app.state.container, user_id=user_id)
    return {"id": user_id, "object": "user", "deleted": True}
