"""`POST /store/search` (Medusa 2.21.1+): the search engine's own results (hits, metadata, facets) for one query or
a batch of `queries`, on the indexes opted in for the store (module option `store_indexes`, Medusa's
`configureStoreSearch`). A product index is narrowed to published products in the publishable key's channels."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.api.common import Strict
from euryale.errors import not_allowed, not_found
from euryale.http.actors import optional_customer
from euryale.http.json import JSONResponse, json
from euryale.http.store_context import StoreContext, store_context

router = APIRouter()
MAX_QUERIES = 20
MAX_TAKE = 100
NO_MODULE = "The Search Module is not installed, so nothing can be searched."


class Pagination(Strict):
    skip: int | None = Field(default=None, ge=0)
    take: int | None = Field(default=None, ge=0, le=MAX_TAKE)  # 0: InstantSearch's facet-only search
    order: dict[str, Literal["ASC", "DESC"]] | None = None
    cursor: str | None = None


class SearchOptions(Strict):
    attributes_to_search_on: list[str] | None = None
    match_strategy: Literal["all", "any", "last"] | None = None
    typo_tolerance: bool | None = None
    facets: list[str | dict[str, Any]] | None = None
    disjunctive_facets: bool | None = None
    highlight: bool | dict[str, Any] | None = None
    distinct: str | None = None
    min_score: float | None = None
    include_score: bool | None = None
    locales: list[str] | None = None
    vector: dict[str, Any] | None = None
    count: Literal["estimated", "exact", "none"] | None = None


class SearchQuery(Strict):
    entity: str = Field(min_length=1)
    fields: list[str] | None = None
    filters: dict[str, Any] | None = None
    pagination: Pagination | None = None
    search_options: SearchOptions | None = None


class SearchBatch(Strict):
    queries: list[SearchQuery] = Field(min_length=1, max_length=MAX_QUERIES)


def _scope(definition: Any, ctx: StoreContext) -> dict[str, Any]:
    """What a store caller may see of a product index: published products of the key's sales channels."""
    if definition.entity != "product":
        return {}
    scope: dict[str, Any] = {}
    status = definition.by_name.get("status")
    if status is not None and status.filterable:
        scope["status"] = "published"
    channels = definition.by_name.get("sales_channel_ids")
    if channels is not None and channels.filterable:
        scope["sales_channel_ids"] = {"$in": ctx.require_sales_channels()}
    return scope


@router.post("/store/search")
async def store_search(body: SearchBatch | SearchQuery, request: Request,
                       ctx: StoreContext = Depends(store_context), _: Any = Depends(optional_customer)
                       ) -> JSONResponse:
    """Run each query on its index; an index not opted in answers 404 like one that does not exist."""
    container = request.app.state.container
    if not container.has("search"):
        raise not_allowed(NO_MODULE)
    search = container.resolve("search")
    queries = body.queries if isinstance(body, SearchBatch) else [body]
    plans = []
    for query in queries:
        if query.entity not in search.store_indexes:
            raise not_found(f'No search index named "{query.entity}"')
        definition = search.get_index(query.entity)
        plans.append((query, _scope(definition, ctx)))

    async def run(conn: AsyncConnection) -> list[Any]:
        return [await search.search(conn, query.entity, query.model_dump(exclude_none=True), scope)
                for query, scope in plans]

    return json({"results": await container.database().catalog(run)})
