"""Admin user auth helpers (Medusa 2.20): `GET /admin/users/:id/auth-providers` (the providers the user can log
in with) and `POST /admin/users/:id/reset-password` (a reset token for the user's emailpass identity, also
emitted as `auth.password_reset`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from euryale.flows import people_workflows
from euryale.http.actors import require_user
from euryale.http.json import JSONResponse, json
from euryale.modules.auth.models import auth_identity, provider_identity
from euryale.modules.auth.service import EMAILPASS
from euryale.modules.user import service as user_service

router = APIRouter(dependencies=[Depends(require_user)])


@router.get("/admin/users/{user_id}/auth-providers")
async def auth_providers(user_id: str, request: Request) -> JSONResponse:
    """`{providers}` of the identities linked to the user (`app_metadata.user_id`); an unknown user has none."""
    async with request.app.state.container.database().read() as conn:
        providers = list((await conn.execute(
            select(provider_identity.c.provider)
            .join(auth_identity, auth_identity.c.id == provider_identity.c.auth_identity_id)
            .where(auth_identity.c.app_metadata.contains({"user_id": user_id}))
            .order_by(provider_identity.c.created_at, provider_identity.c.id))).scalars())
    return json({"providers": providers})


@router.post("/admin/users/{user_id}/reset-password")
async def reset_password(user_id: str, request: Request) -> JSONResponse:
    """`{token}`: a 15-minute single-use reset token for the user's email (404 for an unknown user)."""
    container = request.app.state.container
    async with container.database().read() as conn:
        user: dict[str, Any] = await user_service.retrieve_user(conn, user_id=user_id)
    token = await people_workflows.request_password_reset(container, actor_type="user", provider=EMAILPASS,
                                                          identifier=str(user["email"]), metadata=None,
                                                          require_identity=True)
    return json({"token": token})
