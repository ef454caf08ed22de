"""Glue between an HTTP request and the read engine: parsed query, list params, `fields` selection."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from euryale.errors import invalid_data
from euryale.http.json import JSONResponse
from euryale.http.query import ListParams, list_params, parse_qs
from euryale.query.engine import Resource, list_resource, retrieve_resource
from euryale.query.fields import FieldSelection


class WireRoute(APIRoute):
    """A route whose dict result is rendered by Euryale's orjson `JSONResponse` as is (Decimal → number,
    datetime → `...sssZ`), skipping FastAPI's response-model serialization (which would turn Decimals into
    strings). Use as `APIRouter(route_class=WireRoute)`."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["response_model"] = None
        original = endpoint

        @functools.wraps(original)
        async def wrapped(*args: Any, **kw: Any) -> Any:
            result = await original(*args, **kw)
            return result if isinstance(result, Response) else JSONResponse(result)

        super().__init__(path, wrapped, **kwargs)


MAX_INT = 2**31 - 1


@dataclass
class ReadRequest:
    """A parsed read: filters (`query`), pagination/order (`params`) and the field selection."""

    query: dict[str, Any]
    params: ListParams
    sel: FieldSelection


def read_request(request: Request, resource: Resource, *, store: bool, default_limit: int = 50) -> ReadRequest:
    """Parse `request`'s query string for `resource` (`locale` is a request-context key, never a filter)."""
    query = parse_qs(request.url.query)
    query.pop("locale", None)
    params = list_params(query, default_limit=default_limit)
    if store:
        params.with_deleted = False  # deleted records are never shown to storefronts
    for name in ("limit", "offset"):
        if getattr(params, name) > MAX_INT:
            raise invalid_data(f"Invalid request: Number must be less than or equal to {MAX_INT} ({name})")
    sel = resource.selection(params.fields, store=store)
    return ReadRequest(query=query, params=params, sel=sel)


async def list_envelope(request: Request, resource: Resource, key: str, *, store: bool, default_limit: int = 50,
                        ctx: dict[str, Any] | None = None, extra: Any = (),
                        read: ReadRequest | None = None) -> dict[str, Any]:
    """`{<key>: [...], count, offset, limit}` for a list route."""
    rr = read or read_request(request, resource, store=store, default_limit=default_limit)
    async with request.app.state.container.database().read() as conn:
        rows, count = await list_resource(conn, resource, query=rr.query, params=rr.params, sel=rr.sel, ctx=ctx,
                                          extra=extra)
    return {key: rows, "count": count, "offset": rr.params.offset, "limit": rr.params.limit}


async def retrieve_one(request: Request, resource: Resource, id: str, *, store: bool,
                       ctx: dict[str, Any] | None = None, extra: Any = (), label: str | None = None,
                       sel: FieldSelection | None = None) -> dict[str, Any]:
    """One record with the request's `fields`."""
    if sel is None:
        sel = read_request(request, resource, store=store).sel
    async with request.app.state.container.database().read() as conn:
        return await retrieve_resource(conn, resource, id=id, sel=sel, ctx=ctx, extra=extra, label=label)
