"""`GET /metrics` (Prometheus text format) and the ASGI middleware that counts and times requests by route."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import euryale
from euryale import metrics

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def get_metrics(request: Request) -> Response:
    """Prometheus scrape endpoint of this process."""
    container = getattr(request.app.state, "container", None)
    if container is not None:
        metrics.set_process_info(euryale.__version__, container.mode)
        if container.db is not None:
            metrics.track_database(container.db)
    body = await metrics.render(container)
    return Response(body, media_type=metrics.CONTENT_TYPE)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template; unknown paths share one `<unmatched>` label."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        metrics.HTTP_IN_FLIGHT.inc()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            metrics.HTTP_IN_FLIGHT.dec()
            route = scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            method = scope.get("method", "GET")
            metrics.HTTP_REQUESTS.labels(method=method, route=template, status=str(status)).inc()
            metrics.HTTP_LATENCY.labels(method=method, route=template).observe(time.perf_counter() - started)
