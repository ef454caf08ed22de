"""The one request middleware: request id, CORS per group, metrics, access log - as the four it replaced."""

from __future__ import annotations

import httpx
import structlog
from fastapi import FastAPI
from prometheus_client import generate_latest

from euryale import metrics
from euryale.http.middleware import RequestMiddleware

ORIGIN = "http://shop.example"


def build() -> FastAPI:
    app = FastAPI()

    @app.get("/store/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    @app.get("/store/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    app.add_middleware(RequestMiddleware, cors_groups={"/store": [ORIGIN], "/admin": []})
    return app


async def test_cors_then_request_id_headers_in_the_stacks_order() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build()), base_url="http://t") as c:
        r = await c.get("/store/things/a", headers={"origin": ORIGIN, "x-request-id": "rid-1"})
        names = [k.decode() for k, _ in r.headers.raw]
        assert names[-4:] == ["access-control-allow-origin", "access-control-allow-credentials", "vary",
                              "x-request-id"]
        assert r.headers["access-control-allow-origin"] == ORIGIN
        assert r.headers["vary"] == "Origin"
        assert r.headers["x-request-id"] == "rid-1"
        other = await c.get("/store/things/a", headers={"origin": "http://elsewhere"})
        assert "access-control-allow-origin" not in other.headers
        assert len(other.headers["x-request-id"]) == 36  # a generated uuid4
        pre = await c.options("/store/things/a", headers={"origin": ORIGIN, "access-control-request-method": "GET",
                                                          "access-control-request-headers": "x-a"})
        assert pre.status_code == 204
        assert pre.headers["access-control-allow-headers"] == "x-a"
        assert pre.headers["access-control-allow-methods"] == "GET,HEAD,PUT,PATCH,POST,DELETE"
        assert "x-request-id" in pre.headers


async def test_log_line_and_metrics_by_route_template() -> None:
    def count(route: str, status: str) -> float:
        key = f'euryale_http_requests_total{{method="GET",route="{route}",status="{status}"}}'
        for line in generate_latest(metrics.REGISTRY).decode().splitlines():
            if line.startswith(key):
                return float(line.split()[-1])
        return 0.0

    before = count("/store/things/{thing_id}", "200"), count("<unmatched>", "404")
    with structlog.testing.capture_logs() as logs:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build(), raise_app_exceptions=False),
                                     base_url="http://t") as c:
            for i in range(3):
                assert (await c.get(f"/store/things/t{i}", headers={"x-request-id": f"r{i}"})).status_code == 200
            assert (await c.get("/nowhere")).status_code == 404
            assert (await c.get("/store/boom")).status_code == 500
    assert count("/store/things/{thing_id}", "200") - before[0] == 3
    assert count("<unmatched>", "404") - before[1] == 1
    lines = [e for e in logs if e["event"] == "request"]
    assert [(e["request_id"], e["path"], e["route"], e["status"]) for e in lines[:3]] == [
        (f"r{i}", f"/store/things/t{i}", "/store/things/{thing_id}", 200) for i in range(3)]
    assert set(lines[0]) == {"event", "log_level", "request_id", "method", "path", "route", "status", "duration_ms"}
    assert (lines[3]["route"], lines[3]["status"]) == (None, 404)
    assert (lines[4]["route"], lines[4]["status"]) == ("/store/boom", 500)
