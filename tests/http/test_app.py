"""The HTTP skeleton: health, error shape for unknown routes, CORS per route group, request ids."""

from __future__ import annotations

import httpx


async def test_health_answers_ok(client: httpx.AsyncClient) -> None:
    r = await client.get("/health")
    assert r.status_code == 200
    assert r.text == "OK"


async def test_unknown_route_is_a_medusa_not_found(client: httpx.AsyncClient) -> None:
    r = await client.get("/store/does-not-exist")
    assert r.status_code == 404
    assert r.json()["type"] == "not_found"


async def test_cors_applies_the_groups_own_list(client: httpx.AsyncClient) -> None:
    ok = await client.get("/health", headers={"origin": "http://localhost:8000"})
    assert "access-control-allow-origin" not in ok.headers  # /health is outside every group
    pre = await client.options("/store/products", headers={"origin": "http://localhost:8000",
                                                           "access-control-request-method": "GET"})
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == "http://localhost:8000"
    assert pre.headers["access-control-allow-credentials"] == "true"
    wrong = await client.options("/admin/products", headers={"origin": "http://localhost:8000",
                                                             "access-control-request-method": "GET"})
    assert "access-control-allow-origin" not in wrong.headers


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    r = await client.get("/health", headers={"x-request-id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
