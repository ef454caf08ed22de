"""`update-order-change-workflow` (Medusa 2.12+): set whether an active change (an exchange) carries the order's
promotions over to its outbound items; carrying over needs promotions allocated `each` (fixed or percentage) or
`across` (percentage)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data, not_found
from euryale.flows._workflow import transaction_workflow
from euryale.links.models import order_promotion
from euryale.modules.order.models import order_change, order_change_action
from euryale.modules.promotion.models import promotion, promotion_application_method

EACH, ACROSS = "each", "across"
# Medusa's defaultAdminRetrieveOrderChangeFields (`*actions` is added by the reader)
ORDER_CHANGE_FIELDS = (
    "id", "order_id", "return_id", "claim_id", "exchange_id", "version", "change_type", "description", "status",
    "internal_note", "created_by", "requested_by", "requested_at", "confirmed_by", "confirmed_at", "declined_by",
    "declined_reason", "metadata", "declined_at", "canceled_by", "canceled_at", "created_at", "updated_at",
    "carry_over_promotions",
)


async def _check_promotions_carry_over(conn: AsyncConnection, order_id: str) -> None:
    """Medusa's validateCarryPromotionsFlagStep on the order's promotions (one statement)."""
    rows = (await conn.execute(
        select(promotion.c.id, promotion.c.code, promotion_application_method.c.type,
               promotion_application_method.c.allocation)
        .select_from(order_promotion.join(promotion, promotion.c.id == order_promotion.c.promotion_id)
                     .join(promotion_application_method,
                           promotion_application_method.c.promotion_id == promotion.c.id))
        .where(order_promotion.c.order_id == order_id, order_promotion.c.deleted_at.is_(None))
        .order_by(promotion.c.code))).all()
    invalid: list[str] = []
    for promotion_id, code, kind, allocation in rows:
        name = code or promotion_id
        if allocation not in (EACH, ACROSS):
            raise invalid_data(f"Promotion {name} has invalid allocation. Only promotions with EACH or ACROSS "
                               "allocation can be carried over to outbound exchange items.")
        if kind == "fixed" and allocation != EACH:
            invalid.append(name)
    if invalid:
        raise invalid_data(f"Promotions with codes {', '.join(invalid)} have invalid allocation. Fixed promotions "
                           "must have EACH allocation, and percentage promotions must have EACH or ACROSS "
                           "allocation.")


@transaction_workflow("update-order-change-workflow")
async def update_order_change(conn: AsyncConnection, *, change_id: str, carry_over_promotions: bool) -> None:
    """Validate the change is active (and the promotions allocable), then store the flag."""
    row = (await conn.execute(select(order_change).where(order_change.c.id == change_id,
                                                         order_change.c.deleted_at.is_(None))
                              .with_for_update())).mappings().first()
    if row is None:
        raise not_found(f"OrderChange with id: {change_id} was not found")
    if row["canceled_at"] or row["confirmed_at"] or row["declined_at"]:
        raise invalid_data(f"Order change {change_id} is not active to be modified")
    if carry_over_promotions:
        await _check_promotions_carry_over(conn, str(row["order_id"]))
    await conn.execute(update(order_change).where(order_change.c.id == change_id)
                       .values(carry_over_promotions=carry_over_promotions, updated_at=func.now()))


async def read_order_change(conn: AsyncConnection, change_id: str) -> dict[str, Any]:
    """The change in Medusa's default admin shape, with its actions (two statements)."""
    row = (await conn.execute(select(order_change).where(order_change.c.id == change_id,
                                                         order_change.c.deleted_at.is_(None)))).mappings().first()
    if row is None:
        raise not_found(f"OrderChange with id: {change_id} was not found")
    actions = [dict(a) for a in (await conn.execute(
        select(order_change_action).where(order_change_action.c.order_change_id == change_id,
                                          order_change_action.c.deleted_at.is_(None))
        .order_by(order_change_action.c.ordering))).mappings()]
    return {**{k: row[k] for k in ORDER_CHANGE_FIELDS}, "actions": actions}
