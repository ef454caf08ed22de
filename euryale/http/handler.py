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

Anything else - other query parameters, header/cookie/body parameters, generator dependencies, nested or scoped
dependencies, security scopes, `Response`/`BackgroundTasks` parameters, dependency overrides set on the app,
FastAPI's native telemetry on for the request - is left to FastAPI's own handler, at plan time or per request.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import params
from starlette.requests import Request
from starlette.responses import Response

# off: every request through FastAPI's own handler (A/B measurements, debugging)
ENABLED = True

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
# (parameter name or None, callable, names of its Request parameters)
Step = tuple[str | None, Callable[..., Awaitable[Any]], tuple[str, ...]]


def _is_plain_coroutine(call: Any) -> bool:
    return inspect.iscoroutinefunction(call) and not inspect.isasyncgenfunction(call)


def _no_extras(dependant: Any, *, query: bool = False) -> bool:
    """No parameter FastAPI would fill from something other than the Request (and no scopes or concurrency);
    with `query`, optional string query parameters are allowed."""
    if dependant.query_params and not (query and all(_optional_str(f) for f in dependant.query_params)):
        return False
    return not (dependant.header_params or dependant.cookie_params
                or dependant.body_params or dependant.websocket_param_name or dependant.response_param_name
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


def plan(dependant: Any) -> tuple[list[Step], list[tuple[str, str]], list[tuple[str, str]], tuple[str, ...]] | None:
    """The steps of a route FastAPI would solve trivially, or None when FastAPI's handler is needed."""
    if not _is_plain_coroutine(dependant.call) or not _no_extras(dependant, query=True):
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


def lean_handler(dependant: Any, standard: Handler, overrides_provider: Any) -> Handler | None:
    """A handler equivalent to FastAPI's `standard` one for `dependant`, or None when it cannot be one. The
    endpoint must return a `Response` (as `WireRoute`'s does): FastAPI's response-model serialization of other
    results is not reproduced."""
    planned = plan(dependant)
    if planned is None:
        return None
    steps, path, query, request_names = planned
    endpoint = dependant.call

    async def handle(request: Request) -> Response:
        if not ENABLED or "fastapi.telemetry" in request.scope or (
                overrides_provider is not None and getattr(overrides_provider, "dependency_overrides", None)):
            return await standard(request)
        values: dict[str, Any] = {}
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
