"""`/cloud` routes Medusa 2.21.2 registers by default: `GET /cloud/auth` (whether admin users may log in with
Medusa Cloud, i.e. `cloud` is among `http.auth_methods_per_actor.user`) and `POST /cloud/auth/users` (a cloud
identity becomes an admin user, as `POST /auth/cloud/user`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from euryale.api.auth.account import create_or_link_user
from euryale.http.actors import BEARER, SESSION, allow_unregistered
from euryale.http.auth import AuthContext, config_of
from euryale.http.json import JSONResponse, json

router = APIRouter()
CLOUD = "cloud"


@router.get("/cloud/auth")
async def cloud_auth(request: Request) -> JSONResponse:
    """`{enabled}` (public)."""
    methods = (config_of(request).project_config.http.auth_methods_per_actor or {}).get("user") or []
    return json({"enabled": CLOUD in methods})


@router.post("/cloud/auth/users")
async def cloud_user(request: Request,
                     ctx: AuthContext = Depends(allow_unregistered("user", (SESSION, BEARER)))) -> JSONResponse:
    """`{user}`: the user linked to (or created for) the cloud identity."""
    return json({"user": await create_or_link_user(request, ctx, provider=CLOUD,
                                                   wrong_provider="Only cloud identities can create a user account")})
