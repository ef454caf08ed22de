"""Cart credit lines (Medusa's create-cart-credit-lines / delete-cart-credit-lines workflows; no store or admin
route creates them in Medusa 2.21: project code does, e.g. store credit or loyalty points). A credit line lowers
the cart's total (`credit_line_total`), so a fully credited cart completes without a payment session, and the
order the cart becomes gets them (`order.credit_lines`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from euryale.errors import invalid_data
from euryale.flows._workflow import flow_workflow
from euryale.flows.cart.mutations import _sync_payment_collection, cart_state
from euryale.modules.cart import service as carts
from euryale.modules.cart.models import cart_credit_line
from euryale.totals import cart_totals


async def _resync(conn: Any, cart_ids: Sequence[str]) -> None:
    """The carts' payment collections follow their new totals (pending sessions dropped as on any cart write)."""
    for cart_id in cart_ids:
        c = await cart_state(conn, cart_id=cart_id, check_access=False)
        c["totals"] = cart_totals(c["items"], c["shipping_methods"], c["credit_lines"])
        await _sync_payment_collection(conn, cart=c)


@flow_workflow("create-cart-credit-lines")
async def create_cart_credit_lines(container: Any, *, credit_lines: Sequence[Mapping[str, Any]]
                                   ) -> list[dict[str, Any]]:
    """Create credit lines `{cart_id, amount, reference?, reference_id?, metadata?}` on open carts (amount > 0)."""
    if any(not ln.get("cart_id") or ln.get("amount") is None or float(ln["amount"]) <= 0 for ln in credit_lines):
        raise invalid_data("A credit line needs a cart_id and an amount greater than 0.")
    cart_ids = sorted({str(ln["cart_id"]) for ln in credit_lines})
    async with container.database().transaction() as conn:
        for cart_id in cart_ids:  # lock (404 when missing, 400 when completed) before writing
            await cart_state(conn, cart_id=cart_id, check_access=False)
        created = await carts.create_credit_lines(conn, lines=credit_lines)
        await _resync(conn, cart_ids)
    return [{**c, "amount": str(c["amount"])} for c in created]


@flow_workflow("delete-cart-credit-lines")
async def delete_cart_credit_lines(container: Any, *, ids: Sequence[str]) -> list[str]:
    """Soft-delete credit lines of open carts; returns the ids deleted."""
    async with container.database().transaction() as conn:
        cart_ids = sorted({str(r[0]) for r in await conn.execute(select(cart_credit_line.c.cart_id).where(
            cart_credit_line.c.id.in_(list(ids)), cart_credit_line.c.deleted_at.is_(None)))})
        for cart_id in cart_ids:
            await cart_state(conn, cart_id=cart_id, check_access=False)
        deleted = await carts.delete_credit_lines(conn, ids=ids)
        await _resync(conn, cart_ids)
    return deleted
