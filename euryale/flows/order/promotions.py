"""Promotion adjustments of an order (draft orders), computed as a cart's: the same promotion-module computation
(`flows.cart.promotions.compute_adjustments`: codes + automatic promotions, rules, budgets) over the order's items
and shipping methods, written as the order's item and shipping method adjustments (Medusa's
refresh-draft-order-adjustments)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.flows.cart.promotions import compute_adjustments
from euryale.ids import generate_id
from euryale.links.models import order_promotion
from euryale.modules.order import lifecycle as orders
from euryale.modules.order.models import order_line_item_adjustment, order_shipping_method_adjustment
from euryale.modules.promotion.models import promotion


async def order_codes(conn: AsyncConnection, *, order_id: str) -> list[str]:
    """Codes of the promotions linked to the order."""
    rows = await conn.execute(select(promotion.c.code).select_from(
        order_promotion.join(promotion, promotion.c.id == order_promotion.c.promotion_id))
        .where(order_promotion.c.order_id == order_id, order_promotion.c.deleted_at.is_(None),
               promotion.c.deleted_at.is_(None)).order_by(order_promotion.c.created_at))
    return [str(r[0]) for r in rows if r[0]]


async def refresh_order_adjustments(conn: AsyncConnection, *, order: dict[str, Any],
                                    codes: Sequence[str] | None = None) -> dict[str, str]:
    """Replace the promotion adjustments of the order's live items and shipping methods with what its promotion
    codes (the linked ones unless `codes`) and the automatic promotions give now; returns code → promotion id of
    the promotions that applied."""
    order_id = str(order["id"])
    if codes is None:
        codes = await order_codes(conn, order_id=order_id)
    items = [{"id": r["id"], "quantity": r["quantity"],
              "unit_price": r["detail_unit_price"] if r.get("detail_unit_price") is not None else r["unit_price"],
              "product_id": r.get("product_id"), "variant_id": r.get("variant_id"),
              "is_discountable": r.get("is_discountable", True), "is_tax_inclusive": r.get("is_tax_inclusive")}
             for r in await orders.order_items(conn, order_ids=[order_id])]
    methods = [{"id": m["id"], "amount": m["amount"], "shipping_option_id": m.get("shipping_option_id"),
                "is_tax_inclusive": m.get("is_tax_inclusive")}
               for m in await orders.shipping_methods(conn, order_ids=[order_id]) if not m.get("return_id")]
    context = {"items": items, "shipping_methods": methods, "currency_code": order["currency_code"],
               "region_id": order.get("region_id"), "sales_channel_id": order.get("sales_channel_id"),
               "email": order.get("email"), "customer_id": order.get("customer_id")}
    item_adj, ship_adj, applied = await compute_adjustments(conn, cart=context, codes=list(codes))
    # promotion adjustments are rewritten whole (soft-deleted; adjustments without a promotion stay)
    if items:
        t = order_line_item_adjustment
        await conn.execute(update(t).where(t.c.item_id.in_([i["id"] for i in items]), t.c.promotion_id.isnot(None),
                                           t.c.deleted_at.is_(None)).values(deleted_at=func.now()))
    if methods:
        t = order_shipping_method_adjustment
        await conn.execute(update(t).where(t.c.shipping_method_id.in_([m["id"] for m in methods]),
                                           t.c.promotion_id.isnot(None), t.c.deleted_at.is_(None))
                           .values(deleted_at=func.now()))
    rows = [_row("ordliadj", {"item_id": owner}, a) for owner, adjs in item_adj.items() for a in adjs]
    if rows:
        await conn.execute(insert(order_line_item_adjustment), rows)
    rows = [_row("ordsmadj", {"shipping_method_id": owner}, a) for owner, adjs in ship_adj.items() for a in adjs]
    if rows:
        await conn.execute(insert(order_shipping_method_adjustment), rows)
    return applied


def _row(prefix: str, owner: dict[str, str], a: dict[str, Any]) -> dict[str, Any]:
    return {"id": generate_id(prefix), **owner, "amount": a["amount"], "code": a.get("code"),
            "promotion_id": a.get("promotion_id"), "is_tax_inclusive": bool(a.get("is_tax_inclusive"))}


async def preview_adjustments(conn: AsyncConnection, *, order: dict[str, Any], preview: dict[str, Any]) -> None:
    """Put on a draft's edit preview the adjustments its confirmation would write (Medusa's
    compute-draft-order-adjustments replaces them per item in the change): the linked codes with the change's
    PROMOTION_ADD / PROMOTION_REMOVE, over the previewed items and shipping methods. Item totals follow; the
    order-level totals of a preview stay the order's (plus `summary.pending_difference`)."""
    change = preview.get("order_change")
    if not change:
        return
    codes = await order_codes(conn, order_id=str(order["id"]))
    removed_methods: set[str] = set()
    for a in change.get("actions") or []:
        code = (a.get("details") or {}).get("code")
        if a["action"] == "PROMOTION_ADD" and code and code not in codes:
            codes.append(code)
        elif a["action"] == "PROMOTION_REMOVE" and code in codes:
            codes.remove(code)
        elif a["action"] == "SHIPPING_REMOVE":
            removed_methods.add(str(a.get("reference_id")))
    items = [{"id": i["id"], "quantity": i["quantity"], "unit_price": i["unit_price"],
              "product_id": i.get("product_id"), "variant_id": i.get("variant_id"),
              "is_discountable": i.get("is_discountable", True), "is_tax_inclusive": i.get("is_tax_inclusive")}
             for i in preview.get("items") or []]
    methods = [{"id": m["id"], "amount": m["amount"], "shipping_option_id": m.get("shipping_option_id"),
                "is_tax_inclusive": m.get("is_tax_inclusive")}
               for m in preview.get("shipping_methods") or [] if m["id"] not in removed_methods]
    context = {"items": items, "shipping_methods": methods, "currency_code": order["currency_code"],
               "region_id": order.get("region_id"), "sales_channel_id": order.get("sales_channel_id"),
               "email": order.get("email"), "customer_id": order.get("customer_id")}
    item_adj, _, _ = await compute_adjustments(conn, cart=context, codes=codes)
    for item in preview.get("items") or []:
        kept = [a for a in item.get("adjustments") or [] if not a.get("promotion_id")]
        # Medusa's ITEM_ADJUSTMENTS_REPLACE adjustments as its preview shows them (amount = subtotal = total)
        item["adjustments"] = kept + [
            {"code": a["code"], "amount": amount, "item_id": item["id"], "promotion_id": a["promotion_id"],
             "is_tax_inclusive": a["is_tax_inclusive"], **orders.with_raw({"subtotal": amount, "total": amount})}
            for a in item_adj.get(item["id"], []) if (amount := orders.plain(orders.dec(a["amount"]))) is not None]
        item.update(orders.with_raw(orders.item_totals(item, item.get("tax_lines") or [], item["adjustments"])))
