"""Helpers shared by the logistics handlers (stock, fulfillment, tax, promotions): strict bodies, the transaction
of a request, re-reads through the query resources, Medusa's delete envelope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.api.common import AddRemove, Strict, deleted
from euryale.query.engine import Resource
from euryale.query.request import retrieve_one


@asynccontextmanager
async def transaction(request: Request) -> AsyncIterator[AsyncConnection]:
    """The request's write transaction (all modules' rows commit or roll back together)."""
    async with request.app.state.container.database().transaction() as conn:
        yield conn


def actor_of(request: Request) -> str | None:
    """The acting user/key id left by the auth dependency (for `created_by` columns)."""
    ctx = getattr(request.state, "auth_context", None)
    return getattr(ctx, "actor_id", None) or None


async def reread(request: Request, resource: Resource, key: str, id: str) -> dict[str, Any]:
    """`{key: <record with the request's fields>}` after a write."""
    return {key: await retrieve_one(request, resource, id, store=False)}


__all__ = ["AddRemove", "Strict", "actor_of", "deleted", "reread", "transaction"]
