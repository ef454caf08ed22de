"""CORS per route group (`/store`, `/admin`, `/auth`), each with its own origin list, credentials on (as Medusa)."""

from __future__ import annotations

import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Origins = list[str | re.Pattern[str]]


def origin_allowed(origin: str, allowed: Origins) -> bool:
    for entry in allowed:
        if isinstance(entry, re.Pattern):
            if entry.search(origin):
                return True
        elif entry == "*" or entry == origin:
            return True
    return False


class GroupCORSMiddleware:
    """Applies the CORS list of the route group a request falls in; other paths get no CORS headers."""

    def __init__(self, app: ASGIApp, groups: dict[str, Origins]) -> None:
        self.app = app
        self.groups = groups

    def group_of(self, path: str) -> Origins | None:
        """The CORS origins of the route group `path` falls in (None: no group, no CORS headers)."""
        for prefix, origins in self.groups.items():
            if path == prefix or path.startswith(prefix + "/"):
                return origins
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        allowed = self.group_of(scope["path"])
        if origin is None or allowed is None or not origin_allowed(origin, allowed):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            response = PlainTextResponse("", status_code=204, headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Allow-Methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
                "Access-Control-Allow-Headers": headers.get("access-control-request-headers", "*"),
                "Access-Control-Max-Age": "600",
                "Vary": "Origin, Access-Control-Request-Headers",
            })
            await response(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h["Access-Control-Allow-Origin"] = origin
                h["Access-Control-Allow-Credentials"] = "true"
                h.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)
