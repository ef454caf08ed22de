"""Optional OpenTelemetry tracing: a no-op by default; with an exporter, HTTP spans by route template with SQL
child spans, continuing an incoming W3C traceparent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from euryale import tracing
from euryale.boot import build_container
from euryale.http.app import create_app
from tests.conftest import make_config
from tests.support.services import TestDatabase as _Db


@pytest.fixture
async def traced_client(database: _Db) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")
    exporter = memory.InMemorySpanExporter()
    assert tracing.configure_from_env(exporter=exporter)
    container = build_container(make_config(database))
    await container.start()
    try:
        app = create_app(container)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            yield c, exporter
    finally:
        tracing.disable()
        await container.stop()


async def test_tracing_is_off_by_default_and_span_is_a_noop(env: pytest.MonkeyPatch) -> None:
    env.delenv("EURYALE_TRACING", raising=False)
    tracing.disable()
    assert tracing.configure_from_env() is False
    assert not tracing.enabled()
    with tracing.span("anything", key="value") as s:
        assert s is None


async def test_http_request_span_with_route_template_sql_children_and_traceparent(
        traced_client: tuple[httpx.AsyncClient, object]) -> None:
    client, exporter = traced_client
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    res = await client.get("/health/ready", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    assert res.status_code in (200, 503)
    spans = exporter.get_finished_spans()  # type: ignore[attr-defined]
    (http_span,) = [s for s in spans if s.name == "GET /health/ready"]
    assert format(http_span.context.trace_id, "032x") == trace_id, "continues the incoming trace"
    assert http_span.attributes["http.route"] == "/health/ready"
    assert http_span.attributes["http.response.status_code"] == res.status_code
    sql = [s for s in spans if s.name.startswith("db ")]
    assert sql, "the readiness query is traced"
    assert all(s.parent is not None and s.context.trace_id == http_span.context.trace_id for s in sql)
    with tracing.span("workflow.step", step="reserve-inventory", attempt=1, ignored={"x": 1}) as s:
        assert s is not None
    step = [x for x in exporter.get_finished_spans() if x.name == "workflow.step"][0]  # type: ignore[attr-defined]
    assert dict(step.attributes) == {"step": "reserve-inventory", "attempt": 1}
