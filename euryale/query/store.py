"""Store-side read helpers shared by the catalog routes: channel scoping and the price context."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from euryale.db import Database
from euryale.errors import invalid_data
from euryale.http.auth import AuthContext
from euryale.http.query import as_list
from euryale.http.store_context import StoreContext
from euryale.modules.product.models import product
from euryale.query.fields import FieldSelection
from euryale.query.products import pricing_context
from euryale.query.request import ReadRequest

PRICE_CONTEXT_KEYS = ("region_id", "country_code", "province", "cart_id", "currency_code")
NOT_IN_KEY = "Requested sales channel is not part of the publishable key"


def scoped_channels(rr: ReadRequest, ctx: StoreContext) -> list[str]:
    """The key's channels, narrowed by an explicit `sales_channel_id` (which must be a subset)."""
    channels = ctx.require_sales_channels()
    requested = rr.query.pop("sales_channel_id", None)
    if requested is None:
        return channels
    ids = as_list(requested["$in"] if isinstance(requested, dict) and "$in" in requested else requested)
    if not set(ids) <= set(channels):
        raise invalid_data(NOT_IN_KEY)
    return ids


def published_in_channels(channels: list[str]) -> list[ColumnElement[bool]]:
    """Store products are the published ones of the request's sales channels."""
    from sqlalchemy import exists, select

    from euryale.links.models import product_sales_channel as psc
    return [product.c.status == "published",
            exists(select(1).where(psc.c.product_id == product.c.id, psc.c.sales_channel_id.in_(channels),
                                   psc.c.deleted_at.is_(None)))]


async def read_context(request: Request, rr: ReadRequest, ctx: StoreContext, customer: AuthContext | None,
                       channels: list[str], *, variants_path: str = "variants",
                       conn: AsyncConnection | None = None) -> dict[str, Any]:
    """Loader context: store flag, channels, and — when prices are wanted — the pricing context (read on `conn`
    when the caller holds one for the page, else on a connection of its own)."""
    if rr.price_params is None:  # taken once: a read run again (on the primary) finds them here
        rr.price_params = {k: rr.query.pop(k) for k in PRICE_CONTEXT_KEYS if k in rr.query}
    price_params = rr.price_params
    for k, v in list(price_params.items()):
        if isinstance(v, (list, dict)):
            raise invalid_data(f"Invalid request: Expected type: 'string' for field '{k}', got: 'array'")
    out: dict[str, Any] = {"store": True, "sales_channel_ids": channels, "locale": ctx.locale}
    vsel: FieldSelection | None = rr.sel.relation(variants_path) if variants_path else rr.sel
    has_context = any(price_params.get(k) for k in ("region_id", "country_code", "cart_id"))
    if vsel is not None and has_context and not vsel.has("calculated_price"):
        vsel.scalars.add("calculated_price")
    wants_price = vsel is not None and vsel.has("calculated_price")
    if wants_price:
        db: Database = request.app.state.container.database()

        async def pricing(c: AsyncConnection) -> dict[str, Any] | None:
            return await pricing_context(
                c, region_id=price_params.get("region_id") or None,
                country_code=price_params.get("country_code") or None, cart_id=price_params.get("cart_id") or None,
                customer_id=customer.actor_id if customer is not None else None)

        # a cart's region and customer as its last write left them: never from a replica behind that write
        if price_params.get("cart_id") and (conn is None or db.is_replica(conn)):
            async with db.read() as primary:
                out["pricing"] = await pricing(primary)
        elif conn is not None:
            out["pricing"] = await pricing(conn)
        else:
            out["pricing"] = await db.catalog(pricing)
        tax = out["pricing"].pop("__tax__", None) if out["pricing"] else None
        if tax is not None:
            if price_params.get("province"):
                tax["province_code"] = str(price_params["province"]).lower()
            out["tax"] = tax
    return out
