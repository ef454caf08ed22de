"""`POST /store/returns`: a customer-created return, requested at once (Medusa's
`createAndCompleteReturnOrderWorkflow`), built from the admin return steps in `returns.py`.

Each return step is its own transaction, so a failure after the return was opened undoes it (the request is
dropped with `cancel_request`) before the error is raised: no half-created return stays behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from euryale.db import Database
from euryale.errors import not_found
from euryale.flows.order import returns, stock
from euryale.modules.fulfillment.models import shipping_option
from euryale.modules.order import lifecycle as orders


async def create_and_complete_return(db: Database, *, order_id: str, items: Sequence[Mapping[str, Any]],
                                     option_id: str, price: Decimal | None, note: str | None,
                                     receive_now: bool, location_id: str | None) -> str:
    """Open a return with `items`, confirm its request (and receive it when `receive_now`); returns its id."""
    async with db.read() as conn:
        await orders.get_order(conn, order_id=order_id)
        option = (await conn.execute(select(shipping_option.c.id, shipping_option.c.name).where(
            shipping_option.c.id == option_id, shipping_option.c.deleted_at.is_(None)))).first()
        if option is None:
            raise not_found(f"Shipping option with id: {option_id} was not found")
        for it in items:
            if it.get("reason_id"):
                await orders.get_return_reason(conn, reason_id=str(it["reason_id"]))
        location = location_id or await stock.default_location(conn, shipping_option_ids=[option_id])
    return_id = await returns.begin_return(db, order_id=order_id, location_id=location, description=None,
                                           internal_note=note, no_notification=None,
                                           metadata={"return_shipping": {"option_id": option_id,
                                                                         "name": option[1],
                                                                         "price": None if price is None
                                                                         else str(price)}},
                                           created_by=None)
    try:
        await returns.request_items(db, return_id=return_id, items=[
            {"id": it["id"], "quantity": it["quantity"], "reason_id": it.get("reason_id"),
             "internal_note": it.get("note")} for it in items], created_by=None)
        await returns.confirm_request(db, return_id=return_id, confirmed_by=None)
    except Exception:
        await returns.cancel_request(db, return_id=return_id, canceled_by=None)
        raise
    if receive_now:
        await returns.begin_receive(db, return_id=return_id, description=None, internal_note=None, created_by=None)
        await returns.receive_items(db, return_id=return_id, items=[
            {"id": it["id"], "quantity": it["quantity"]} for it in items], created_by=None)
        await returns.confirm_receive(db, return_id=return_id, confirmed_by=None)
    return return_id
