"""Admin search (Medusa 2.21): `GET /admin/search` (grouped results per entity), `GET /admin/search-indexes`,
`DELETE /admin/search-indexes/{id}`, `POST /admin/search-indexes/{id}/reindex`.

Entities with a search index are answered from it; the others (and every entity when the search module is
disabled) by Medusa's fallback registry: a case-insensitive match of `q` on each entity's text fields, one
statement per entity (count included, as a window).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy import Table, cast, func, or_, select
from sqlalchemy import Text as SqlText
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.api.admin._deps import db_of, query_of, require_user
from euryale.api.common import Strict
from euryale.db.schema import metadata
from euryale.errors import invalid_data, not_found
from euryale.flows.search import delete_search_index, reindex_search_indexes
from euryale.http.json import JSONResponse, json
from euryale.http.query import as_list

router = APIRouter(dependencies=[Depends(require_user)])
DEFAULT_TAKE = 20
MAX_TAKE = 100


@dataclass(frozen=True)
class FallbackEntity:
    """One entity of Medusa's admin search registry: its table, returned fields, `q` columns, fixed filters."""

    name: str
    table: str
    fields: tuple[str, ...]
    matched: tuple[str, ...]
    where: dict[str, Any] = field(default_factory=dict)


FALLBACK_ENTITIES: tuple[FallbackEntity, ...] = (
    FallbackEntity("order", "order", ("id", "display_id", "email"), ("display_id", "email"),
                   {"is_draft_order": False}),
    FallbackEntity("product", "product", ("id", "title", "thumbnail"), ("title", "handle", "subtitle")),
    FallbackEntity("product_variant", "product_variant", ("id", "title", "sku", "product_id"), ("title", "sku")),
    FallbackEntity("product_category", "product_category", ("id", "name"), ("name", "handle")),
    FallbackEntity("product_collection", "product_collection", ("id", "title"), ("title", "handle")),
    FallbackEntity("customer", "customer", ("id", "email", "first_name", "last_name"),
                   ("email", "first_name", "last_name")),
    FallbackEntity("customer_group", "customer_group", ("id", "name"), ("name",)),
    FallbackEntity("inventory_item", "inventory_item", ("id", "title", "sku"), ("title", "sku")),
    FallbackEntity("promotion", "promotion", ("id", "code", "status"), ("code",)),
    FallbackEntity("campaign", "promotion_campaign", ("id", "name"), ("name",)),
    FallbackEntity("price_list", "price_list", ("id", "title"), ("title",)),
    FallbackEntity("user", "user", ("id", "email", "first_name", "last_name"), ("email", "first_name", "last_name")),
    FallbackEntity("region", "region", ("id", "name"), ("name",)),
    FallbackEntity("tax_region", "tax_region", ("id", "country_code", "province_code"),
                   ("country_code", "province_code")),
    FallbackEntity("return_reason", "return_reason", ("id", "label", "value"), ("label", "value")),
    FallbackEntity("sales_channel", "sales_channel", ("id", "name"), ("name",)),
    FallbackEntity("product_type", "product_type", ("id", "value"), ("value",)),
    FallbackEntity("product_tag", "product_tag", ("id", "value"), ("value",)),
    FallbackEntity("stock_location", "stock_location", ("id", "name"), ("name",)),
    FallbackEntity("shipping_profile", "shipping_profile", ("id", "name"), ("name",)),
    FallbackEntity("publishable_api_key", "api_key", ("id", "title", "redacted"), ("title", "redacted"),
                   {"type": "publishable"}),
    FallbackEntity("secret_api_key", "api_key", ("id", "title", "redacted"), ("title", "redacted"),
                   {"type": "secret"}),
)
FALLBACK_BY_NAME = {e.name: e for e in FALLBACK_ENTITIES}


def _search_module(request: Request) -> Any | None:
    container = request.app.state.container
    return container.resolve("search") if container.has("search") else None


def _int_param(query: dict[str, Any], key: str, default: int, *, minimum: int, maximum: int | None) -> int:
    raw = query.get(key)
    if raw is None:
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise invalid_data(f"Invalid request: Expected type: 'number' for field '{key}', got: 'string'") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">={minimum}" if value < minimum else f"<={maximum}"
        raise invalid_data(f"Invalid request: Too {'small' if value < minimum else 'big'}: expected number "
                           f"to be {bound} for field '{key}'")
    return value


async def _fallback(conn: AsyncConnection, entity: FallbackEntity, q: str | None, skip: int,
                    take: int) -> dict[str, Any]:
    table: Table = metadata.tables[entity.table]
    conditions: list[Any] = [table.c[k] == v for k, v in entity.where.items()]
    if "deleted_at" in table.c:
        conditions.append(table.c.deleted_at.is_(None))
    if q:
        term = q.lstrip("#") if entity.name == "order" else q
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(*[cast(table.c[c], SqlText).ilike(pattern) for c in entity.matched]))
    rows = (await conn.execute(
        select(*[table.c[f] for f in entity.fields], func.count().over().label("_total"))
        .where(*conditions).order_by(table.c.created_at.desc(), table.c.id).offset(skip).limit(take))).all()
    count = int(rows[0]._total) if rows else int((await conn.execute(
        select(func.count()).select_from(table).where(*conditions))).scalar_one()) if skip else 0
    return {"entity": entity.name, "data": [{f: row._mapping[f] for f in entity.fields} for row in rows],
            "count": count, "offset": skip, "limit": take}


@router.get("/admin/search")
async def admin_search(request: Request) -> JSONResponse:
    """Search across entities; results grouped (and paginated) per entity, in the order requested."""
    query = query_of(request)
    unknown = sorted(set(query) - {"q", "entity", "limit", "offset"})
    if unknown:
        raise invalid_data(f"Invalid request: Unrecognized fields: '{', '.join(unknown)}'")
    q = query.get("q")
    if q is not None and not isinstance(q, str):
        raise invalid_data("Invalid request: Expected type: 'string' for field 'q', got: 'object'")
    requested = [e.strip() for raw in (as_list(query["entity"]) if "entity" in query else [])
                 for e in str(raw).split(",") if e.strip()]
    skip = _int_param(query, "offset", 0, minimum=0, maximum=None)
    take = _int_param(query, "limit", DEFAULT_TAKE, minimum=1, maximum=MAX_TAKE)
    search = _search_module(request)
    indexed = set(search.definitions) if search is not None else set()
    entities = requested or (sorted(indexed) if indexed else [e.name for e in FALLBACK_ENTITIES])
    for name in entities:
        if name not in indexed and name not in FALLBACK_BY_NAME:
            raise not_found(f'No search entity registered for "{name}". Registered entities: '
                            f'{", ".join(sorted(indexed | set(FALLBACK_BY_NAME)))}')
    results: list[dict[str, Any]] = []
    async with db_of(request).read() as conn:
        for name in entities:
            if search is not None and name in indexed:
                definition = search.get_index(name)
                found = await search.search(conn, name, {
                    "fields": definition.retrievable_fields(), "filters": {"q": q} if q else {},
                    "pagination": {"skip": skip, "take": take}})
                results.append({"entity": name, "data": [hit["document"] for hit in found["hits"]],
                                "count": found["metadata"]["count"] or 0, "offset": skip, "limit": take})
            else:
                results.append(await _fallback(conn, FALLBACK_BY_NAME[name], q, skip, take))
    return json({"results": results})


@router.get("/admin/search-indexes")
async def list_search_indexes(request: Request) -> JSONResponse:
    """Registered indexes, their status and fields; `enabled: false` without the search module."""
    search = _search_module(request)
    if search is None:
        return json({"search_indexes": [], "enabled": False})
    async with db_of(request).read() as conn:
        return json({"search_indexes": await search.list_indexes(conn), "enabled": True})


def _require_search(request: Request, index: str) -> Any:
    search = _search_module(request)
    if search is None:
        raise not_found("The Search Module is not enabled")
    search.get_index(index)
    return search


@router.delete("/admin/search-indexes/{index_id}")
async def delete_index(index_id: str, request: Request) -> JSONResponse:
    """Drop an index' documents; the next product event (or a reindex) rebuilds it."""
    _require_search(request, index_id)
    deleted = await delete_search_index(request.app.state.container, index=index_id)
    return json({"id": index_id, "object": "search_index", "deleted": True, "deleted_versions": deleted})


class ReindexBody(Strict):
    since: str | None = None
    filters: dict[str, Any] | None = None
    strategy: str | None = Field(default=None, pattern="^(swap|in_place)$")


@router.post("/admin/search-indexes/{index_id}/reindex")
async def reindex(index_id: str, request: Request, body: ReindexBody | None = None) -> JSONResponse:
    """Rebuild an index from its source (202 with the execution id as `job_id`)."""
    _require_search(request, index_id)
    job_id = await reindex_search_indexes(request.app.state.container, indexes=[index_id])
    return json({"job_id": job_id, "indexes": [index_id]}, status_code=202)
