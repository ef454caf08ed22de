"""Optional OpenTelemetry tracing (the `otel` extra): off by default, a no-op when the packages are absent.

Turn it on with `EURYALE_TRACING=otlp` (OTLP/HTTP exporter, configured by the standard `OTEL_EXPORTER_OTLP_*`
variables; needs `opentelemetry-exporter-otlp-proto-http`) or `EURYALE_TRACING=console` (spans printed, for
debugging). `OTEL_SERVICE_NAME` names the service (default `euryale`).

What is traced once enabled: every HTTP request (:class:`TracingMiddleware`, W3C `traceparent` honoured, span
named `METHOD /route/{template}`), every SQL statement of a tracked database (:func:`instrument_database`), and
any block wrapped in :func:`span` — the helper workflow steps, event publishing and subscribers use, so one trace
runs HTTP → workflow step → SQL → event → subscriber. With tracing off each of these costs one boolean check.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from euryale.db import Database

log = structlog.get_logger("euryale.tracing")

_state: dict[str, Any] = {"enabled": False, "configured": False, "tracer": None}


def enabled() -> bool:
    """Whether spans are recorded in this process."""
    return bool(_state["enabled"])


def configure_from_env(*, exporter: Any = None) -> bool:
    """Set up the tracer provider once per process from `EURYALE_TRACING`; returns whether tracing is on.

    `exporter` (a SpanExporter) overrides the env choice — used by tests with an in-memory exporter.
    """
    if _state["configured"] and exporter is None:
        return enabled()
    _state["configured"] = True
    mode = (os.environ.get("EURYALE_TRACING") or "").strip().lower()
    if exporter is None and mode in ("", "0", "off", "false", "none"):
        return False
    try:
        # imported by name: the `otel` extra is optional, and type checking must not depend on it
        trace = importlib.import_module("opentelemetry.trace")
        resources = importlib.import_module("opentelemetry.sdk.resources")
        sdk_trace = importlib.import_module("opentelemetry.sdk.trace")
        export = importlib.import_module("opentelemetry.sdk.trace.export")
    except ImportError:
        log.warning("EURYALE_TRACING is set but OpenTelemetry is not installed: pip install 'euryale[otel]'")
        return False
    resource = resources.Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "euryale")})
    provider = sdk_trace.TracerProvider(resource=resource)
    if exporter is not None:
        provider.add_span_processor(export.SimpleSpanProcessor(exporter))
    elif mode == "console":
        provider.add_span_processor(export.SimpleSpanProcessor(export.ConsoleSpanExporter()))
    else:
        try:
            otlp = importlib.import_module("opentelemetry.exporter.otlp.proto.http.trace_exporter")
        except ImportError:
            log.warning("EURYALE_TRACING=otlp needs opentelemetry-exporter-otlp-proto-http: tracing stays off")
            return False
        provider.add_span_processor(export.BatchSpanProcessor(otlp.OTLPSpanExporter()))
    _state["provider"] = provider
    _state["tracer"] = provider.get_tracer("euryale")
    _state["enabled"] = True
    if exporter is None:
        trace.set_tracer_provider(provider)
    log.info("tracing enabled", exporter=mode or type(exporter).__name__)
    return True


def disable() -> None:
    """Stop recording spans (tests); the next configure_from_env() reads the env again."""
    provider = _state.get("provider")
    if provider is not None:
        provider.shutdown()
    _state.update(enabled=False, configured=False, tracer=None, provider=None)


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[Any]:
    """A child span of the current one (`with tracing.span("workflow.step", step="reserve"): ...`); no-op when off."""
    if not _state["enabled"]:
        yield None
        return
    clean = {k: v for k, v in attributes.items() if isinstance(v, str | bool | int | float)}
    with _state["tracer"].start_as_current_span(name, attributes=clean) as s:
        yield s


class TracingMiddleware:
    """One server span per HTTP request, continuing an incoming `traceparent`; passes through when tracing is off."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _state["enabled"]:
            await self.app(scope, receive, send)
            return
        propagate = importlib.import_module("opentelemetry.propagate")
        trace = importlib.import_module("opentelemetry.trace")
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        ctx = propagate.extract(carrier)
        method = scope.get("method", "GET")
        with _state["tracer"].start_as_current_span(f"{method} {scope.get('path', '')}", context=ctx,
                                                    kind=trace.SpanKind.SERVER) as s:
            s.set_attribute("http.request.method", method)
            s.set_attribute("url.path", scope.get("path", ""))

            async def send_wrapper(message: Message) -> None:
                if message["type"] == "http.response.start":
                    s.set_attribute("http.response.status_code", int(message["status"]))
                await send(message)

            try:
                await self.app(scope, receive, send_wrapper)
            finally:
                route = getattr(scope.get("route"), "path", None)
                if route:
                    s.update_name(f"{method} {route}")
                    s.set_attribute("http.route", route)


def instrument_database(db: Database) -> None:
    """A span per SQL statement on this database's engines (only when tracing is on)."""
    if not _state["enabled"] or getattr(db, "_traced", False):
        return
    from sqlalchemy import event

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not _state["enabled"]:
            return
        cm = _state["tracer"].start_as_current_span("db " + statement.split(None, 1)[0].upper(), attributes={
            "db.system": "postgresql", "db.statement": statement[:2000]})
        conn.info.setdefault("_otel_spans", []).append(cm)
        cm.__enter__()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        stack = conn.info.get("_otel_spans")
        if stack:
            stack.pop().__exit__(None, None, None)

    def on_error(exception_context: Any) -> None:
        stack = exception_context.connection.info.get("_otel_spans") if exception_context.connection else None
        if stack:
            err = exception_context.original_exception
            stack.pop().__exit__(type(err), err, None)

    engines = {id(db.engine): db.engine, id(db.read_engine): db.read_engine}
    for engine in engines.values():
        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)
        event.listen(engine.sync_engine, "handle_error", on_error)
    db._traced = True  # type: ignore[attr-defined]
