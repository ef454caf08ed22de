"""Complete a cart: one idempotent flow under a lock on the cart.

Steps (each compensated when a later one fails):
  1. validate           (read)                        — nothing to undo
  2. reserve inventory  (tx A, `FOR UPDATE` on levels) — undo: release the reservations
  3. authorise payment  (provider call, NO lock held)  — undo: cancel at the provider
  4. create the order   (tx B: locks the cart row, re-checks idempotency, writes order + links + payment,
                         marks the cart completed, stages `order.placed`, re-points reservations to order lines)

The transaction id is the cart id: the `order_cart` link makes a second (or concurrent) completion return the
order of the first. The lock comes from the configured locking module (`container.resolve("locking")`), so it
spans processes with the Redis/PostgreSQL providers; tx B's row lock guards against a lock that expired.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.container import Container
from euryale.errors import MedusaError, MedusaErrorType, invalid_data
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.cart.mutations import inventory_requirements
from euryale.flows.cart.read import cart_payment_collection_id, load_cart_state
from euryale.ids import generate_id
from euryale.links import service as links
from euryale.links.models import order_cart
from euryale.modules.cart import service as carts
from euryale.modules.inventory import service as inventory
from euryale.modules.inventory.models import reservation_item
from euryale.modules.order import service as orders
from euryale.modules.payment import service as payments
from euryale.modules.payment.providers.base import PaymentProviderError
from euryale.modules.payment.providers.registry import get_provider
from euryale.modules.promotion import service as promotion_service

log = structlog.get_logger("euryale.flows.complete_cart")
LOCK_TIMEOUT_S = 30.0
LOCK_EXPIRE_S = 60.0
NO_SHIPPING = "No shipping method selected but the cart contains items that require shipping."


@dataclass
class CompletionResult:
    """Either an order id, or a payment error to answer as `{type: "cart", cart, error}`."""

    order_id: str | None = None
    error: dict[str, Any] | None = None
    compensations: list[str] = field(default_factory=list)


async def existing_order_id(conn: AsyncConnection, *, cart_id: str) -> str | None:
    row = (await conn.execute(select(order_cart.c.order_id).where(
        order_cart.c.cart_id == cart_id, order_cart.c.deleted_at.is_(None)))).first()
    return None if row is None else str(row[0])


def _validate(cart: dict[str, Any], session: dict[str, Any] | None) -> None:
    if not cart["items"]:
        raise invalid_data("Cart must have at least one item to be completed.")
    if not cart.get("email"):
        raise invalid_data("Cart must have an email to be completed.")
    if any(i["requires_shipping"] for i in cart["items"]) and not cart["shipping_methods"]:
        raise invalid_data(NO_SHIPPING)
    if session is None and Decimal(cart["totals"]["total"]) > 0:
        raise invalid_data("Payment sessions are required to complete cart")


async def complete_cart(container: Container, *, cart_id: str) -> CompletionResult:
    """Complete `cart_id` (idempotent); see the module docstring for the steps and their compensation."""
    locking = container.resolve("locking")

    async def job() -> CompletionResult:
        return await _complete(container, cart_id)

    result: CompletionResult = await locking.execute(f"cart:complete:{cart_id}", job, timeout=LOCK_TIMEOUT_S,
                                                     expire=LOCK_EXPIRE_S)
    return result


async def _complete(container: Container, cart_id: str) -> CompletionResult:
    db = container.database()
    # 1. validate (and idempotency: an order already exists for this cart)
    async with db.transaction() as conn:
        done = await existing_order_id(conn, cart_id=cart_id)
        if done is not None:
            return CompletionResult(order_id=done)
        cart = await load_cart_state(conn, cart_id=cart_id)
        if cart["completed_at"] is not None:
            raise invalid_data(f"Cart {cart_id} is already completed.")
        pc_id = await cart_payment_collection_id(conn, cart_id=cart_id)
        session = await payments.session_for_authorization(conn, payment_collection_id=pc_id) if pc_id else None
        _validate(cart, session)
        needs = await inventory_requirements(conn, items=cart["items"])

    # 2. reserve inventory (own transaction: levels locked FOR UPDATE only while reserving)
    reservation_ids: list[str] = []
    if needs:
        async with db.transaction() as conn:
            reservation_ids = await inventory.reserve_items(conn, items=[
                {"inventory_item_id": n["inventory_item_id"], "quantity": n["quantity"],
                 "line_item_id": n["line_item_id"], "allow_backorder": n["allow_backorder"]} for n in needs],
                sales_channel_id=cart.get("sales_channel_id"))

    # 3. authorise the payment at the provider, holding no database lock
    status: str = "authorized"
    data: dict[str, Any] = {}
    if session is not None and session["status"] not in ("authorized", "captured"):
        status, data, error = await payments.call_authorize(session=session, context={"cart_id": cart_id})
        if error is not None:
            await _release(db, reservation_ids)
            async with db.transaction() as conn:
                await payments.mark_session_error(conn, session_id=session["id"], status=status)
            return CompletionResult(error={"message": error, "name": "Error",
                                           "type": MedusaErrorType.PAYMENT_AUTHORIZATION_ERROR})
    elif session is not None:
        status, data = session["status"], session["data"] or {}

    # 4. create the order
    try:
        async with db.transaction() as conn:
            return await _create_order(conn, cart_id=cart_id, session=session, status=status, data=data,
                                       reservation_ids=reservation_ids)
    except BaseException as exc:
        await _release(db, reservation_ids)
        # the same session may back the winner's order: only a genuine failure voids it at the provider
        if (not isinstance(exc, _AlreadyCompleted) and session is not None
                and session["status"] not in ("authorized", "captured")):
            await _cancel_at_provider(session, data)
        raise


async def _create_order(conn: AsyncConnection, *, cart_id: str, session: dict[str, Any] | None, status: str,
                        data: dict[str, Any], reservation_ids: list[str]) -> CompletionResult:
    await carts.get_cart(conn, cart_id=cart_id, for_update=True)
    done = await existing_order_id(conn, cart_id=cart_id)
    if done is not None:
        # completed meanwhile by another process whose lock outlived ours: undo our side, answer its order
        raise _AlreadyCompleted(done)
    cart = await load_cart_state(conn, cart_id=cart_id)
    line_map: dict[str, str] = {}
    for item in cart["items"]:
        line_map[item["id"]] = item["order_line_item_id"] = generate_id("ordli")
    order_id = await orders.create_order_from_cart(conn, cart=cart)
    await links.create_links(conn, "order_cart", [(order_id, cart_id)])
    if session is not None:
        await payments.record_authorization(conn, session=session, status=status, data=data, cart_id=cart_id,
                                            customer_id=cart.get("customer_id"))
        await links.create_links(conn, "order_payment_collection", [(order_id, session["payment_collection_id"])])
        await payments.set_payment_order(conn, payment_collection_id=session["payment_collection_id"],
                                         order_id=order_id)
    promotion_ids = (await links.linked(conn, "cart_promotion", left_ids=[cart_id])).get(cart_id, [])
    if promotion_ids:
        await links.create_links(conn, "order_promotion", [(order_id, p) for p in promotion_ids])
        adjustments = [a for owner in (*cart["items"], *cart["shipping_methods"]) for a in owner["adjustments"]]
        await promotion_service.register_usage(
            conn, adjustments=adjustments, promotion_codes=sorted({str(a["code"]) for a in adjustments if a["code"]}))
    # reservations follow the order's lines so fulfilment finds them (TODO(logistics): a service function)
    for cart_item_id, order_item_id in line_map.items():
        if reservation_ids:
            await conn.execute(update(reservation_item).where(
                reservation_item.c.id.in_(reservation_ids), reservation_item.c.line_item_id == cart_item_id
            ).values(line_item_id=order_item_id))
    await carts.mark_completed(conn, cart_id=cart_id)
    await stage_events(conn, [Event("order.placed", {"id": order_id})])
    return CompletionResult(order_id=order_id)


class _AlreadyCompleted(Exception):
    def __init__(self, order_id: str) -> None:
        super().__init__(order_id)
        self.order_id = order_id


async def _release(db: Any, reservation_ids: list[str]) -> None:
    if not reservation_ids:
        return
    async with db.transaction() as conn:
        await inventory.release_reservations(conn, reservation_ids=reservation_ids)


async def _cancel_at_provider(session: dict[str, Any], data: dict[str, Any]) -> None:
    provider = get_provider(session["provider_id"])
    if provider is None:
        return
    try:
        await provider.cancel_payment(data=data)
    except PaymentProviderError as exc:
        log.warning("payment cancel failed during compensation", session_id=session["id"], error=exc.message)


async def complete_cart_or_existing(container: Container, *, cart_id: str) -> CompletionResult:
    """`complete_cart`, mapping a lost race to the winner's order."""
    try:
        return await complete_cart(container, cart_id=cart_id)
    except _AlreadyCompleted as exc:
        return CompletionResult(order_id=exc.order_id)
    except MedusaError:
        raise
