"""Payment collection of a cart and its sessions (`/store/payment-collections*`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data
from euryale.flows.cart.read import cart_payment_collection_id, load_cart_state
from euryale.links import service as links
from euryale.links.models import region_payment_provider
from euryale.modules.cart import service as carts
from euryale.modules.payment import service as payments


async def create_for_cart(conn: AsyncConnection, *, cart_id: str) -> str:
    """The cart's payment collection: the existing one, else a new one for the cart total (locks the cart)."""
    c = await carts.get_cart(conn, cart_id=cart_id, for_update=True)
    existing = await cart_payment_collection_id(conn, cart_id=cart_id)
    if existing is not None:
        return existing
    if c["completed_at"] is not None:
        raise invalid_data(f"Cart {cart_id} is already completed.")
    state = await load_cart_state(conn, cart_id=cart_id)
    pc_id = await payments.create_payment_collection(
        conn, currency_code=c["currency_code"], amount=Decimal(state["totals"]["total"]),
        region_id=c["region_id"] or "")
    await links.create_links(conn, "cart_payment_collection", [(cart_id, pc_id)])
    return pc_id


async def region_provider_ids(conn: AsyncConnection, *, region_id: str) -> list[str]:
    t = region_payment_provider
    return [r[0] for r in await conn.execute(select(t.c.payment_provider_id).where(
        t.c.region_id == region_id, t.c.deleted_at.is_(None)))]


async def list_region_providers(conn: AsyncConnection, *, region_id: str) -> list[dict[str, Any]]:
    """Enabled providers of a region (link region_payment_provider)."""
    ids = await region_provider_ids(conn, region_id=region_id)
    return await payments.list_payment_providers(conn, ids=ids, is_enabled=True) if ids else []
