"""Payment collection of a cart and its sessions (`/store/payment-collections*`)."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from sqlalchemy import String, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data
from euryale.flows.cart.read import load_cart_relations
from euryale.links import service as links
from euryale.links.models import cart_payment_collection, region_payment_provider
from euryale.modules.cart import service as carts
from euryale.modules.cart.models import cart
from euryale.modules.payment import service as payments


@functools.cache
def _locked_cart_statement() -> Any:
    """The cart row, locked, with the id of its payment collection (binds `cart_id`)."""
    cart_id = bindparam("cart_id", type_=String)
    link = cart_payment_collection
    return select(
        cart.c.currency_code, cart.c.region_id, cart.c.completed_at,
        select(link.c.payment_collection_id).where(link.c.cart_id == cart_id, link.c.deleted_at.is_(None))
        .limit(1).scalar_subquery().label("payment_collection_id"),
    ).where(cart.c.id == cart_id, cart.c.deleted_at.is_(None)).with_for_update(of=cart)


async def create_for_cart(conn: AsyncConnection, *, cart_id: str) -> tuple[str, dict[str, Any] | None]:
    """The cart's payment collection (locks the cart): the existing one's id and None, else a new one for the cart
    total, its id and row as stored."""
    c = (await conn.execute(_locked_cart_statement(), {"cart_id": cart_id})).first()
    if c is None:
        raise carts.cart_not_found(cart_id)
    if c.payment_collection_id is not None:
        return str(c.payment_collection_id), None
    if c.completed_at is not None:
        raise invalid_data(f"Cart {cart_id} is already completed.")
    # the total needs items and shipping methods with their tax lines and adjustments, not the addresses
    state = await load_cart_relations(conn, {"id": cart_id, "shipping_address": None, "billing_address": None})
    row = await payments.insert_payment_collection(
        conn, currency_code=c.currency_code, amount=Decimal(state["totals"]["total"]), region_id=c.region_id or "")
    await links.insert_new_links(conn, "cart_payment_collection", [(cart_id, row["id"])])
    return str(row["id"]), row


async def region_provider_ids(conn: AsyncConnection, *, region_id: str) -> list[str]:
    t = region_payment_provider
    return [r[0] for r in await conn.execute(select(t.c.payment_provider_id).where(
        t.c.region_id == region_id, t.c.deleted_at.is_(None)))]


async def list_region_providers(conn: AsyncConnection, *, region_id: str) -> list[dict[str, Any]]:
    """Enabled providers of a region (link region_payment_provider)."""
    ids = await region_provider_ids(conn, region_id=region_id)
    return await payments.list_payment_providers(conn, ids=ids, is_enabled=True) if ids else []
