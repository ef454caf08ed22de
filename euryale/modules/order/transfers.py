"""Order transfers (`/store/orders/:id/transfer/*`): a registered customer claims an order; the order's email
owner accepts (or declines) with the token sent to them. Recorded as `order_change` rows of type `transfer`."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data, not_allowed, not_found
from euryale.ids import generate_id
from euryale.modules.order.lifecycle import get_order
from euryale.modules.order.models import order_change, order_change_action, order_table

TRANSFER = "transfer"
ACTION = "TRANSFER_CUSTOMER"


async def active_transfer(conn: AsyncConnection, *, order_id: str) -> dict[str, Any] | None:
    """The order's requested (not yet answered) transfer with its action details, if any."""
    row = (await conn.execute(select(order_change).where(
        order_change.c.order_id == order_id, order_change.c.change_type == TRANSFER,
        order_change.c.status == "requested", order_change.c.deleted_at.is_(None))
        .order_by(order_change.c.created_at.desc()))).mappings().first()
    if row is None:
        return None
    change = dict(row)
    act = (await conn.execute(select(order_change_action.c.details, order_change_action.c.reference_id).where(
        order_change_action.c.order_change_id == change["id"]))).first()
    change["details"] = dict(act.details or {}) if act else {}
    change["customer_id"] = act.reference_id if act else None
    return change


async def request_transfer(conn: AsyncConnection, *, order_id: str, customer_id: str,
                           description: str | None = None, internal_note: str | None = None) -> dict[str, Any]:
    """Open a transfer of the order to `customer_id`; returns `{id, token}` (the token goes to the order email)."""
    order = await get_order(conn, order_id=order_id, for_update=True)
    if order["customer_id"] == customer_id:
        raise invalid_data("Order is already owned by this customer.")
    if order["status"] == "canceled":
        raise not_allowed(f"Order with id {order_id} has been canceled.")
    if await active_transfer(conn, order_id=order_id) is not None:
        raise not_allowed("An active transfer request already exists for this order.")
    change_id, token = generate_id("ordch"), secrets.token_urlsafe(24)
    await conn.execute(insert(order_change).values(
        id=change_id, order_id=order_id, version=order["version"], change_type=TRANSFER, status="requested",
        description=description, internal_note=internal_note, created_by=customer_id, requested_by=customer_id,
        requested_at=func.now()))
    await conn.execute(insert(order_change_action).values(
        id=generate_id("ordchact"), ordering=1, order_id=order_id, version=order["version"],
        order_change_id=change_id, reference="customer", reference_id=customer_id, action=ACTION,
        details={"token": token, "original_email": order["email"]}, applied=False))
    return {"id": change_id, "token": token}


async def _with_token(conn: AsyncConnection, order_id: str, token: str) -> dict[str, Any]:
    await get_order(conn, order_id=order_id, for_update=True)
    change = await active_transfer(conn, order_id=order_id)
    if change is None:
        raise not_found(f"No active transfer request for order {order_id}")
    if not secrets.compare_digest(str(change["details"].get("token") or ""), token):
        raise invalid_data("Invalid token.")
    return change


async def accept_transfer(conn: AsyncConnection, *, order_id: str, token: str) -> str:
    """Give the order to the requesting customer; returns the change id."""
    change = await _with_token(conn, order_id, token)
    await conn.execute(update(order_table).where(order_table.c.id == order_id)
                       .values(customer_id=change["customer_id"], updated_at=func.now()))
    await conn.execute(update(order_change).where(order_change.c.id == change["id"]).values(
        status="confirmed", confirmed_at=func.now(), confirmed_by=change["customer_id"], updated_at=func.now()))
    await conn.execute(update(order_change_action).where(order_change_action.c.order_change_id == change["id"])
                       .values(applied=True, updated_at=func.now()))
    return str(change["id"])


async def decline_transfer(conn: AsyncConnection, *, order_id: str, token: str) -> str:
    """The order's owner refuses the transfer."""
    change = await _with_token(conn, order_id, token)
    await conn.execute(update(order_change).where(order_change.c.id == change["id"]).values(
        status="declined", declined_at=func.now(), updated_at=func.now()))
    return str(change["id"])


async def cancel_transfer(conn: AsyncConnection, *, order_id: str, customer_id: str) -> str:
    """The requesting customer withdraws the request."""
    await get_order(conn, order_id=order_id, for_update=True)
    change = await active_transfer(conn, order_id=order_id)
    if change is None or change["customer_id"] != customer_id:
        raise not_found(f"No active transfer request for order {order_id}")
    await conn.execute(update(order_change).where(order_change.c.id == change["id"]).values(
        status="canceled", canceled_at=func.now(), canceled_by=customer_id, updated_at=func.now()))
    return str(change["id"])
