"""Store catalog reads besides products: collections, categories, tags, types, options, variants."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import exists, select

from euryale.http.actors import optional_customer
from euryale.http.auth import AuthContext
from euryale.http.store_context import StoreContext, store_context
from euryale.links.models import product_sales_channel
from euryale.modules.product.models import product, product_category, product_variant
from euryale.query.catalog import (
    category_resource,
    collection_resource,
    option_resource,
    tag_resource,
    type_resource,
)
from euryale.query.products import variant_resource
from euryale.query.request import WireRoute, list_envelope, read_request, retrieve_one
from euryale.query.store import read_context, scoped_channels

router = APIRouter(dependencies=[Depends(store_context)], route_class=WireRoute)
COLLECTIONS = collection_resource(store=True)
CATEGORIES = category_resource(store=True)
TAGS = tag_resource()
TYPES = type_resource()
OPTIONS = option_resource()
VARIANTS = variant_resource(store=True)
PUBLIC_CATEGORY = [product_category.c.is_active.is_(True), product_category.c.is_internal.is_(False)]


@router.get("/store/collections")
async def list_collections(request: Request) -> dict[str, Any]:
    """`GET /store/collections`."""
    return await list_envelope(request, COLLECTIONS, "collections", store=True, default_limit=10)


@router.get("/store/collections/{collection_id}")
async def retrieve_collection(collection_id: str, request: Request) -> dict[str, Any]:
    """`GET /store/collections/{collection_id}`."""
    return {"collection": await retrieve_one(request, COLLECTIONS, collection_id, store=True)}


def _tree_ctx(request: Request) -> dict[str, Any]:
    q = request.query_params
    return {"store": True, "descendants": q.get("include_descendants_tree") == "true",
            "ancestors": q.get("include_ancestors_tree") == "true"}


@router.get("/store/product-categories")
async def list_categories(request: Request) -> dict[str, Any]:
    """Active, non-internal categories only (`include_descendants_tree` / `include_ancestors_tree` honoured)."""
    return await list_envelope(request, CATEGORIES, "product_categories", store=True, ctx=_tree_ctx(request),
                               extra=PUBLIC_CATEGORY)


@router.get("/store/product-categories/{category_id}")
async def retrieve_category(category_id: str, request: Request) -> dict[str, Any]:
    """`GET /store/product-categories/{category_id}`."""
    category = await retrieve_one(request, CATEGORIES, category_id, store=True, ctx=_tree_ctx(request),
                                  extra=PUBLIC_CATEGORY)
    return {"product_category": category}


@router.get("/store/product-tags")
async def list_tags(request: Request) -> dict[str, Any]:
    """`GET /store/product-tags`."""
    return await list_envelope(request, TAGS, "product_tags", store=True)


@router.get("/store/product-tags/{tag_id}")
async def retrieve_tag(tag_id: str, request: Request) -> dict[str, Any]:
    """`GET /store/product-tags/{tag_id}`."""
    return {"product_tag": await retrieve_one(request, TAGS, tag_id, store=True)}


@router.get("/store/product-types")
async def list_types(request: Request) -> dict[str, Any]:
    """`GET /store/product-types`."""
    return await list_envelope(request, TYPES, "product_types", store=True)


@router.get("/store/product-types/{type_id}")
async def retrieve_type(type_id: str, request: Request) -> dict[str, Any]:
    """`GET /store/product-types/{type_id}`."""
    return {"product_type": await retrieve_one(request, TYPES, type_id, store=True)}


@router.get("/store/product-options")
async def list_options(request: Request) -> dict[str, Any]:
    """`GET /store/product-options`."""
    return await list_envelope(request, OPTIONS, "product_options", store=True)


@router.get("/store/product-options/{option_id}")
async def retrieve_option(option_id: str, request: Request) -> dict[str, Any]:
    """`GET /store/product-options/{option_id}`."""
    return {"product_option": await retrieve_one(request, OPTIONS, option_id, store=True)}


def _published_variant(channels: list[str]) -> list[Any]:
    return [exists(select(1).select_from(product).where(
        product.c.id == product_variant.c.product_id, product.c.status == "published",
        product.c.deleted_at.is_(None),
        exists(select(1).where(product_sales_channel.c.product_id == product.c.id,
                               product_sales_channel.c.sales_channel_id.in_(channels),
                               product_sales_channel.c.deleted_at.is_(None)))))]


@router.get("/store/product-variants")
async def list_variants(request: Request, ctx: StoreContext = Depends(store_context),
                        customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """Variants of published products in the key's channels (prices with a region/cart context)."""
    rr = read_request(request, VARIANTS, store=True, default_limit=20)
    channels = scoped_channels(rr, ctx)
    loader_ctx = await read_context(request, rr, ctx, customer, channels, variants_path="")
    return await list_envelope(request, VARIANTS, "variants", store=True, ctx=loader_ctx,
                               extra=_published_variant(channels), read=rr)


@router.get("/store/product-variants/{variant_id}")
async def retrieve_variant(variant_id: str, request: Request, ctx: StoreContext = Depends(store_context),
                           customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """`GET /store/product-variants/{variant_id}`."""
    rr = read_request(request, VARIANTS, store=True)
    channels = scoped_channels(rr, ctx)
    loader_ctx = await read_context(request, rr, ctx, customer, channels, variants_path="")
    variant = await retrieve_one(request, VARIANTS, variant_id, store=True, ctx=loader_ctx,
                                 extra=_published_variant(channels), sel=rr.sel, label="Variant")
    return {"variant": variant}
