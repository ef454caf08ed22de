"""The catalog cache version is bumped BEFORE an admin write's response leaves the server.

With a real server a client reads the store right after the admin answer: a bump running after the response (FastAPI's
default for `yield` dependencies) would let that read hit the stale cached page. httpx's ASGI transport only returns
once the whole app call is over, so this test drives the ASGI app itself and looks at the version in Redis at the
moment the response starts.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from euryale.boot import build_container
from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.http.app import create_app
from euryale.modules.cache_redis import RedisCache
from euryale.query.cache import VERSION_KEY
from tests.support.catalog import admin_headers, channel_with_key, make_region, product_body


@pytest.fixture
async def redis_container(config: EuryaleConfig, redis_client: aioredis.Redis,
                          redis_prefix: str) -> AsyncIterator[Container]:
    container = build_container(config)
    container.register("cache", RedisCache(redis_client, prefix=redis_prefix + "bump-timing:"))
    await container.start()
    try:
        yield container
    finally:
        container._services.pop("cache", None)  # the Redis client belongs to the session fixture
        await container.stop()


async def _call(app: Any, method: str, path: str, headers: dict[str, str], body: dict[str, Any] | None,
                on_start: Any) -> tuple[int, bytes]:
    raw = json.dumps(body).encode() if body is not None else b""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in
                         {**headers, "content-type": "application/json", "content-length": str(len(raw))}.items()],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            await on_start()
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def test_admin_write_bumps_the_version_before_answering(redis_container: Container,
                                                              config: EuryaleConfig) -> None:
    container = redis_container
    cache = container.resolve("cache")
    app = create_app(container)
    sc_ids, _, _ = await channel_with_key(container)
    await make_region(container, "eur")
    await cache.set(VERSION_KEY, "cv_before", 60)
    seen: list[Any] = []

    async def on_start() -> None:
        seen.append(await cache.get(VERSION_KEY))

    status, body = await _call(app, "POST", "/admin/products", admin_headers(config), product_body(sc_ids), on_start)
    assert status == 200, body
    assert seen and seen[0] not in (None, "cv_before"), seen
