"""Shared bits of the order-operations admin routes: the admin actor dependency, list params, DB access."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any, cast

from fastapi import Request

from euryale.db import Database
from euryale.http.auth import (
    AuthContext,
    UnauthorizedError,
    bearer_token,
    config_of,
    context_from_payload,
    decode_token,
)
from euryale.http.query import ListParams, as_list, list_params, parse_qs


async def _bearer_user(request: Request) -> AuthContext:
    """Fallback while `euryale.http.actors` is absent: a bearer JWT whose actor is a user."""
    token = bearer_token(request)
    if token is None:
        raise UnauthorizedError()
    ctx = context_from_payload(decode_token(config_of(request), token))
    if ctx.actor_type != "user" or not ctx.actor_id:
        raise UnauthorizedError()
    return ctx


def _resolve_require_user() -> Callable[..., Awaitable[Any]]:
    # the auth engineer's dependency (bearer, session cookie, secret API key) wins once it exists
    try:
        module = importlib.import_module("euryale.http.actors")
    except ImportError:
        return _bearer_user
    return cast(Callable[..., Awaitable[Any]], getattr(module, "require_user", _bearer_user))


require_user = _resolve_require_user()


def actor_id(ctx: Any) -> str | None:
    """The acting user's id, whatever shape the auth dependency returns."""
    value = getattr(ctx, "actor_id", None)
    if value is None and isinstance(ctx, dict):
        value = ctx.get("actor_id")
    return str(value) if value else None


def db_of(request: Request) -> Database:
    db: Database = request.app.state.container.database()
    return db


def query_of(request: Request) -> dict[str, Any]:
    return parse_qs(request.url.query)


def paging(query: dict[str, Any], *, default_limit: int = 20) -> ListParams:
    return list_params(query, default_limit=default_limit)


def filter_values(query: dict[str, Any], *keys: str) -> dict[str, list[str]]:
    """`?id=a&id=b` / `?id[]=a` / `?id=a,b` → `{"id": ["a", "b"]}` for the given keys."""
    return {k: as_list(query[k]) for k in keys if k in query}


async def run_flow(request: Request, workflow_id: str, **kwargs: Any) -> Any:
    """Run an order-operations workflow (see `euryale.flows.order.workflows`) and return its result."""
    from euryale.flows.order import workflows

    return await workflows.run(request.app.state.container, workflow_id, **kwargs)
