"""A lean request handler for routes FastAPI would solve trivially: what `WireRoute` answers with on most reads.

FastAPI's handler spends ~100 us of CPU on every request before and after the endpoint, whatever it has to do:
for each dependency a recursive `solve_dependencies` (a `Response` built, path/query/header/cookie parameters
looked up and validated even when there are none, the callable re-classified, the dependency cache keyed), plus
the body read, telemetry hooks and endpoint-context bookkeeping. For a route whose only inputs are the `Request`,
`str` path parameters, optional `str` query parameters (`fields: str | None = None`) and dependencies that take
only the `Request` (every `store_context`, `optional_customer`, `require_user`... route), all that work has one
possible outcome, computed here directly: each dependency called once per request in FastAPI's order (a repeated
one reuses its value, as FastAPI's dependency cache does), path parameters passed as matched, an optional query
parameter as `query_params.get(name)`, the endpoint awaited. Errors raised by a dependency or the endpoint
propagate unchanged, as they do from FastAPI's handler.

A route may also take one JSON body model (`body: ItemBody`, not embedded, not a form): when the request says
`application/json`, the document parsed by `euryale.http.json_body` (orjson; parsed here when the app has no
request middleware) validates as FastAPI validates it (the route's body field, `loc=("body",)`) and is passed as
FastAPI would pass it. Every other case - no or another content type, an empty body, a document `json_body` does
not accept, a body that fails validation, a failure while reading it - is answered by FastAPI's handler from the
body as read, so that each error keeps FastAPI's status, shape and order (a bad body before the dependencies, a
body validation error after them). A document `json_body` accepts reads the same with FastAPI's `json.loads`.

Anything else - other query parameters, header/cookie parameters, generator dependencies, nested or scoped
dependencies, security scopes, `Response`/`BackgroundTasks` parameters, dependency overrides set on the app,
FastAPI's native telemetry on for the request - is left to FastAPI's own handler, at plan time or per request.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, NoReturn

from fastapi import params
from starlette.requests import Request
from starlette.responses import Response

from euryale.http.json_body import JSON_BODY, acceptable, is_json

# off: every request through FastAPI's own handler (A/B measurements, debugging)
ENABLED = True
_MISSING = object()

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
# (parameter name or None, callable, names of its Request parameters)
Step = tuple[str | None, Callable[..., Awaitable[Any]], tuple[str, ...]]


def _is_plain_coroutine(call: Any) -> bool:
    return inspect.iscoroutinefunction(call) and not inspect.isasyncgenfunction(call)


def _no_extras(dependant: Any, *, query: bool = False, body: Any = None) -> bool:
    """No parameter FastAPI would fill from something other than the Request (and no scopes or concurrency);
    with `query`, optional string query parameters are allowed; with `body`, that one body field."""
    if dependant.query_params and not (query and all(_optional_str(f) for f in dependant.query_params)):
        return False
    if dependant.body_params and not (body is not None and dependant.body_params == [body]):
        return False
    return not (dependant.header_params or dependant.cookie_params
                or dependant.websocket_param_name or dependant.response_param_name
                or dependant.background_tasks_param_name or dependant.security_scopes_param_name
                or dependant.own_oauth_scopes or dependant.parent_oauth_scopes
                or getattr(dependant, "concurrency", None) is not None)


def _request_names(dependant: Any) -> tuple[str, ...]:
    return tuple(n for n in (dependant.request_param_name, dependant.http_connection_param_name) if n)


def _plain_str(field: Any) -> bool:
    """A path parameter FastAPI validates as a plain `str` (returned as matched)."""
    info = getattr(field, "field_info", None)
    return info is not None and info.annotation is str and not info.metadata and field.alias == field.name


def _optional_str(field: Any) -> bool:
    """A `name: str | None = None` query parameter: FastAPI passes the last value sent under its name (as
    `request.query_params.get`) or None, and validates nothing else."""
    info = getattr(field, "field_info", None)
    return (type(info) is params.Query and info.annotation == (str | None) and info.default is None
            and not info.metadata and field.alias == field.name and info.validation_alias is None
            and not info.validate_default)


def _json_body(field: Any, embedded: bool) -> bool:
    """A body FastAPI validates whole as one JSON value: one field of the `Body` kind (not a form), not embedded."""
    return field is not None and not embedded and type(getattr(field, "field_info", None)) is params.Body


def plan(dependant: Any, body: Any = None) -> tuple[list[Step], list[tuple[str, str]], list[tuple[str, str]],
                                                    tuple[str, ...]] | None:
    """The steps of a route FastAPI would solve trivially, or None when FastAPI's handler is needed. `body`: the
    route's body field when it is one whole JSON value (`_json_body`)."""
    if not _is_plain_coroutine(dependant.call) or not _no_extras(dependant, query=True, body=body):
        return None
    if not all(_plain_str(f) for f in dependant.path_params):
        return None
    steps: list[Step] = []
    for sub in dependant.dependencies:
        if (sub.dependencies or sub.path_params or not _no_extras(sub) or not sub.use_cache
                or not _is_plain_coroutine(sub.call)):
            return None
        steps.append((sub.name, sub.call, _request_names(sub)))
    path = [(f.name, f.alias) for f in dependant.path_params]
    query = [(f.name, f.alias) for f in dependant.query_params]
    return steps, path, query, _request_names(dependant)


def _replaying(request: Request, failure: BaseException) -> Request:
    """`request` whose body read raises `failure` again, for FastAPI's handler to answer as it would have."""
    async def receive() -> NoReturn:
        raise failure
    return Request(request.scope, receive)


async def _read_body(request: Request, field: Any) -> tuple[bool, Any, Request]:
    """(parsed, the validated body, the request to hand FastAPI otherwise). The document comes parsed from
    `euryale.http.json_body` when the app has the request middleware."""
    data = request.scope.get(JSON_BODY, _MISSING)
    if data is _MISSING:
        try:
            raw = await request.body()
        except Exception as exc:  # FastAPI's handler maps it (400, 413, a disconnect)
            return False, None, _replaying(request, exc)
        if not raw or not is_json(request.headers.get("content-type")):
            return False, None, request
        ok, data = acceptable(raw)
        if not ok or data is None:
            return False, None, request
    value, errors = field.validate(data, {}, loc=("body",))
    return not errors, value, request


def lean_handler(dependant: Any, standard: Handler, overrides_provider: Any, *, body_field: Any = None,
                 embedded: bool = False) -> Handler | None:
    """A handler equivalent to FastAPI's `standard` one for `dependant`, or None when it cannot be one. The
    endpoint must return a `Response` (as `WireRoute`'s does): FastAPI's response-model serialization of other
    results is not reproduced. `body_field` / `embedded`: the route's (FastAPI's `APIRoute` attributes)."""
    body = body_field if _json_body(body_field, embedded) else None
    planned = plan(dependant, body)
    if planned is None:
        return None
    steps, path, query, request_names = planned
    endpoint = dependant.call
    body_name = body.name if body is not None and dependant.body_params else None

    async def handle(request: Request) -> Response:
        if not ENABLED or "fastapi.telemetry" in request.scope or (
                overrides_provider is not None and getattr(overrides_provider, "dependency_overrides", None)):
            return await standard(request)
        values: dict[str, Any] = {}
        if body_name is not None:
            # read and checked before the dependencies run, as FastAPI's handler does
            parsed, values[body_name], as_read = await _read_body(request, body)
            if not parsed:
                return await standard(as_read)
        solved: dict[Any, Any] = {}
        for name, call, names in steps:
            if call in solved:
                value = solved[call]
            else:
                value = solved[call] = await call(**{n: request for n in names})
            if name is not None:
                values[name] = value
        if path:
            params = request.path_params
            for name, alias in path:
                values[name] = params[alias]
        if query:
            query_params = request.query_params
            for name, alias in query:
                values[name] = query_params.get(alias)
        for name in request_names:
            values[name] = request
        response: Response = await endpoint(**values)
        return response

    return handle
