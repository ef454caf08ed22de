"""Admin collections, product categories, tags, types and standalone product options."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from euryale.api._logistics import transaction
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.http.actors import require_user
from euryale.modules.product import service as products
from euryale.modules.product.models import product_option_value
from euryale.query.cache import bump_after_write
from euryale.query.catalog import (
    category_resource,
    collection_resource,
    option_resource,
    option_value_resource,
    tag_resource,
    type_resource,
)
from euryale.query.engine import Resource
from euryale.query.request import WireRoute, list_envelope, retrieve_one

router = APIRouter(dependencies=[Depends(bump_after_write, scope="function"), Depends(require_user)], route_class=WireRoute)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CollectionCreate(Strict):
    title: str
    handle: str | None = None
    metadata: dict[str, Any] | None = None


class CollectionUpdate(Strict):
    title: str | None = None
    handle: str | None = None
    metadata: dict[str, Any] | None = None


class CategoryFields(Strict):
    description: str | None = None
    handle: str | None = None
    is_internal: bool | None = None
    is_active: bool | None = None
    parent_category_id: str | None = None
    rank: int | None = None
    metadata: dict[str, Any] | None = None


class CategoryCreate(CategoryFields):
    name: str


class CategoryUpdate(CategoryFields):
    name: str | None = None


class ValueCreate(Strict):
    value: str
    metadata: dict[str, Any] | None = None


class ValueUpdate(Strict):
    value: str | None = None
    metadata: dict[str, Any] | None = None


class OptionCreate(Strict):
    title: str
    values: list[str] = Field(default_factory=list)
    is_exclusive: bool | None = None
    metadata: dict[str, Any] | None = None


class OptionUpdate(Strict):
    title: str | None = None
    values: list[str] | None = None
    is_exclusive: bool | None = None
    metadata: dict[str, Any] | None = None


class LinkBody(Strict):
    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


# kind → (path, resource, singular envelope, plural envelope, event prefix, delete object name)
KINDS: dict[str, tuple[str, Resource, str, str, str, str]] = {
    "collection": ("collections", collection_resource(store=False), "collection", "collections",
                   "product-collection", "collection"),
    "category": ("product-categories", category_resource(store=False), "product_category", "product_categories",
                 "product-category", "product_category"),
    "tag": ("product-tags", tag_resource(), "product_tag", "product_tags", "product-tag", "product_tag"),
    "type": ("product-types", type_resource(), "product_type", "product_types", "product-type", "product_type"),
    "option": ("product-options", option_resource(), "product_option", "product_options", "product-option",
               "product_option"),
}


_VERBS = {"created": "create", "updated": "update", "deleted": "delete"}


async def _write(request: Request, kind: str, action: str, row_id: str | None, data: dict[str, Any]) -> str:
    async with transaction(request, f"{_VERBS[action]}-{KINDS[kind][0]}") as conn:
        if action == "created":
            row_id = await products.create_row(conn, kind, data)
        elif action == "updated":
            assert row_id is not None
            await products.update_row(conn, kind, row_id, data)
        else:
            assert row_id is not None
            await products.delete_row(conn, kind, row_id)
        await stage_events(conn, [Event(f"{KINDS[kind][4]}.{action}", {"id": row_id})])
    return row_id


def _routes(kind: str, create_model: type[BaseModel], update_model: type[BaseModel]) -> None:
    path, resource, singular, plural, _, obj = KINDS[kind]

    def tree(request: Request) -> dict[str, Any]:
        q = request.query_params
        return {"descendants": q.get("include_descendants_tree") == "true",
                "ancestors": q.get("include_ancestors_tree") == "true"}

    async def one(request: Request, row_id: str) -> dict[str, Any]:
        return {singular: await retrieve_one(request, resource, row_id, store=False, ctx=tree(request))}

    async def list_rows(request: Request) -> dict[str, Any]:
        return await list_envelope(request, resource, plural, store=False, ctx=tree(request),
                                   default_limit={"collection": 10, "type": 10, "tag": 20}.get(kind, 50))

    async def create(request: Request, body: create_model) -> dict[str, Any]:  # type: ignore[valid-type]
        row_id = await _write(request, kind, "created", None, body.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
        return await one(request, row_id)

    async def retrieve(row_id: str, request: Request) -> dict[str, Any]:
        return await one(request, row_id)

    async def update(row_id: str, request: Request, body: update_model) -> dict[str, Any]:  # type: ignore[valid-type]
        await _write(request, kind, "updated", row_id, body.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
        return await one(request, row_id)

    async def delete(row_id: str, request: Request) -> dict[str, Any]:
        await _write(request, kind, "deleted", row_id, {})
        return {"id": row_id, "object": obj, "deleted": True}

    # annotations are strings under `from __future__ import annotations`: give FastAPI the real body models
    create.__annotations__["body"] = create_model
    update.__annotations__["body"] = update_model
    router.add_api_route(f"/admin/{path}", list_rows, methods=["GET"], name=f"list_{kind}")
    router.add_api_route(f"/admin/{path}", create, methods=["POST"], name=f"create_{kind}")
    router.add_api_route(f"/admin/{path}/{{row_id}}", retrieve, methods=["GET"], name=f"get_{kind}")
    router.add_api_route(f"/admin/{path}/{{row_id}}", update, methods=["POST"], name=f"update_{kind}")
    router.add_api_route(f"/admin/{path}/{{row_id}}", delete, methods=["DELETE"], name=f"delete_{kind}")


_routes("collection", CollectionCreate, CollectionUpdate)
_routes("category", CategoryCreate, CategoryUpdate)
_routes("tag", ValueCreate, ValueUpdate)
_routes("type", ValueCreate, ValueUpdate)
_routes("option", OptionCreate, OptionUpdate)


@router.post("/admin/collections/{collection_id}/products")
async def collection_products(collection_id: str, body: LinkBody, request: Request) -> dict[str, Any]:
    """`POST /admin/collections/{collection_id}/products`."""
    async with transaction(request, "batch-link-products-to-collection") as conn:
        await products.set_collection_products(conn, collection_id=collection_id, add=body.add, remove=body.remove)
    return {"collection": await retrieve_one(request, KINDS["collection"][1], collection_id, store=False)}


@router.post("/admin/product-categories/{category_id}/products")
async def category_products(category_id: str, body: LinkBody, request: Request) -> dict[str, Any]:
    """`POST /admin/product-categories/{category_id}/products`."""
    async with transaction(request, "batch-link-products-in-category") as conn:
        await products.set_category_products(conn, category_id=category_id, add=body.add, remove=body.remove)
    return {"product_category": await retrieve_one(request, KINDS["category"][1], category_id, store=False)}


VALUES = option_value_resource()


@router.get("/admin/product-options/{option_id}/values")
async def list_option_values(option_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/product-options/{option_id}/values`."""
    async with request.app.state.container.database().read() as conn:
        await products.require_row(conn, "option", option_id)
    return await list_envelope(request, VALUES, "product_option_values", store=False,
                               extra=[product_option_value.c.option_id == option_id])


@router.get("/admin/product-options/{option_id}/values/{value_id}")
async def retrieve_option_value(option_id: str, value_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/product-options/{option_id}/values/{value_id}`."""
    value = await retrieve_one(request, VALUES, value_id, store=False,
                               extra=[product_option_value.c.option_id == option_id])
    return {"product_option_value": value}


@router.post("/admin/product-options/{option_id}/values/{value_id}")
async def update_option_value(option_id: str, value_id: str, body: ValueUpdate, request: Request) -> dict[str, Any]:
    """`POST /admin/product-options/{option_id}/values/{value_id}`."""
    from sqlalchemy import func, update
    data = body.model_dump(exclude_unset=True)
    async with transaction(request, "update-product-option-values") as conn:
        await products.require_row(conn, "option", option_id)
        result = await conn.execute(update(product_option_value).where(
            product_option_value.c.id == value_id, product_option_value.c.option_id == option_id,
            product_option_value.c.deleted_at.is_(None)).values(**data, updated_at=func.now()))
        if not result.rowcount:
            from euryale.errors import not_found
            raise not_found(f"Product option value with id: {value_id} was not found")
        await stage_events(conn, [Event("product-option-value.updated", {"id": value_id})])
    return await retrieve_option_value(option_id, value_id, request)


@router.delete("/admin/product-options/{option_id}/values/{value_id}")
async def delete_option_value(option_id: str, value_id: str, request: Request) -> dict[str, Any]:
    """`DELETE /admin/product-options/{option_id}/values/{value_id}`."""
    from sqlalchemy import func, update
    async with transaction(request, "delete-product-option-values") as conn:
        result = await conn.execute(update(product_option_value).where(
            product_option_value.c.id == value_id, product_option_value.c.option_id == option_id,
            product_option_value.c.deleted_at.is_(None)).values(deleted_at=func.now()))
        if not result.rowcount:
            from euryale.errors import not_found
            raise not_found(f"Product option value with id: {value_id} was not found")
        await stage_events(conn, [Event("product-option-value.deleted", {"id": value_id})])
    return {"id": value_id, "object": "product_option_value", "deleted": True}
