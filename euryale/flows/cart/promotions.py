"""Promotion adjustments for a cart, from the promotion module (`compute_actions`: codes + automatic promotions,
rules, budgets). This module only builds the cart context and turns actions into cart adjustments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.modules.customer.models import customer_group_customer
from euryale.modules.product.models import product, product_category_product, product_tags
from euryale.modules.promotion import service as promotion_service
from euryale.totals import line_item_totals, shipping_method_totals


async def validate_codes(conn: AsyncConnection, *, codes: Sequence[str]) -> list[dict[str, Any]]:
    """Promotions for the codes; unknown or inactive codes answer 400 as Medusa does."""
    return await promotion_service.validate_codes(conn, codes=list(codes))


async def _products(conn: AsyncConnection, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    out = {r.id: {"id": r.id, "collection_id": r.collection_id, "type_id": r.type_id, "categories": [], "tags": []}
           for r in await conn.execute(select(product.c.id, product.c.collection_id, product.c.type_id)
                                       .where(product.c.id.in_(ids)))}
    for pid, cat in await conn.execute(select(product_category_product.c.product_id,
                                              product_category_product.c.product_category_id)
                                       .where(product_category_product.c.product_id.in_(ids))):
        out[pid]["categories"].append({"id": cat})
    for pid, tag in await conn.execute(select(product_tags.c.product_id, product_tags.c.product_tag_id)
                                       .where(product_tags.c.product_id.in_(ids))):
        out[pid]["tags"].append({"id": tag})
    return out


async def compute_adjustments(conn: AsyncConnection, *, cart: Mapping[str, Any], codes: Sequence[str],
                              automatic: bool = True) -> tuple[dict[str, list[dict[str, Any]]],
                                                               dict[str, list[dict[str, Any]]], dict[str, str]]:
    """Adjustments per item id / shipping method id, and the promotions that applied (code → id, to link them).

    `automatic=False`: the caller knows there is no live automatic promotion. A cart without codes then costs
    no statement, and the product context the rules need is read only when there is a promotion to weigh.
    """
    items, methods = cart["items"], cart["shipping_methods"]
    item_adj: dict[str, list[dict[str, Any]]] = {i["id"]: [] for i in items}
    ship_adj: dict[str, list[dict[str, Any]]] = {m["id"]: [] for m in methods}
    if not codes and not automatic:
        return item_adj, ship_adj, {}
    candidates = await promotion_service.candidate_promotions(conn, codes=list(codes))
    if not candidates:
        return item_adj, ship_adj, {}
    products = await _products(conn, list({i["product_id"] for i in items if i.get("product_id")}))
    groups = [r[0] for r in await conn.execute(select(customer_group_customer.c.customer_group_id).where(
        customer_group_customer.c.customer_id == cart["customer_id"]))] if cart.get("customer_id") else []
    context = {
        "currency_code": cart["currency_code"], "region_id": cart.get("region_id"),
        "sales_channel_id": cart.get("sales_channel_id"), "email": cart.get("email"),
        "customer": {"id": cart.get("customer_id"), "groups": [{"id": g} for g in groups]},
        "items": [{"id": i["id"], "quantity": i["quantity"], "subtotal": line_item_totals(
            {**i, "adjustments": []})["subtotal"], "unit_price": i["unit_price"], "product_id": i.get("product_id"),
            "variant_id": i.get("variant_id"), "product": products.get(i.get("product_id") or ""),
            "is_discountable": i.get("is_discountable", True)} for i in items],
        "shipping_methods": [{"id": m["id"], "subtotal": shipping_method_totals({**m, "adjustments": []})["subtotal"],
                              "shipping_option_id": m.get("shipping_option_id")} for m in methods],
    }
    ids = {p["code"]: p["id"] for p in candidates}
    actions = await promotion_service.compute_actions(conn, codes=list(codes), context=context,
                                                      promotions=candidates)
    applied: dict[str, str] = {}
    for a in actions:
        if a["action"] not in ("addItemAdjustment", "addShippingMethodAdjustment"):
            continue
        adj = {"amount": a["amount"], "code": a["code"], "promotion_id": ids.get(a["code"]),
               "is_tax_inclusive": bool(a.get("is_tax_inclusive"))}
        if a["action"] == "addItemAdjustment" and a["item_id"] in item_adj:
            item_adj[a["item_id"]].append(adj)
        elif a["action"] == "addShippingMethodAdjustment" and a["shipping_method_id"] in ship_adj:
            ship_adj[a["shipping_method_id"]].append(adj)
        if a["code"] not in applied and a["code"] in ids:
            applied[a["code"]] = ids[a["code"]]
    return item_adj, ship_adj, applied
