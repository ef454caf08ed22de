"""Medusa 2.20-2.21 user auth routes: `GET /admin/users/:id/auth-providers`, `POST /admin/users/:id/reset-password`
and `POST /auth/:auth_provider/user` (an externally verified identity becomes an admin user)."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from euryale.container import Container
from euryale.events.outbox import event_outbox
from euryale.flows.auth import token_for_identity
from euryale.modules.auth import service as auth_service
from euryale.modules.user.models import user
from tests.api.admin.people_support import admin_token, bearer


async def test_auth_providers_and_reset_password(client: httpx.AsyncClient, container: Container) -> None:
    user_id, token = await admin_token(client, container)
    h = bearer(token)
    res = await client.get(f"/admin/users/{user_id}/auth-providers", headers=h)
    assert res.status_code == 200 and res.json() == {"providers": ["emailpass"]}
    assert (await client.get("/admin/users/user_missing/auth-providers", headers=h)).json() == {"providers": []}

    res = await client.post(f"/admin/users/{user_id}/reset-password", headers=h)
    assert res.status_code == 200, res.text
    reset = res.json()["token"]
    async with container.database().read() as conn:
        staged = [r.data for r in await conn.execute(select(event_outbox.c.data).where(
            event_outbox.c.name == "auth.password_reset"))]
    assert any(d.get("token") == reset for d in staged)
    # the token works once on the emailpass update route
    res = await client.post("/auth/user/emailpass/update", json={"password": "new-pw"},
                            headers={"Authorization": f"Bearer {reset}"})
    assert res.status_code == 200, res.text
    assert (await client.post("/auth/user/emailpass/update", json={"password": "again"},
                              headers={"Authorization": f"Bearer {reset}"})).status_code == 401
    res = await client.post("/admin/users/user_missing/reset-password", headers=h)
    assert res.status_code == 404 and res.json()["message"] == "User with id: user_missing was not found"
    assert (await client.get(f"/admin/users/{user_id}/auth-providers")).status_code == 401
    assert (await client.post(f"/admin/users/{user_id}/reset-password")).status_code == 401


async def _external_identity(container: Container, provider: str, **claims: str) -> tuple[str, str]:
    """(auth identity id, actor-less user token) of an identity verified by `provider`."""
    async with container.database().transaction() as conn:
        identity = await auth_service.create_auth_identity(conn, provider=provider,
                                                           entity_id=f"sub-{uuid.uuid4().hex}",
                                                           user_metadata=dict(claims))
    token = token_for_identity(container.config, identity, actor_type="user", auth_provider=provider)
    return str(identity["id"]), token


async def test_provider_user_creates_then_links(client: httpx.AsyncClient, container: Container) -> None:
    email = f"sso-{uuid.uuid4().hex[:10]}@example.com"
    _, token = await _external_identity(container, "google", email=email, given_name="Ada", family_name="Lovelace")
    res = await client.post("/auth/google/user", headers=bearer(token))
    assert res.status_code == 200, res.text
    created = res.json()["user"]
    assert (created["email"], created["first_name"], created["last_name"]) == (email, "Ada", "Lovelace")
    res = await client.get(f"/admin/users/{created['id']}/auth-providers", headers=bearer(
        (await admin_token(client, container))[1]))
    assert res.json() == {"providers": ["google"]}

    second_identity, second = await _external_identity(container, "google", email=email)
    res = await client.post("/auth/google/user", headers=bearer(second))
    assert res.status_code == 200 and res.json()["user"]["id"] == created["id"]  # linked, not duplicated
    async with container.database().read() as conn:
        assert (await conn.execute(select(user.c.id).where(user.c.email == email))).scalars().all() == [created["id"]]
        linked = await auth_service.retrieve_auth_identity(conn, auth_identity_id=second_identity)
    assert linked["app_metadata"]["user_id"] == created["id"]


async def test_provider_user_refusals(client: httpx.AsyncClient, container: Container) -> None:
    _, no_email = await _external_identity(container, "google")
    res = await client.post("/auth/google/user", headers=bearer(no_email))
    assert res.status_code == 400 and res.json()["message"] == "Email is required to create a user account."
    _, other = await _external_identity(container, "github", email=f"gh-{uuid.uuid4().hex[:8]}@example.com")
    res = await client.post("/auth/google/user", headers=bearer(other))
    assert res.status_code == 401
    assert res.json()["message"] == "Only google identities can create a user account for this authentication context"
    _, registered = await admin_token(client, container)
    res = await client.post("/auth/emailpass/user", headers=bearer(registered))
    assert res.status_code == 400
    assert res.json()["message"] == "The user is already registered and cannot create a new account."
    assert (await client.post("/auth/google/user")).status_code == 401


async def test_cloud_auth_routes(client: httpx.AsyncClient, container: Container) -> None:
    http = container.config.project_config.http
    res = await client.get("/cloud/auth")
    assert res.status_code == 200 and res.json() == {"enabled": False}
    before = http.auth_methods_per_actor
    http.auth_methods_per_actor = {"user": ["emailpass", "cloud"]}
    try:
        assert (await client.get("/cloud/auth")).json() == {"enabled": True}
    finally:
        http.auth_methods_per_actor = before

    email = f"cloud-{uuid.uuid4().hex[:10]}@example.com"
    _, token = await _external_identity(container, "cloud", email=email, given_name="Grace")
    res = await client.post("/cloud/auth/users", headers=bearer(token))
    assert res.status_code == 200, res.text
    assert (res.json()["user"]["email"], res.json()["user"]["first_name"]) == (email, "Grace")
    _, google = await _external_identity(container, "google", email=email)
    res = await client.post("/cloud/auth/users", headers=bearer(google))
    assert res.status_code == 401 and res.json()["message"] == "Only cloud identities can create a user account"
    assert (await client.post("/cloud/auth/users")).status_code == 401
