"""Helpers shared by the logistics handlers (stock, fulfillment, tax, promotions): strict bodies, the transaction
of a request, re-reads through the query resources, Medusa's delete envelope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.api.common import AddRemove, Strict, deleted
from euryale.flows._workflow import workflow_transaction
from euryale.query.engine import Resource
from euryale.query.request import retrieve_one


@asynccontextmanager
async def transaction(request: Request, workflow_id: str | None = None) -> AsyncIterator[AsyncConnection]:
    """The request's write transaction (all modules' rows commit or roll back together).

    With `workflow_id` (Medusa's id of the route's workflow) the block runs as that workflow's step: a recorded
    execution whose input is the route's path parameters and body, events held until it succeeds.
    """
    container = request.app.state.container
    if workflow_id is None:
        async with container.database().transaction() as conn:
            yield conn
        return
    async with workflow_transaction(container, workflow_id, await _request_input(request)) as conn:
        yield conn


async def _request_input(request: Request) -> dict[str, Any]:
    data: dict[str, Any] = dict(request.path_params)
    if await request.body():  # already read and cached by the route's body parsing
        try:
            data["body"] = await request.json()
        except ValueError:
            pass
    return data


def actor_of(request: Request) -> str | None:
    """The acting user/key id left by the auth dependency (for `created_by` columns)."""
    ctx = getattr(request.state, "auth_context", None)
    return getattr(ctx, "actor_id", None) or None


async def reread(request: Request, resource: Resource, key: str, id: str) -> dict[str, Any]:
    """`{key: <record with the request's fields>}` after a write."""
    return {key: await retrieve_one(request, resource, id, store=False)}


__all__ = ["AddRemove", "Strict", "actor_of", "deleted", "reread", "transaction"]
