"""An admin user for an identity verified by an external provider (`POST /auth/:auth_provider/user`, Medusa
2.21): link the user that already has the provider-verified email, or create one from the provider's claims.
Medusa's `set-auth-app-metadata` and `create-user-account` workflows, one transaction each."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows._workflow import transaction_workflow
from euryale.modules.auth import service as auth_service
from euryale.modules.user import service as user_service

USER = "user"


@transaction_workflow("set-auth-app-metadata")
async def link_user_to_identity(conn: AsyncConnection, *, auth_identity_id: str, user_id: str) -> None:
    """setAuthAppMetadataWorkflow: `app_metadata.user_id` of the identity."""
    await auth_service.set_app_metadata(conn, auth_identity_id=auth_identity_id, actor_type=USER, value=user_id)


@transaction_workflow("create-user-account")
async def create_user_account(conn: AsyncConnection, *, auth_identity_id: str, email: str,
                              first_name: str | None, last_name: str | None) -> dict[str, Any]:
    """createUserAccountWorkflow: the new user, linked to the identity (`user.created`)."""
    created = await user_service.create_user(conn, data={"email": email, "first_name": first_name,
                                                         "last_name": last_name})
    await auth_service.set_app_metadata(conn, auth_identity_id=auth_identity_id, actor_type=USER,
                                        value=str(created["id"]))
    await stage_events(conn, [Event("user.created", {"id": created["id"]})])
    return created
