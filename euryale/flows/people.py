"""Flows spanning people modules and auth: customer accounts, admin users, invites."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.modules.auth import passwords
from euryale.modules.auth import service as auth_service
from euryale.modules.customer import service as customer_service
from euryale.modules.user import service as user_service


class UserExistsError(Exception):
    """`create_admin_user` for an email that already has a user or an emailpass identity."""


async def create_customer_account(conn: AsyncConnection, *, auth_identity_id: str,
                                  data: Mapping[str, Any]) -> dict[str, Any]:
    """Register a customer (`has_account=true`) and link it to the identity (`app_metadata.customer_id`)."""
    identity = await auth_service.retrieve_auth_identity(conn, auth_identity_id=auth_identity_id)
    if (identity["app_metadata"] or {}).get("customer_id"):
        raise invalid_data("Key customer_id already exists in app metadata")
    values = dict(data)
    if not values.get("email"):
        # the emailpass identity is the email the person registered with
        values["email"] = identity["provider_identity"]["entity_id"]
    [created] = await customer_service.create_customers(conn, data=[{**values, "has_account": True}])
    await auth_service.set_app_metadata(conn, auth_identity_id=auth_identity_id, actor_type="customer",
                                        value=created["id"])
    await stage_events(conn, [Event("customer.created", {"id": created["id"]})])
    return created


async def create_user_with_password(conn: AsyncConnection, *, email: str, password: str,
                                    profile: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A user plus its emailpass identity linked by `app_metadata.user_id` (CLI, develop)."""
    if await user_service.find_user_by_email(conn, email=email) is not None:
        raise UserExistsError(f"A user with email {email} already exists")
    if await auth_service.find_provider_identity(conn, provider=auth_service.EMAILPASS, entity_id=email):
        raise UserExistsError(f"An auth identity with email {email} already exists")
    created = await user_service.create_user(conn, data={**(profile or {}), "email": email})
    identity = await auth_service.create_auth_identity(
        conn, provider=auth_service.EMAILPASS, entity_id=email,
        provider_metadata={"password": await passwords.hash_password(password)},
        app_metadata={"user_id": created["id"]})
    await stage_events(conn, [Event("user.created", {"id": created["id"]})])
    return {**created, "auth_identity_id": identity["id"]}


async def accept_invite(conn: AsyncConnection, *, token: str, secret: str, auth_identity_id: str,
                        data: Mapping[str, Any]) -> dict[str, Any]:
    """Create the invited user, link the identity, retire the invite."""
    pending = await user_service.validate_invite_token(conn, token=token, secret=secret)
    identity = await auth_service.retrieve_auth_identity(conn, auth_identity_id=auth_identity_id)
    if (identity["app_metadata"] or {}).get("user_id"):
        raise invalid_data("The user is already authenticated and cannot accept an invite")
    created = await user_service.create_user(conn, data={
        "email": data.get("email") or pending["email"],
        **{k: data[k] for k in ("first_name", "last_name") if k in data}})
    await auth_service.set_app_metadata(conn, auth_identity_id=auth_identity_id, actor_type="user",
                                        value=created["id"])
    await user_service.accept_invite(conn, invite_id=pending["id"])
    await stage_events(conn, [Event("user.created", {"id": created["id"]}),
                              Event("invite.accepted", {"id": pending["id"]})])
    return created


async def remove_user_account(conn: AsyncConnection, *, user_id: str) -> None:
    """Delete a user and unlink it from its identities so its old logins get no actor."""
    await user_service.delete_user(conn, user_id=user_id)
    await auth_service.unlink_actor(conn, actor_type="user", actor_id=user_id)
    await stage_events(conn, [Event("user.deleted", {"id": user_id})])


async def remove_customer_account(conn: AsyncConnection, *, customer_id: str) -> list[str]:
    """Soft-delete a customer and unlink it from its identities."""
    deleted = await customer_service.delete_customers(conn, ids=[customer_id])
    if deleted:
        await auth_service.unlink_actor(conn, actor_type="customer", actor_id=customer_id)
        await stage_events(conn, [Event("customer.deleted", {"id": customer_id})])
    return deleted
