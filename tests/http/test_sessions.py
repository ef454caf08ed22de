"""Session storage (Redis layout as connect-redis, memory with expiry) and cookie flags per environment."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import orjson
import redis.asyncio as aioredis

from euryale.config import EuryaleConfig
from euryale.http.sessions import MemorySessionStore, RedisSessionStore, set_cookie_header, unsign
from tests.support.services import redis_url


async def test_redis_store_layout_ttl_and_destroy(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    store = RedisSessionStore(redis_url(), redis_prefix)
    try:
        await store.set("sid-1", {"auth_context": {"actor_id": "user_1"}}, 60)
        raw = await redis_client.get(f"{redis_prefix}sess:sid-1")
        assert raw is not None and orjson.loads(raw)["auth_context"]["actor_id"] == "user_1"
        assert 0 < await redis_client.ttl(f"{redis_prefix}sess:sid-1") <= 60
        assert (await store.get("sid-1")) == {"auth_context": {"actor_id": "user_1"}}
        await store.destroy("sid-1")
        assert await store.get("sid-1") is None
    finally:
        await store.close()


async def test_memory_store_expires() -> None:
    store = MemorySessionStore()
    await store.set("a", {"x": 1}, 1)
    assert await store.get("a") == {"x": 1}
    await asyncio.sleep(1.05)
    assert await store.get("a") is None


def test_cookie_flags_dev_vs_production(config: EuryaleConfig) -> None:
    dev = set_cookie_header(config, "sid")
    assert "HttpOnly" in dev and "Secure" not in dev and "SameSite" not in dev and "Max-Age=36000" in dev
    prod = set_cookie_header(dataclasses.replace(config, env_name="production"), "sid")
    assert "Secure" in prod and "SameSite=Lax" in prod
    value = prod.split(";")[0].split("=", 1)[1]
    assert value.startswith("s%3Asid.")
    secret = config.project_config.http.cookie_secret
    assert unsign(httpx.URL("/?v=" + value).params["v"][2:], secret) == "sid"
    cleared = set_cookie_header(config, "sid", clear=True)
    assert "Max-Age=0" in cleared


async def test_auth_methods_per_actor(client: httpx.AsyncClient, config: EuryaleConfig) -> None:
    http = config.project_config.http
    saved = http.auth_methods_per_actor
    http.auth_methods_per_actor = {"user": ["github"]}
    try:
        r = await client.post("/auth/user/emailpass", json={"email": "a@b.co", "password": "x"})
        assert r.status_code == 400 and r.json() == {
            "type": "not_allowed", "message": "The actor type user is not allowed to use the auth provider emailpass"}
        assert (await client.get("/auth/user/providers")).json() == {"providers": []}
        assert [p["id"] for p in (await client.get("/auth/customer/providers")).json()["providers"]] == ["emailpass"]
    finally:
        http.auth_methods_per_actor = saved
