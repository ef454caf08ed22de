"""Health endpoints in-process: readiness checks PostgreSQL and Redis, details describe the process."""

from __future__ import annotations

import httpx

import euryale
from euryale.boot import build_container
from euryale.container import Container
from euryale.http.app import create_app
from tests.conftest import make_config
from tests.support import services


async def _ready(container: Container) -> httpx.Response:
    """`GET /health/ready` on an in-process app over `container`, which is stopped afterwards."""
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(container)),
                                     base_url="http://t") as c:
            return await c.get("/health/ready")
    finally:
        await container.stop()


async def test_ready_checks_database_and_redis(database: services.TestDatabase) -> None:
    container = build_container(make_config(database, redis_url=services.redis_url()))
    r = await _ready(container)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok" and body["checks"]["redis"]["status"] == "ok"


async def test_ready_is_503_when_redis_is_down(database: services.TestDatabase) -> None:
    container = build_container(make_config(database, redis_url="redis://127.0.0.1:1/0"))
    r = await _ready(container)
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "error" and body["checks"]["redis"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"


async def test_ready_is_503_when_database_is_unreachable(database: services.TestDatabase) -> None:
    broken = services.TestDatabase(name="nope", dsn="postgresql://postgres@127.0.0.1:1/nope")
    container = build_container(make_config(broken))
    r = await _ready(container)
    assert r.status_code == 503 and r.json()["checks"]["database"]["status"] == "error"


async def test_details_describe_the_process(client: httpx.AsyncClient) -> None:
    r = await client.get("/health/details")
    assert r.status_code == 200
    body = r.json()
    assert body["mode"] == "shared" and body["version"] == euryale.__version__
    assert body["api"] is True and body["background"] is True
    assert body["modules"]["event_bus"] == "euryale.modules.event_bus_local"
