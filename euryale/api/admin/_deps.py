"""Shared bits of the order-operations admin routes: the admin actor dependency, list params, DB access."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from euryale.db import Database
from euryale.http.actors import require_user
from euryale.http.query import ListParams, as_list, list_params, parse_qs

__all__ = ["actor_id", "db_of", "filter_values", "paging", "query_of", "require_user", "run_flow"]


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
