"""The auth dependencies on a throwaway app: bearer, session cookie, secret keys, actor matching."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request, Response

from euryale.container import Container
from euryale.http.actors import (
    SECRET_AS_BEARER,
    allow_unregistered,
    hash_secret_token,
    optional_customer,
    require_customer,
    require_user,
    secret_token_from_header,
)
from euryale.http.auth import AuthContext, UnauthorizedError, issue_token
from euryale.http.json import JSONResponse
from euryale.http.sessions import create_session, sign, unsign
from euryale.ids import generate_id
from euryale.modules.api_key.models import api_key


@pytest.fixture(scope="module")
async def probe(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.container = container

    @app.exception_handler(UnauthorizedError)
    async def unauthorized(request: Request, exc: UnauthorizedError) -> JSONResponse:
        return JSONResponse({"message": exc.message}, 401)

    @app.get("/admin/probe")
    async def admin(ctx: AuthContext = Depends(require_user)) -> dict[str, Any]:
        return ctx.as_dict()

    @app.get("/store/probe")
    async def store(ctx: AuthContext = Depends(require_customer)) -> dict[str, Any]:
        return ctx.as_dict()

    @app.get("/store/optional")
    async def store_optional(ctx: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
        return {"ctx": ctx.as_dict() if ctx else None}

    @app.post("/store/register")
    async def register(ctx: AuthContext = Depends(allow_unregistered("customer"))) -> dict[str, Any]:
        return ctx.as_dict()

    @app.post("/session")
    async def session(request: Request, response: Response,
                      ctx: AuthContext = Depends(allow_unregistered("*", ("bearer",)))) -> dict[str, Any]:
        response.headers["set-cookie"] = await create_session(request, {"auth_context": ctx.as_dict()})
        return {"user": ctx.as_dict()}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


def token(container: Container, actor_type: str, actor_id: str, **kw: Any) -> str:
    ctx = AuthContext(actor_id=actor_id, actor_type=actor_type, auth_identity_id=generate_id("authid"),
                      app_metadata={f"{actor_type}_id": actor_id} if actor_id else {})
    return issue_token(container.config, ctx, **kw)


async def make_secret_key(container: Container, *, revoked_at: datetime | None = None) -> tuple[str, str]:
    raw = "sk_" + secrets.token_hex(32)
    salt = secrets.token_hex(32)
    key_id = generate_id("apk")
    async with container.database().transaction() as conn:
        await conn.execute(api_key.insert().values(
            id=key_id, token=hash_secret_token(raw, salt), salt=salt, redacted=raw[:6] + "***" + raw[-3:],
            title="probe " + key_id, type="secret", created_by="test", revoked_at=revoked_at))
    return key_id, raw


async def test_admin_bearer_user_token(probe: httpx.AsyncClient, container: Container) -> None:
    r = await probe.get("/admin/probe", headers={"Authorization": "Bearer " + token(container, "user", "user_1")})
    assert r.status_code == 200
    assert r.json()["actor_id"] == "user_1" and r.json()["actor_type"] == "user"


async def test_admin_rejects_customer_token_missing_and_garbage(probe: httpx.AsyncClient,
                                                                container: Container) -> None:
    r = await probe.get("/admin/probe", headers={"Authorization": "Bearer " + token(container, "customer", "cus_1")})
    assert (r.status_code, r.json()) == (401, {"message": "Unauthorized"})
    assert (await probe.get("/admin/probe")).status_code == 401
    assert (await probe.get("/admin/probe", headers={"Authorization": "Bearer nope"})).status_code == 401
    expired = token(container, "user", "user_1", expires_in=-10)
    assert (await probe.get("/admin/probe", headers={"Authorization": "Bearer " + expired})).status_code == 401


async def test_unregistered_token_only_where_allowed(probe: httpx.AsyncClient, container: Container) -> None:
    t = token(container, "customer", "")
    assert (await probe.get("/store/probe", headers={"Authorization": "Bearer " + t})).status_code == 401
    r = await probe.post("/store/register", headers={"Authorization": "Bearer " + t})
    assert r.status_code == 200 and r.json()["actor_id"] == ""
    # a user identity may not register a customer
    r = await probe.post("/store/register", headers={"Authorization": "Bearer " + token(container, "user", "")})
    assert r.status_code == 401


async def test_optional_customer(probe: httpx.AsyncClient, container: Container) -> None:
    assert (await probe.get("/store/optional")).json() == {"ctx": None}
    r = await probe.get("/store/optional", headers={"Authorization": "Bearer " + token(container, "customer", "c")})
    assert r.json()["ctx"]["actor_id"] == "c"
    # a bad bearer is refused even on optional routes (as Medusa 2.21)
    assert (await probe.get("/store/optional", headers={"Authorization": "Bearer x.y.z"})).status_code == 401


async def test_secret_key_basic_raw_revoked_and_bearer_hint(probe: httpx.AsyncClient, container: Container) -> None:
    key_id, raw = await make_secret_key(container)
    basic = base64.b64encode(f"{raw}:".encode()).decode()
    for header in (f"Basic {basic}", f"Basic {raw}", raw):
        r = await probe.get("/admin/probe", headers={"Authorization": header})
        assert r.status_code == 200, header
        assert r.json()["actor_id"] == key_id and r.json()["actor_type"] == "api-key"
    r = await probe.get("/admin/probe", headers={"Authorization": f"Bearer {raw}"})
    assert (r.status_code, r.json()["message"]) == (401, SECRET_AS_BEARER)
    # a secret key never opens store customer routes
    assert (await probe.get("/store/probe", headers={"Authorization": f"Basic {basic}"})).status_code == 401
    # revocation takes effect at once, despite the positive cache
    async with container.database().transaction() as conn:
        await conn.execute(api_key.update().where(api_key.c.id == key_id).values(revoked_at=datetime.now(UTC)))
    assert (await probe.get("/admin/probe", headers={"Authorization": f"Basic {basic}"})).status_code == 401


async def test_secret_key_revoked_in_future_still_works(probe: httpx.AsyncClient, container: Container) -> None:
    key_id, raw = await make_secret_key(container, revoked_at=datetime.now(UTC) + timedelta(hours=1))
    r = await probe.get("/admin/probe", headers={"Authorization": f"Basic {raw}"})
    assert r.status_code == 200 and r.json()["actor_id"] == key_id
    _, past = await make_secret_key(container, revoked_at=datetime.now(UTC) - timedelta(seconds=1))
    assert (await probe.get("/admin/probe", headers={"Authorization": f"Basic {past}"})).status_code == 401


async def test_session_cookie_round_trip(probe: httpx.AsyncClient, container: Container) -> None:
    t = token(container, "user", "user_sess")
    r = await probe.post("/session", headers={"Authorization": "Bearer " + t})
    assert r.status_code == 200
    set_cookie = r.headers["set-cookie"]
    probe.cookies.delete("connect.sid")  # send it explicitly below; keep the module's client anonymous
    assert set_cookie.startswith("connect.sid=s%3A") and "HttpOnly" in set_cookie
    cookie = set_cookie.split(";")[0].split("=", 1)[1]
    r = await probe.get("/admin/probe", headers={"cookie": f"connect.sid={cookie}"})
    assert r.status_code == 200 and r.json()["actor_id"] == "user_sess"
    # a tampered signature is ignored
    bad = cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB")
    assert (await probe.get("/admin/probe", headers={"cookie": f"connect.sid={bad}"})).status_code == 401
    # a user session does not open store customer routes
    assert (await probe.get("/store/probe", headers={"cookie": f"connect.sid={cookie}"})).status_code == 401


def test_cookie_signature_matches_express() -> None:
    # cookie-signature's own test vector: sign('hello', 'tobiiscool')
    assert sign("hello", "tobiiscool") == "hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI"
    assert unsign("hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI", "tobiiscool") == "hello"
    assert unsign("hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI", "luna") is None


def test_secret_token_parsing() -> None:
    raw = "sk_" + "a" * 64
    assert secret_token_from_header("Basic " + base64.b64encode(f"{raw}:".encode()).decode()) == raw
    assert secret_token_from_header(f"Basic {raw}:") == raw
    assert secret_token_from_header("Bearer " + raw) is None
    assert secret_token_from_header("Basic !!!") is None


async def test_secret_key_miss_never_hides_a_new_key(probe: httpx.AsyncClient, container: Container) -> None:
    """A remembered miss is tied to the set of live keys: creating the key afterwards makes the token work."""
    raw = "sk_" + secrets.token_hex(32)
    for _ in range(2):
        assert (await probe.get("/admin/probe", headers={"Authorization": f"Basic {raw}"})).status_code == 401
    salt = secrets.token_hex(32)
    key_id = generate_id("apk")
    async with container.database().transaction() as conn:
        await conn.execute(api_key.insert().values(
            id=key_id, token=hash_secret_token(raw, salt), salt=salt, redacted=raw[:6] + "***" + raw[-3:],
            title="late " + key_id, type="secret", created_by="test",
            revoked_at=datetime.now(UTC) + timedelta(hours=1)))
    r = await probe.get("/admin/probe", headers={"Authorization": f"Basic {raw}"})
    assert r.status_code == 200 and r.json()["actor_id"] == key_id
