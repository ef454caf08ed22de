"""Promotion adjustments for a cart.

TODO(logistics): replace with `euryale.modules.promotion.service.compute_actions` once it lands. This minimal
version applies the cart's linked, active promotions (standard type): percentage or fixed, on items
(`each`/`across`, `max_quantity`), shipping methods or the whole order (spread across items pro rata).
Rule evaluation (customer groups, product rules, buy-get) is not covered here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data
from euryale.modules.promotion.models import promotion, promotion_application_method, promotion_campaign
from euryale.totals import to_decimal

ZERO = Decimal(0)


async def find_promotions_by_code(conn: AsyncConnection, *, codes: Sequence[str]) -> list[dict[str, Any]]:
    """Active promotions for the codes (case-insensitive as Medusa); unknown codes answer 400."""
    if not codes:
        return []
    wanted = {c.lower() for c in codes}
    rows = [dict(r) for r in (await conn.execute(
        select(promotion).outerjoin(promotion_campaign, promotion_campaign.c.id == promotion.c.campaign_id)
        .add_columns(promotion_campaign.c.starts_at.label("c_starts"), promotion_campaign.c.ends_at.label("c_ends"))
        .where(promotion.c.deleted_at.is_(None)))).mappings() if str(r["code"]).lower() in wanted]
    now = datetime.now(UTC)
    live = [r for r in rows if r.get("status", "active") == "active"
            and (r["c_starts"] is None or r["c_starts"] <= now) and (r["c_ends"] is None or r["c_ends"] >= now)]
    found = {str(r["code"]).lower() for r in live}
    missing = [c for c in codes if c.lower() not in found]
    if missing:
        raise invalid_data(f"The promotion code {', '.join(missing)} is invalid")
    return live


def _spread(total: Decimal, weights: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    base = sum((w for _, w in weights), ZERO)
    if base <= 0:
        return {}
    return {k: total * w / base for k, w in weights}


async def compute_adjustments(conn: AsyncConnection, *, promotion_ids: Sequence[str],
                              items: Sequence[Mapping[str, Any]], shipping_methods: Sequence[Mapping[str, Any]],
                              currency_code: str) -> tuple[dict[str, list[dict[str, Any]]],
                                                           dict[str, list[dict[str, Any]]]]:
    """Per item id / shipping method id, the adjustments the promotions give (each key present, maybe empty)."""
    item_adj: dict[str, list[dict[str, Any]]] = {i["id"]: [] for i in items}
    ship_adj: dict[str, list[dict[str, Any]]] = {m["id"]: [] for m in shipping_methods}
    if not promotion_ids:
        return item_adj, ship_adj
    promos = {p["id"]: dict(p) for p in (await conn.execute(select(promotion).where(
        promotion.c.id.in_(list(promotion_ids)), promotion.c.deleted_at.is_(None)))).mappings()}
    methods = [dict(m) for m in (await conn.execute(select(promotion_application_method).where(
        promotion_application_method.c.promotion_id.in_(list(promos)),
        promotion_application_method.c.deleted_at.is_(None)))).mappings()]
    # what is left to discount per line, so stacked promotions never go below zero
    remaining = {i["id"]: to_decimal(i["unit_price"]) * to_decimal(i["quantity"]) for i in items
                 if i.get("is_discountable", True)}
    ship_remaining = {m["id"]: to_decimal(m["amount"]) for m in shipping_methods}
    for m in sorted(methods, key=lambda m: str(promos[m["promotion_id"]]["code"])):
        p = promos[m["promotion_id"]]
        if m["type"] == "fixed" and m["currency_code"] and m["currency_code"].lower() != currency_code.lower():
            continue
        value = to_decimal(m["value"])
        base = {"code": p["code"], "promotion_id": p["id"], "is_tax_inclusive": bool(p.get("is_tax_inclusive"))}
        if m["target_type"] == "shipping_methods":
            for sid, left in ship_remaining.items():
                amount = min(left, left * value / 100 if m["type"] == "percentage" else value)
                if amount > 0:
                    ship_adj[sid].append({**base, "amount": amount})
                    ship_remaining[sid] = left - amount
            continue
        eligible = [i for i in items if i["id"] in remaining and remaining[i["id"]] > 0]
        if m["target_type"] == "order" or m["allocation"] == "across":
            if m["type"] == "percentage":
                amounts = {i["id"]: remaining[i["id"]] * value / 100 for i in eligible}
            else:
                amounts = _spread(min(value, sum((remaining[i["id"]] for i in eligible), ZERO)),
                                  [(i["id"], remaining[i["id"]]) for i in eligible])
        else:
            amounts = {}
            for i in eligible:
                qty = to_decimal(i["quantity"])
                if m["max_quantity"] is not None:
                    qty = min(qty, to_decimal(m["max_quantity"]))
                unit = to_decimal(i["unit_price"])
                amounts[i["id"]] = qty * (unit * value / 100 if m["type"] == "percentage" else min(value, unit))
        for iid, amount in amounts.items():
            amount = min(amount, remaining[iid])
            if amount > 0:
                item_adj[iid].append({**base, "amount": amount})
                remaining[iid] -= amount
    return item_adj, ship_adj
