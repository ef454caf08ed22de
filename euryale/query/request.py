"""Glue between an HTTP request and the read engine: parsed query, list params, `fields` selection."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import fastapi.routing
from fastapi import Request
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.convertors import PathConvertor, StringConvertor
from starlette.responses import Response
from starlette.routing import compile_path

from euryale.db import Database
from euryale.errors import invalid_data
from euryale.http.handler import lean_handler
from euryale.http.json import RouteEncoder
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
        encoder = RouteEncoder()  # str-keys-only answers encoded without OPT_NON_STR_KEYS (same bytes, faster)

        @functools.wraps(original)
        async def wrapped(*args: Any, **kw: Any) -> Any:
            result = await original(*args, **kw)
            return result if isinstance(result, Response) else encoder.response(result)

        super().__init__(path, wrapped, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, or the lean one (`euryale.http.handler`) when the route only needs the Request, str
        path parameters and Request-only dependencies. FastAPI builds one handler per inclusion of the route, for
        the inclusion's dependant (router-level dependencies of the include added): that one is used here."""
        standard = super().get_route_handler()
        target: Any = self
        context_var = getattr(fastapi.routing, "_effective_route_context_var", None)
        effective = context_var.get() if context_var is not None else None
        if effective is not None and getattr(effective, "original_route", None) is self:
            target = effective
        dependant = getattr(target, "dependant", None)
        if dependant is None or not _str_path_params(getattr(target, "path", None)):
            return standard
        _merge_repeated_dependencies(dependant)
        lean = lean_handler(dependant, standard, getattr(target, "dependency_overrides_provider", None),
                            body_field=getattr(target, "body_field", None),
                            embedded=bool(getattr(target, "_embed_body_fields", False)))
        return lean if lean is not None else standard


def _str_path_params(path: Any) -> bool:
    """Whether every path parameter is matched as a string (an `{id:int}` one would reach FastAPI's validation of
    the handler's `str` annotation as an int, a 422 the lean handler would not raise)."""
    if not isinstance(path, str):
        return False
    _, _, convertors = compile_path(path)
    return all(isinstance(c, StringConvertor | PathConvertor) for c in convertors.values())


def _merge_repeated_dependencies(dependant: Any) -> None:
    """A router-level `Depends(store_context)` and the handler's own `ctx = Depends(store_context)` are one cached
    value, but FastAPI still solves the second (a recursive `solve_dependencies`, ~10 us) to find it in the cache:
    the repeat is dropped and its parameter name given to the first, so the value is computed at the same point
    and any error is raised in the same order. Only plain cached dependencies without security scopes merge."""
    kept: list[Any] = []
    first: dict[Any, int] = {}
    for dep in dependant.dependencies:
        mergeable = dep.use_cache and not dep.own_oauth_scopes and not dep.parent_oauth_scopes \
            and not dep.security_scopes_param_name
        key = (dep.call, dep.scope)
        at = first.get(key) if mergeable else None
        if at is None:
            if mergeable:
                first[key] = len(kept)
            kept.append(dep)
        elif dep.name is not None:
            if kept[at].name is not None and kept[at].name != dep.name:
                kept.append(dep)  # two parameters of one value: left as FastAPI resolves them
                continue
            kept[at] = dep  # the same sub-dependant (same call), now also naming the handler's parameter
    dependant.dependencies[:] = kept


MAX_INT = 2**31 - 1


@dataclass
class ReadRequest:
    """A parsed read: filters (`query`), pagination/order (`params`) and the field selection."""

    query: dict[str, Any]
    params: ListParams
    sel: FieldSelection
    # the store's price context keys (`region_id`, `cart_id`...), once `read_context` has taken them out of `query`
    price_params: dict[str, Any] | None = None


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


T = TypeVar("T")


async def _reading(request: Request, store: bool, read: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """`read(conn)` for a generic read: store routes read the catalog (the replica may answer, the primary again
    if it fails under the read), admin ones the primary."""
    db: Database = request.app.state.container.database()
    if store:
        return await db.catalog(read)
    async with db.read() as conn:
        return await read(conn)


async def list_envelope(request: Request, resource: Resource, key: str, *, store: bool, default_limit: int = 50,
                        ctx: dict[str, Any] | None = None, extra: Any = (),
                        read: ReadRequest | None = None) -> dict[str, Any]:
    """`{<key>: [...], count, offset, limit}` for a list route."""
    rr = read or read_request(request, resource, store=store, default_limit=default_limit)
    rows, count = await _reading(request, store, lambda conn: list_resource(
        conn, resource, query=rr.query, params=rr.params, sel=rr.sel, ctx=ctx, extra=extra))
    return {key: rows, "count": count, "offset": rr.params.offset, "limit": rr.params.limit}


async def retrieve_one(request: Request, resource: Resource, id: str, *, store: bool,
                       ctx: dict[str, Any] | None = None, extra: Any = (), label: str | None = None,
                       sel: FieldSelection | None = None) -> dict[str, Any]:
    """One record with the request's `fields`."""
    if sel is None:
        sel = read_request(request, resource, store=store).sel
    chosen = sel
    return await _reading(request, store, lambda conn: retrieve_resource(
        conn, resource, id=id, sel=chosen, ctx=ctx, extra=extra, label=label))
