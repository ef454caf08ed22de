"""One pure-ASGI middleware for what every request needs around the application: request id, CORS per route
group, Prometheus metrics, the tracing span (when on), the access-log line, and the scope in which the request's
read blocks pass a connection on (`euryale.db.engine.RequestConnections`), and JSON bodies read and checked once
(`euryale.http.json_body`).

It does, in the same order and with the same output, what a stack of four middlewares did (request id + log
outermost, then metrics, tracing, CORS): one coroutine layer and one `send` wrapper per request instead of four,
one pass over the request headers, and the labelled metric children kept instead of looked up by keyword on each
request (`labels(...)` validates and locks: ~10 us a request). The separate middlewares stay available
(:class:`euryale.http.metrics.MetricsMiddleware`, :class:`euryale.http.cors.GroupCORSMiddleware`,
:class:`euryale.tracing.TracingMiddleware`) for applications that want one of them alone.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from euryale import metrics, tracing
from euryale.db.engine import REQUEST_CONNECTIONS, RequestConnections
from euryale.http import json_body
from euryale.http.cors import GroupCORSMiddleware, Origins, origin_allowed

log = structlog.get_logger("euryale.http")

# labelled children by (method, route template, status): methods come from clients, so the memo is bounded
_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_CHILDREN_MAX = 4096
_CORS_NAMES = frozenset((b"access-control-allow-origin", b"access-control-allow-credentials", b"vary"))


def _children(method: str, template: str, status: int) -> tuple[Any, Any]:
    key = (method, template, status)
    found = _CHILDREN.get(key)
    if found is None:
        found = (metrics.HTTP_REQUESTS.labels(method=method, route=template, status=str(status)),
                 metrics.HTTP_LATENCY.labels(method=method, route=template))
        if len(_CHILDREN) >= _CHILDREN_MAX:
            _CHILDREN.clear()
        _CHILDREN[key] = found
    return found


def _add_cors_headers(message: Message, origin: str) -> None:
    """What GroupCORSMiddleware sets on a response; appended directly when the response has none of these headers
    already (always, for Euryale's own responses), else through MutableHeaders to replace/merge them the same way."""
    headers = message["headers"]
    if not isinstance(headers, list) or any(name in _CORS_NAMES for name, _ in headers):
        h = MutableHeaders(scope=message)
        h["Access-Control-Allow-Origin"] = origin
        h["Access-Control-Allow-Credentials"] = "true"
        h.add_vary_header("Origin")
        return
    headers.append((b"access-control-allow-origin", origin.encode("latin-1")))
    headers.append((b"access-control-allow-credentials", b"true"))
    headers.append((b"vary", b"Origin"))


class RequestMiddleware:
    """Request id (honours `x-request-id`), CORS of the path's route group, request count/latency/in-flight by
    route template, a server span when tracing is on, and one access-log line with route, status and duration."""

    def __init__(self, app: ASGIApp, cors_groups: dict[str, Origins]) -> None:
        self.app = app
        # the rare paths (preflight answers, requests while tracing is on) go through the single-purpose
        # middlewares, nested as the stack had them (tracing outside CORS)
        self.cors = GroupCORSMiddleware(app, cors_groups)
        self.traced = tracing.TracingMiddleware(self.cors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = origin = content_type = None
        preflight = False
        for name, value in scope["headers"]:  # the first of each, as Headers.get
            if name == b"content-type":
                if content_type is None:
                    content_type = value.decode("latin-1")
            elif name == b"x-request-id":
                if request_id is None:
                    request_id = value.decode("latin-1")[:200]
            elif name == b"origin":
                if origin is None:
                    origin = value.decode("latin-1")
            elif name == b"access-control-request-method":
                preflight = True
        request_id = request_id or str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        request_id_header = (b"x-request-id", request_id.encode("latin-1"))
        started = time.perf_counter()
        status = 500
        metrics.HTTP_IN_FLIGHT.inc()
        inner: ASGIApp = self.app
        cors_origin: str | None = None
        if origin is not None:
            allowed = self.cors.group_of(scope["path"])
            if allowed is not None and origin_allowed(origin, allowed):
                if preflight and scope["method"] == "OPTIONS":
                    inner = self.cors
                else:
                    cors_origin = origin
        if tracing.enabled():
            inner, cors_origin = self.traced, None

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if cors_origin is not None:
                    _add_cors_headers(message, cors_origin)
                message.setdefault("headers", []).append(request_id_header)
            await send(message)

        if content_type is not None and inner is not self.cors and json_body.is_json(content_type):
            receive, refusal = await json_body.read(scope, receive)
            if refusal is not None:
                inner = refusal
        shared = RequestConnections()
        shared_token = REQUEST_CONNECTIONS.set(shared)
        try:
            await inner(scope, receive, send_wrapper)
        finally:
            REQUEST_CONNECTIONS.reset(shared_token)
            await shared.release()  # a read connection the request kept and did not use
            elapsed = time.perf_counter() - started
            metrics.HTTP_IN_FLIGHT.dec()
            route = getattr(scope.get("route"), "path", None)
            method = scope.get("method", "GET")
            counter, latency = _children(method, route or "<unmatched>", status)
            counter.inc()
            latency.observe(elapsed)
            log.info("request", request_id=request_id, method=scope["method"], path=scope["path"],
                     route=route, status=status, duration_ms=round(elapsed * 1000, 2))
