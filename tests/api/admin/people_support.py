"""Helpers for admin people tests: an admin user logged in through the real routes."""

from __future__ import annotations

import uuid

import httpx

from euryale.container import Container
from euryale.modules.user.commands import create_admin_user


async def admin_token(client: httpx.AsyncClient, container: Container) -> tuple[str, str]:
    """(user id, bearer token) of a fresh admin user."""
    email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
    created = await create_admin_user(container, email=email, password="admin-pw")
    r = await client.post("/auth/user/emailpass", json={"email": email, "password": "admin-pw"})
    assert r.status_code == 200, r.text
    return str(created["id"]), str(r.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
