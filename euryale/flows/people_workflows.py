"""Customer, user and invite writes as Medusa's workflows (`create-customers`, `create-customer-account`,
`update-customers`, `create-invites`, `accept-invite`, ...): one transactional step each, see
`euryale.flows._workflow`. Secrets (the JWT secret invite tokens are signed with) are read from the container in
the step, never passed in the stored input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows import auth as auth_flows
from euryale.flows import people
from euryale.flows._workflow import STORE_RETENTION, flow_workflow, transaction_workflow
from euryale.modules.customer import service as customer_service
from euryale.modules.user import service as user_service


def _jwt_secret(container: Any) -> str:
    secret: str = container.config.project_config.http.jwt_secret
    return secret


# ------------------------------------------------------------------ customers

@transaction_workflow("create-customers")
async def create_customer(conn: AsyncConnection, *, data: dict[str, Any], created_by: str | None) -> str:
    """createCustomersWorkflow (admin, no account): the new customer's id."""
    [created] = await customer_service.create_customers(conn, data=[data], created_by=created_by)
    await stage_events(conn, [Event("customer.created", {"id": created["id"]})])
    return str(created["id"])


@transaction_workflow("update-customers")
async def update_customer(conn: AsyncConnection, *, customer_id: str, data: dict[str, Any]) -> None:
    """updateCustomersWorkflow."""
    await customer_service.update_customer(conn, customer_id=customer_id, data=data)
    await stage_events(conn, [Event("customer.updated", {"id": customer_id})])


@transaction_workflow("remove-customer-account")
async def delete_customer(conn: AsyncConnection, *, customer_id: str) -> None:
    """removeCustomerAccountWorkflow (admin delete)."""
    await customer_service.retrieve_customer(conn, customer_id=customer_id)
    await people.remove_customer_account(conn, customer_id=customer_id)


@transaction_workflow("link-customer-groups-to-customer")
async def link_customer_groups(conn: AsyncConnection, *, customer_id: str, add: Sequence[str],
                               remove: Sequence[str], created_by: str | None) -> None:
    """linkCustomerGroupsToCustomerWorkflow."""
    await customer_service.retrieve_customer(conn, customer_id=customer_id)
    await customer_service.link_customers_to_groups(conn, pairs=[(customer_id, g) for g in add],
                                                    created_by=created_by)
    await customer_service.unlink_customers_from_groups(conn, pairs=[(customer_id, g) for g in remove])


@transaction_workflow("create-customer-account", retention_time=STORE_RETENTION)
async def create_customer_account(conn: AsyncConnection, *, auth_identity_id: str, data: dict[str, Any]
                                  ) -> dict[str, Any]:
    """createCustomerAccountWorkflow (store registration)."""
    return await people.create_customer_account(conn, auth_identity_id=auth_identity_id, data=data)


@transaction_workflow("create-customer-addresses")
async def create_address(conn: AsyncConnection, *, customer_id: str, data: dict[str, Any]) -> None:
    """createCustomerAddressesWorkflow."""
    await customer_service.create_address(conn, customer_id=customer_id, data=data)


@transaction_workflow("update-customer-addresses")
async def update_address(conn: AsyncConnection, *, customer_id: str, address_id: str, data: dict[str, Any]) -> None:
    """updateCustomerAddressesWorkflow."""
    await customer_service.update_address(conn, customer_id=customer_id, address_id=address_id, data=data)


@transaction_workflow("delete-customer-addresses")
async def delete_address(conn: AsyncConnection, *, customer_id: str, address_id: str) -> None:
    """deleteCustomerAddressesWorkflow."""
    await customer_service.delete_address(conn, customer_id=customer_id, address_id=address_id)


# ------------------------------------------------------------------ users and invites

@transaction_workflow("update-users")
async def update_user(conn: AsyncConnection, *, user_id: str, data: dict[str, Any]) -> None:
    """updateUsersWorkflow."""
    await user_service.update_user(conn, user_id=user_id, data=data)
    await stage_events(conn, [Event("user.updated", {"id": user_id})])


@transaction_workflow("remove-user-account")
async def delete_user(conn: AsyncConnection, *, user_id: str) -> None:
    """removeUserAccountWorkflow."""
    await people.remove_user_account(conn, user_id=user_id)


@flow_workflow("create-invites")
async def create_invite(container: Any, *, email: str, metadata: dict[str, Any] | None) -> str:
    """createInvitesWorkflow: the new invite's id (its token is signed here, outside the stored input)."""
    async with container.database().transaction() as conn:
        created = await user_service.create_invite(conn, email=email, secret=_jwt_secret(container),
                                                   metadata=metadata)
        await stage_events(conn, [Event("invite.created", {"id": created["id"]})])
    return str(created["id"])


@flow_workflow("refresh-invite-tokens")
async def resend_invite(container: Any, *, invite_id: str) -> None:
    """refreshInviteTokensWorkflow (`/resend`): new token and expiry, `invite.resent`."""
    async with container.database().transaction() as conn:
        await user_service.refresh_invite(conn, invite_id=invite_id, secret=_jwt_secret(container))
        await stage_events(conn, [Event("invite.resent", {"id": invite_id})])


@transaction_workflow("delete-invites")
async def delete_invite(conn: AsyncConnection, *, invite_id: str) -> None:
    """deleteInvitesWorkflow."""
    await user_service.retrieve_invite(conn, invite_id=invite_id)
    await user_service.delete_invites(conn, ids=[invite_id])
    await stage_events(conn, [Event("invite.deleted", {"id": invite_id})])


@flow_workflow("accept-invite")
async def accept_invite(container: Any, *, token: str, auth_identity_id: str, data: dict[str, Any]
                        ) -> dict[str, Any]:
    """acceptInviteWorkflow: the new user."""
    async with container.database().transaction() as conn:
        return await people.accept_invite(conn, token=token, secret=_jwt_secret(container),
                                          auth_identity_id=auth_identity_id, data=data)


@flow_workflow("generate-reset-password-token", retention_time=STORE_RETENTION, redact=lambda _: None)
async def request_password_reset(container: Any, *, actor_type: str, provider: str, identifier: str,
                                 metadata: dict[str, Any] | None, require_identity: bool = False) -> str | None:
    """generateResetPasswordTokenWorkflow: `auth.password_reset` with a signed token, which it also answers
    (signed in the step; neither the stored input nor the stored output holds it). The password update itself
    is not a workflow: its input is a password."""
    async with container.database().transaction() as conn:
        return await auth_flows.request_password_reset(conn, container.config, actor_type=actor_type,
                                                       provider=provider, identifier=identifier, metadata=metadata,
                                                       require_identity=require_identity)
