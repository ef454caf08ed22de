"""`POST /auth/{auth_provider}/user` (Medusa 2.21): an identity verified by an external provider (its token
carries the provider's claims in `user_metadata`) becomes an admin user - linked to the user that already has
that email, or a new user from the claims. Registered before `/auth/{actor_type}/{auth_provider}` (module
order), so `/auth/<provider>/user` reaches it as in Medusa, where the static segment wins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from euryale.errors import MedusaError, MedusaErrorType, invalid_data
from euryale.flows.user_accounts import create_user_account, link_user_to_identity
from euryale.http.actors import BEARER, allow_unregistered
from euryale.http.auth import AuthContext
from euryale.http.json import JSONResponse, json
from euryale.modules.auth.models import provider_identity
from euryale.modules.user import service as user_service

router = APIRouter()


async def create_or_link_user(request: Request, ctx: AuthContext, *, provider: str, wrong_provider: str
                              ) -> dict[str, Any]:
    """The user for an identity of `provider` (also behind `POST /cloud/auth/users`); `wrong_provider` is the
    401 message for an identity of another provider."""
    if ctx.actor_id:
        raise invalid_data("The user is already registered and cannot create a new account.")
    email = ctx.user_metadata.get("email")
    if not email or not isinstance(email, str):
        raise invalid_data("Email is required to create a user account.")
    container = request.app.state.container
    async with container.database().read() as conn:
        providers = list((await conn.execute(select(provider_identity.c.provider).where(
            provider_identity.c.auth_identity_id == ctx.auth_identity_id))).scalars())
        existing = await user_service.find_user_by_email(conn, email=email)
    if len(providers) != 1 or providers[0] != provider:
        raise MedusaError(MedusaErrorType.UNAUTHORIZED, wrong_provider)
    if existing is not None:
        await link_user_to_identity(container, auth_identity_id=ctx.auth_identity_id, user_id=str(existing["id"]))
        async with container.database().read() as conn:
            linked: dict[str, Any] = await user_service.retrieve_user(conn, user_id=str(existing["id"]))
        return linked
    given, family = ctx.user_metadata.get("given_name"), ctx.user_metadata.get("family_name")
    created: dict[str, Any] = await create_user_account(
        container, auth_identity_id=ctx.auth_identity_id, email=email,
        first_name=given if isinstance(given, str) else None, last_name=family if isinstance(family, str) else None)
    return created


@router.post("/auth/{auth_provider}/user")
async def provider_user(auth_provider: str, request: Request,
                        ctx: AuthContext = Depends(allow_unregistered("user", (BEARER,)))) -> JSONResponse:
    """`{user}`: the linked or created user."""
    return json({"user": await create_or_link_user(
        request, ctx, provider=auth_provider,
        wrong_provider=f"Only {auth_provider} identities can create a user account for this authentication context")})
