"""`order.placed` → the order-confirmation e-mail, sent once per order through the notification module."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select

from euryale.events import Event
from euryale.modules.notification.service import notification_service
from euryale.modules.order.models import order_item, order_line_item, order_summary
from euryale.modules.order.models import order_table as order

config = {"event": "order.placed", "subscriber_id": "order-placed-notification"}


async def _load_order(container: Any, order_id: str) -> dict[str, Any] | None:
    async with container.database().read() as conn:
        row = (await conn.execute(select(
            order.c.id, order.c.display_id, order.c.email, order.c.currency_code, order.c.customer_id,
            order.c.no_notification, order.c.version,
        ).where(order.c.id == order_id, order.c.deleted_at.is_(None)))).mappings().first()
        if row is None:
            return None
        items = (await conn.execute(select(
            order_line_item.c.title, order_line_item.c.product_title, order_line_item.c.variant_title,
            order_item.c.quantity, func.coalesce(order_item.c.unit_price, order_line_item.c.unit_price)
            .label("unit_price"),
        ).select_from(order_item.join(order_line_item, order_item.c.item_id == order_line_item.c.id)).where(
            order_item.c.order_id == order_id, order_item.c.version == row["version"],
            order_item.c.deleted_at.is_(None)).order_by(order_line_item.c.title))).mappings().all()
        totals = (await conn.execute(select(order_summary.c.totals).where(and_(
            order_summary.c.order_id == order_id, order_summary.c.deleted_at.is_(None)))
            .order_by(order_summary.c.version.desc()).limit(1))).scalar()
    # plain str keys: RowMapping keys may be str subclasses, which orjson (the JSONB serializer) refuses
    return {**{str(k): v for k, v in row.items()}, "items": [{str(k): v for k, v in i.items()} for i in items],
            "totals": totals or {}}


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
