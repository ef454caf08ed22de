"""`order.placed` → the order-confirmation e-mail, sent once per order through the notification module."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, func, select

from euryale.db.compiled import CompiledQuery
from euryale.events import Event
from euryale.modules.notification.service import notification_service
from euryale.modules.order.models import order_item, order_line_item, order_summary
from euryale.modules.order.models import order_table as order

config = {"event": "order.placed", "subscriber_id": "order-placed-notification"}


# compiled once (euryale.db.compiled): the worker runs these for every order placed
_ORDER = CompiledQuery(lambda: select(
    order.c.id, order.c.display_id, order.c.email, order.c.currency_code, order.c.customer_id,
    order.c.no_notification, order.c.version,
).where(order.c.id == bindparam("order_id", type_=String), order.c.deleted_at.is_(None)))
_ITEMS = CompiledQuery(lambda: select(
    order_line_item.c.title, order_line_item.c.product_title, order_line_item.c.variant_title,
    order_item.c.quantity, func.coalesce(order_item.c.unit_price, order_line_item.c.unit_price).label("unit_price"),
).select_from(order_item.join(order_line_item, order_item.c.item_id == order_line_item.c.id)).where(
    order_item.c.order_id == bindparam("order_id", type_=String),
    order_item.c.version == bindparam("version", type_=Integer),
    order_item.c.deleted_at.is_(None)).order_by(order_line_item.c.title))
_TOTALS = CompiledQuery(lambda: select(order_summary.c.totals).where(and_(
    order_summary.c.order_id == bindparam("order_id", type_=String), order_summary.c.deleted_at.is_(None)))
    .order_by(order_summary.c.version.desc()).limit(1))


async def _load_order(container: Any, order_id: str) -> dict[str, Any] | None:
    async with container.database().read() as conn:
        found = await _ORDER.fetch(conn, order_id=order_id)
        if not found:
            return None
        row = dict(found[0])
        items = [dict(i) for i in await _ITEMS.fetch(conn, order_id=order_id, version=row["version"])]
        totals = await _TOTALS.fetch(conn, order_id=order_id)
    return {**row, "items": items, "totals": (totals[0][0] if totals else None) or {}}


def _text(o: dict[str, Any]) -> str:
    lines = [f"Thank you for your order #{o['display_id']}.", ""]
    for item in o["items"]:
        lines.append(f"- {item['title']} x {item['quantity']} @ {item['unit_price']} {o['currency_code'].upper()}")
    total = (o["totals"] or {}).get("current_order_total") or (o["totals"] or {}).get("total")
    if total is not None:
        lines += ["", f"Total: {total} {o['currency_code'].upper()}"]
    return "\n".join(lines)


async def handler(event: Event, container: Any) -> None:
    """Send the confirmation unless the order has no e-mail or asked for no notification."""
    order_id = str(event.data.get("id") or "")
    o = await _load_order(container, order_id) if order_id else None
    if o is None or not o["email"] or o["no_notification"]:
        return
    await notification_service(container).create_notifications([{
        "to": o["email"], "channel": "email", "template": "order-placed",
        "data": {"subject": f"Order #{o['display_id']} confirmed", "text": _text(o),
                 "order": {"id": o["id"], "display_id": o["display_id"], "currency_code": o["currency_code"],
                           "items": o["items"], "totals": o["totals"]}},
        "trigger_type": "order.placed", "resource_id": o["id"], "resource_type": "order",
        "receiver_id": o["customer_id"],
        # at-least-once delivery: one confirmation per order however often the event arrives
        "idempotency_key": f"order-placed-notification:{o['id']}",
    }])
