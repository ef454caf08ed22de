"""Store products: `GET /store/products`, `GET /store/products/:id` (published, in the key's sales channels)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import Database
from euryale.http.actors import optional_customer
from euryale.http.auth import AuthContext
from euryale.http.store_context import StoreContext, store_context
from euryale.query.cache import cached_json
from euryale.query.fields import FieldSelection
from euryale.query.product_documents import document_one, documents_page, serves, shapes
from euryale.query.products import is_plain_listing, list_published_page, product_resource, retrieve_published
from euryale.query.request import WireRoute, list_envelope, read_request
from euryale.query.store import published_in_channels, read_context, scoped_channels

router = APIRouter(route_class=WireRoute)
RESOURCE = product_resource(store=True)
LIST_SHAPE, DETAIL_SHAPE = shapes(RESOURCE)


def _cache_parts(request: Request, ctx: StoreContext, customer: AuthContext | None) -> list[Any] | None:
    """Cache key parts, or None when the answer depends on stock, the customer, a cart or a tax address."""
    query = request.url.query
    if customer is not None or "inventory_quantity" in query or "cart_id" in query or "country_code" in query:
        return None
    return [sorted(parse_qsl(query, keep_blank_values=True)), ctx.sales_channel_ids, ctx.locale]


@router.get("/store/products")
async def list_products(request: Request, ctx: StoreContext = Depends(store_context),
                        customer: AuthContext | None = Depends(optional_customer)) -> Any:
    """Published products of the key's sales channels, with prices when a price context is given."""
    parts = _cache_parts(request, ctx, customer)
    if parts is None:
        return await _list_products(request, ctx, customer)
    return await cached_json(request, parts, lambda: _list_products(request, ctx, customer))


async def _list_products(request: Request, ctx: StoreContext, customer: AuthContext | None) -> dict[str, Any]:
    rr = read_request(request, RESOURCE, store=True)
    channels = scoped_channels(rr, ctx)
    rr.query.pop("status", None)
    container = request.app.state.container
    async def plain_page(conn: AsyncConnection) -> tuple[dict[str, Any], dict[str, Any] | None]:
        loader_ctx = await read_context(request, rr, ctx, customer, channels, conn=conn)
        if not is_plain_listing(rr):  # (price context keys are out of the query now)
            return loader_ctx, None
        page = None
        if serves(LIST_SHAPE, rr.sel):
            page = await documents_page(conn, container, RESOURCE, LIST_SHAPE, rr.sel, loader_ctx,
                                        channels=channels, limit=rr.params.limit, offset=rr.params.offset)
        rows, count = page or await list_published_page(conn, container, RESOURCE, rr, channels=channels,
                                                         ctx=loader_ctx)
        return loader_ctx, {"products": rows, "count": count, "offset": rr.params.offset, "limit": rr.params.limit}

    db: Database = container.database()
    loader_ctx, answer = await db.catalog(plain_page)
    if answer is not None:
        return answer
    return await list_envelope(request, RESOURCE, "products", store=True, ctx=loader_ctx,
                               extra=published_in_channels(channels), read=rr)


@router.get("/store/products/{product_id}")
async def retrieve_product(product_id: str, request: Request, ctx: StoreContext = Depends(store_context),
                           customer: AuthContext | None = Depends(optional_customer)) -> Any:
    """One published product of the key's sales channels."""
    parts = _cache_parts(request, ctx, customer)
    if parts is None:
        return await _retrieve_product(product_id, request, ctx, customer)
    return await cached_json(request, parts, lambda: _retrieve_product(product_id, request, ctx, customer))


async def _retrieve_product(product_id: str, request: Request, ctx: StoreContext,
                            customer: AuthContext | None) -> dict[str, Any]:
    rr = read_request(request, RESOURCE, store=True)
    if "categories" not in rr.sel.relations:
        # Medusa's retrieve filters categories on `is_internal` and so returns that one field of each, whatever
        # `fields` asks (even `fields=id,title` answers `categories` too: checked on 2.21.2)
        rr.sel.relations["categories"] = FieldSelection(scalars={"is_internal"})
    channels = scoped_channels(rr, ctx)
    container = request.app.state.container
    async def one(conn: AsyncConnection) -> Any:
        loader_ctx = await read_context(request, rr, ctx, customer, channels, conn=conn)
        product: Any = None
        if serves(DETAIL_SHAPE, rr.sel):
            product = await document_one(conn, container, RESOURCE, DETAIL_SHAPE, rr.sel, loader_ctx,
                                         product_id=product_id, channels=channels)
        if product is None:
            product = await retrieve_published(conn, RESOURCE, product_id, channels=channels, sel=rr.sel,
                                               ctx=loader_ctx)
        return product

    return {"product": await container.database().catalog(one)}
