"""Operator commands on users (used by `euryale user` and `euryale develop`)."""

from __future__ import annotations

from typing import Any


async def create_admin_user(container: Any, *, email: str, password: str) -> dict[str, Any]:
    """Create an admin user with an emailpass identity in one transaction.

    Raises `euryale.flows.people.UserExistsError` when the email is taken.
    """
    # imported here: the flow spans the user and auth modules, which this module must not import at load time
    from euryale.flows.people import create_user_with_password

    async with container.database().transaction() as conn:
        return await create_user_with_password(conn, email=email, password=password)
