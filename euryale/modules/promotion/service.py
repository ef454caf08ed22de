"""Promotions: code and automatic promotions (percentage / fixed on items, shipping methods or the order), rules,
campaigns with spend/usage budgets, and Medusa's `computeActions` that turns them into adjustments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import crud
from euryale.errors import duplicate, invalid_data, not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.ids import generate_id
from euryale.modules.promotion.models import (
    application_method_buy_rules,
    application_method_target_rules,
    promotion,
    promotion_application_method,
    promotion_campaign,
    promotion_campaign_budget,
    promotion_promotion_rule,
    promotion_rule,
    promotion_rule_value,
)

RULE_TABLES = {"rules": promotion_promotion_rule, "target_rules": application_method_target_rules,
               "buy_rules": application_method_buy_rules}
AM_FIELDS = ("value", "currency_code", "max_quantity", "apply_to_quantity", "buy_rules_min_quantity", "type",
             "target_type", "allocation")
CAMPAIGN_FIELDS = ("name", "description", "campaign_identifier", "starts_at", "ends_at")
ZERO = Decimal(0)


def _num(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


# ---------------------------------------------------------------- reads

async def _rules_by_owner(conn: AsyncConnection, kind: str, owner_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    link = RULE_TABLES[kind]
    owner_col = link.c.promotion_id if kind == "rules" else link.c.application_method_id
    if not owner_ids:
        return {}
    pairs = [(a, b) for a, b in await conn.execute(select(owner_col, link.c.promotion_rule_id).where(
        owner_col.in_(list(owner_ids))))]
    rule_ids = [b for _, b in pairs]
    rules = {r["id"]: r for r in await crud.rows_where(conn, promotion_rule, promotion_rule.c.id.in_(rule_ids))}
    values: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in await crud.rows_where(conn, promotion_rule_value, promotion_rule_value.c.promotion_rule_id.in_(rule_ids)):
        values[v["promotion_rule_id"]].append({"id": v["id"], "value": v["value"]})
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for owner, rid in pairs:
        r = rules.get(rid)
        if r is not None:
            out[owner].append({**crud.strip(r, "deleted_at"), "values": values.get(rid, [])})
    return out


async def expand_campaigns(conn: AsyncConnection, campaigns: list[dict[str, Any]],
                           with_promotions: bool = True) -> list[dict[str, Any]]:
    """Campaigns with `budget` (and `promotions` ids)."""
    ids = [c["id"] for c in campaigns]
    budgets = {b["campaign_id"]: crud.strip(b, "deleted_at") for b in await crud.rows_where(
        conn, promotion_campaign_budget, promotion_campaign_budget.c.campaign_id.in_(ids))} if ids else {}
    promos: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if with_promotions and ids:
        for p in await crud.rows_where(conn, promotion, promotion.c.campaign_id.in_(ids)):
            promos[p["campaign_id"]].append({"id": p["id"], "code": p["code"]})
    out = []
    for c in campaigns:
        d = {**c, "budget": budgets.get(c["id"])}
        if with_promotions:
            d["promotions"] = promos.get(c["id"], [])
        out.append(d)
    return out


async def expand_promotions(conn: AsyncConnection, promos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Promotions with `application_method` (+ target_rules, buy_rules), `rules`, `campaign` (+ budget)."""
    if not promos:
        return []
    ids = [p["id"] for p in promos]
    ams = {a["promotion_id"]: a for a in await crud.rows_where(conn, promotion_application_method,
                                                                promotion_application_method.c.promotion_id.in_(ids))}
    am_ids = [a["id"] for a in ams.values()]
    rules = await _rules_by_owner(conn, "rules", ids)
    targets = await _rules_by_owner(conn, "target_rules", am_ids)
    buys = await _rules_by_owner(conn, "buy_rules", am_ids)
    camp_ids = sorted({p["campaign_id"] for p in promos if p["campaign_id"]})
    camps = {c["id"]: c for c in await expand_campaigns(
        conn, await crud.rows_where(conn, promotion_campaign, promotion_campaign.c.id.in_(camp_ids)),
        with_promotions=False)}
    out = []
    for p in promos:
        am = ams.get(p["id"])
        am_out = ({**crud.strip(am, "deleted_at"), "target_rules": targets.get(am["id"], []),
                   "buy_rules": buys.get(am["id"], [])} if am else None)
        out.append({**p, "application_method": am_out, "rules": rules.get(p["id"], []),
                    "campaign": camps.get(p["campaign_id"] or "")})
    return out


async def retrieve_promotion(conn: AsyncConnection, *, promotion_id: str) -> dict[str, Any]:
    """One promotion with its relations, or 404."""
    row = await crud.get_row(conn, promotion, promotion_id)
    if row is None:
        raise not_found(f"Promotion with id: {promotion_id} was not found")
    return (await expand_promotions(conn, [row]))[0]


async def retrieve_campaign(conn: AsyncConnection, *, campaign_id: str) -> dict[str, Any]:
    """One campaign with budget and promotions, or 404."""
    row = await crud.get_row(conn, promotion_campaign, campaign_id)
    if row is None:
        raise not_found(f"Campaign with id: {campaign_id} was not found")
    return (await expand_campaigns(conn, [row]))[0]


# ---------------------------------------------------------------- writes

async def _create_rules(conn: AsyncConnection, kind: str, owner_id: str,
                        rules: Sequence[dict[str, Any]]) -> list[str]:
    ids = []
    for r in rules:
        values = r.get("values")
        if values is None:
            raise invalid_data("Invalid request: Field 'values' is required")
        vals = values if isinstance(values, list) else [values]
        rid = generate_id("prorul")
        await crud.insert_row(conn, promotion_rule, {"id": rid, "attribute": r["attribute"], "operator": r["operator"],
                                                     "description": r.get("description")})
        await crud.insert_rows(conn, promotion_rule_value, [
            {"id": generate_id("prorulval"), "promotion_rule_id": rid, "value": str(v)} for v in vals])
        link = RULE_TABLES[kind]
        owner_col = "promotion_id" if kind == "rules" else "application_method_id"
        await conn.execute(link.insert().values({owner_col: owner_id, "promotion_rule_id": rid}))
        ids.append(rid)
    return ids


def _validate_am(am: dict[str, Any], promo_type: str) -> None:
    if am.get("target_type") in ("items", "shipping_methods") and am.get("allocation") is None:
        raise invalid_data("application_method.allocation should be either 'across OR each' when "
                           "application_method.target_type is either 'shipping_methods OR items'")
    if am.get("allocation") == "each" and am.get("max_quantity") is None and am.get("target_type") != "order":
        raise invalid_data("application_method.max_quantity is required when application_method.allocation is 'each'")
    if promo_type == "buyget" and not am.get("buy_rules"):
        raise invalid_data("Buy rules are required for buyget promotion type")
    if am.get("type") == "percentage" and _num(am.get("value")) is not None and _num(am["value"]) > 100:  # type: ignore[operator]
        raise invalid_data("Application Method value should be a percentage number between 0 and 100")


async def _campaign_id_for(conn: AsyncConnection, data: dict[str, Any]) -> str | None:
    if data.get("campaign_id"):
        await retrieve_campaign(conn, campaign_id=data["campaign_id"])
        return str(data["campaign_id"])
    if data.get("campaign"):
        return str((await create_campaign(conn, data=data["campaign"]))["id"])
    return None


async def create_promotion(conn: AsyncConnection, *, data: dict[str, Any]) -> dict[str, Any]:
    """Create `{code, type, status?, is_automatic?, is_tax_inclusive?, campaign_id?|campaign?, application_method,
    rules?}`; a live duplicate code → 422 duplicate_error."""
    if await crud.rows_where(conn, promotion, promotion.c.code == data["code"]):
        raise duplicate(f"Promotion with code: {data['code']} already exists.")
    am = data["application_method"]
    _validate_am(am, data.get("type") or "standard")
    pid = generate_id("promo")
    await crud.insert_row(conn, promotion, {
        "id": pid, "code": data["code"], "type": data.get("type") or "standard",
        "status": data.get("status") or "draft", "is_automatic": bool(data.get("is_automatic")),
        "is_tax_inclusive": bool(data.get("is_tax_inclusive")), "campaign_id": await _campaign_id_for(conn, data),
        "metadata": data.get("metadata"), "limit": data.get("limit")})
    am_id = generate_id("proappmet")
    await crud.insert_row(conn, promotion_application_method, {
        "id": am_id, "promotion_id": pid, **{k: am.get(k) for k in AM_FIELDS},
        "value": Decimal(str(am.get("value") or 0))})
    await _create_rules(conn, "rules", pid, data.get("rules") or [])
    await _create_rules(conn, "target_rules", am_id, am.get("target_rules") or [])
    await _create_rules(conn, "buy_rules", am_id, am.get("buy_rules") or [])
    await stage_events(conn, [Event("promotion.created", {"id": pid})])
    return await retrieve_promotion(conn, promotion_id=pid)


async def update_promotion(conn: AsyncConnection, *, promotion_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Update promotion attributes and its application method (rules change through the batch routes)."""
    current = await retrieve_promotion(conn, promotion_id=promotion_id)
    if data.get("code") and data["code"] != current["code"] and await crud.rows_where(
            conn, promotion, promotion.c.code == data["code"]):
        raise duplicate(f"Promotion with code: {data['code']} already exists.")
    values: dict[str, Any] = {k: data[k] for k in ("code", "type", "status", "is_automatic", "is_tax_inclusive", "metadata", "limit")
              if k in data}
    if "campaign_id" in data:
        if data["campaign_id"]:
            await retrieve_campaign(conn, campaign_id=data["campaign_id"])
        values["campaign_id"] = data["campaign_id"]
    await crud.update_row(conn, promotion, promotion_id, values)
    if data.get("application_method") and current["application_method"]:
        am = data["application_method"]
        merged = {**current["application_method"], **am}
        _validate_am({**merged, "buy_rules": merged.get("buy_rules")}, values.get("type") or current["type"])
        await crud.update_row(conn, promotion_application_method, current["application_method"]["id"],
                              {k: am[k] for k in AM_FIELDS if k in am})
    await stage_events(conn, [Event("promotion.updated", {"id": promotion_id})])
    return await retrieve_promotion(conn, promotion_id=promotion_id)


async def delete_promotions(conn: AsyncConnection, *, ids: Sequence[str]) -> list[str]:
    """Soft-delete promotions."""
    deleted = await crud.soft_delete(conn, promotion, ids)
    await stage_events(conn, [Event("promotion.deleted", {"id": i}) for i in deleted])
    return deleted


async def batch_rules(conn: AsyncConnection, *, promotion_id: str, kind: str, create: Sequence[dict[str, Any]],
                      update_: Sequence[dict[str, Any]], delete_ids: Sequence[str]) -> dict[str, Any]:
    """`POST /admin/promotions/:id/{rules,target-rules,buy-rules}/batch` → `{created, updated, deleted}`."""
    promo = await retrieve_promotion(conn, promotion_id=promotion_id)
    am = promo["application_method"]
    owner = promotion_id if kind == "rules" else (am or {}).get("id")
    if owner is None:
        raise invalid_data("Promotion has no application method")
    current_ids = {r["id"] for r in (promo["rules"] if kind == "rules" else (am or {}).get(kind, []))}
    created_ids = await _create_rules(conn, kind, owner, create)
    updated_ids = []
    for r in update_:
        if r["id"] not in current_ids:
            raise not_found(f"Promotion rule with id: {r['id']} was not found")
        await crud.update_row(conn, promotion_rule, r["id"], {k: r[k] for k in ("attribute", "operator",
                                                                                 "description") if k in r})
        if r.get("values") is not None:
            await conn.execute(delete(promotion_rule_value).where(promotion_rule_value.c.promotion_rule_id == r["id"]))
            vals = r["values"] if isinstance(r["values"], list) else [r["values"]]
            await crud.insert_rows(conn, promotion_rule_value, [
                {"id": generate_id("prorulval"), "promotion_rule_id": r["id"], "value": str(v)} for v in vals])
        updated_ids.append(r["id"])
    missing = [i for i in delete_ids if i not in current_ids]
    if missing:
        raise not_found(f"Promotion rule with id: {missing[0]} was not found")
    link = RULE_TABLES[kind]
    if delete_ids:
        await conn.execute(delete(link).where(link.c.promotion_rule_id.in_(list(delete_ids))))
        await crud.soft_delete(conn, promotion_rule, list(delete_ids))
    after = await retrieve_promotion(conn, promotion_id=promotion_id)
    rules = after["rules"] if kind == "rules" else (after["application_method"] or {}).get(kind, [])
    by_id = {r["id"]: r for r in rules}
    return {"created": [by_id[i] for i in created_ids if i in by_id],
            "updated": [by_id[i] for i in updated_ids if i in by_id],
            "deleted": {"ids": list(delete_ids), "object": "promotion-rule", "deleted": True}}


async def create_campaign(conn: AsyncConnection, *, data: dict[str, Any]) -> dict[str, Any]:
    """Create `{name, campaign_identifier, description?, starts_at?, ends_at?, budget?: {type, limit,
    currency_code?}, promotions?: [{id}]}`."""
    if await crud.rows_where(conn, promotion_campaign,
                             promotion_campaign.c.campaign_identifier == data["campaign_identifier"]):
        raise duplicate(f"Campaign with campaign_identifier: {data['campaign_identifier']} already exists.")
    cid = generate_id("procamp")
    await crud.insert_row(conn, promotion_campaign, {"id": cid, **{k: data.get(k) for k in CAMPAIGN_FIELDS}})
    budget = data.get("budget")
    if budget:
        if budget.get("type") == "spend" and not budget.get("currency_code"):
            raise invalid_data("Campaign Budget type is a required field")
        await crud.insert_row(conn, promotion_campaign_budget, {
            "id": generate_id("probudg"), "campaign_id": cid, "type": budget.get("type") or "spend",
            "limit": _num(budget.get("limit")), "currency_code": budget.get("currency_code"), "used": ZERO})
    if data.get("promotions"):
        await add_campaign_promotions(conn, campaign_id=cid, add=[p["id"] for p in data["promotions"]], remove=[])
    return await retrieve_campaign(conn, campaign_id=cid)


async def update_campaign(conn: AsyncConnection, *, campaign_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Update attributes and the budget's limit."""
    current = await retrieve_campaign(conn, campaign_id=campaign_id)
    await crud.update_row(conn, promotion_campaign, campaign_id, {k: data[k] for k in CAMPAIGN_FIELDS if k in data})
    if data.get("budget"):
        b = data["budget"]
        if current["budget"]:
            await crud.update_row(conn, promotion_campaign_budget, current["budget"]["id"],
                                  {k: (_num(b[k]) if k == "limit" else b[k]) for k in ("limit", "currency_code", "type")
                                   if k in b})
        else:
            await crud.insert_row(conn, promotion_campaign_budget, {
                "id": generate_id("probudg"), "campaign_id": campaign_id, "type": b.get("type") or "spend",
                "limit": _num(b.get("limit")), "currency_code": b.get("currency_code"), "used": ZERO})
    return await retrieve_campaign(conn, campaign_id=campaign_id)


async def delete_campaign(conn: AsyncConnection, *, campaign_id: str) -> None:
    """Soft-delete a campaign (its promotions are detached)."""
    await crud.soft_delete(conn, promotion_campaign, [campaign_id])
    await conn.execute(update(promotion).where(promotion.c.campaign_id == campaign_id).values(campaign_id=None))


async def add_campaign_promotions(conn: AsyncConnection, *, campaign_id: str, add: Sequence[str],
                                  remove: Sequence[str]) -> dict[str, Any]:
    """`POST /admin/campaigns/:id/promotions` `{add, remove}`."""
    if await crud.get_row(conn, promotion_campaign, campaign_id) is None:
        raise not_found(f"Campaign with id: {campaign_id} was not found")
    for pid in [*add, *remove]:
        if await crud.get_row(conn, promotion, pid) is None:
            raise not_found(f"Promotion with id: {pid} was not found")
    if add:
        await conn.execute(update(promotion).where(promotion.c.id.in_(list(add))).values(campaign_id=campaign_id))
    if remove:
        await conn.execute(update(promotion).where(promotion.c.id.in_(list(remove)),
                                                   promotion.c.campaign_id == campaign_id).values(campaign_id=None))
    return await retrieve_campaign(conn, campaign_id=campaign_id)


# ---------------------------------------------------------------- codes and actions

async def validate_codes(conn: AsyncConnection, *, codes: Sequence[str]) -> list[dict[str, Any]]:
    """The promotions for `codes` (expanded); unknown → 400 `The promotion code X is invalid`, inactive → 400."""
    codes = list(dict.fromkeys(codes))
    if not codes:
        return []
    # codes match case-insensitively, as Medusa's promotion lookups do
    rows = await crud.rows_where(conn, promotion, func.lower(promotion.c.code).in_([c.lower() for c in codes]))
    found = {r["code"].lower() for r in rows}
    missing = [c for c in codes if c.lower() not in found]
    if missing:
        if len(missing) == 1:
            raise invalid_data(f"The promotion code {missing[0]} is invalid")  # Medusa 2.21 wording
        raise invalid_data(f"The promotion codes {', '.join(missing)} are invalid")
    inactive = [r["code"] for r in rows if r["status"] != "active"]
    if inactive:
        if len(inactive) == 1:
            raise invalid_data(f'Promotion code "{inactive[0]}" is not active')
        raise invalid_data('Promotion codes "' + '", "'.join(inactive) + '" are not active')
    return await expand_promotions(conn, rows)


def _resolve(obj: Any, path: list[str]) -> list[Any]:
    """Values at a dotted path, flattening lists (`customer.groups.id` → every group id)."""
    if not path:
        return [v for v in (obj if isinstance(obj, list) else [obj]) if v is not None]
    if isinstance(obj, list):
        return [v for o in obj for v in _resolve(o, path)]
    if not isinstance(obj, dict):
        return []
    head, rest = path[0], path[1:]
    if head in obj:
        return _resolve(obj[head], rest)
    # flat context (`product_id`) for a nested attribute (`product.id`)
    if rest and f"{head}_{rest[0]}" in obj:
        return _resolve(obj[f"{head}_{rest[0]}"], rest[1:])
    return []


def _rule_holds(rule: dict[str, Any], context: dict[str, Any], strip_prefix: str | None = None) -> bool:
    attr = rule["attribute"]
    if strip_prefix and attr.startswith(strip_prefix + "."):
        attr = attr[len(strip_prefix) + 1:]
    actual = [str(v) for v in _resolve(context, attr.split("."))]
    expected = [v["value"] if isinstance(v, dict) else str(v) for v in rule.get("values", [])]
    op = rule["operator"]
    if op in ("in", "eq"):
        return any(a in expected for a in actual)
    if op == "ne":
        return all(a not in expected for a in actual)
    if not actual or not expected:
        return False
    try:
        a, e = Decimal(actual[0]), Decimal(expected[0])
    except Exception:  # a non-numeric comparison never holds
        return False
    return {"gt": a > e, "gte": a >= e, "lt": a < e, "lte": a <= e}.get(op, False)


def _campaign_live(campaign: dict[str, Any] | None, now: datetime) -> bool:
    if not campaign:
        return True
    starts, ends = campaign.get("starts_at"), campaign.get("ends_at")
    return not (starts and starts > now) and not (ends and ends < now)


def _budget_exceeded(campaign: dict[str, Any] | None, amount: Decimal, spent: dict[str, Decimal]) -> bool:
    budget = (campaign or {}).get("budget")
    if not budget or budget.get("limit") is None:
        return False
    used = Decimal(str(budget["used"] or 0)) + spent.get(budget["id"], ZERO)
    if budget["type"] == "usage":
        return used + 1 > Decimal(str(budget["limit"]))
    return used + amount > Decimal(str(budget["limit"]))


def _q(v: Decimal) -> Decimal:
    # adjustments keep full precision as Medusa's BigNumber; rounding happens at totals time
    if not v:
        return ZERO
    v = v.quantize(Decimal("0.0000000001"), rounding=ROUND_HALF_UP)
    return v.quantize(Decimal(1)) if v == v.to_integral_value() else v.normalize()


async def candidate_promotions(conn: AsyncConnection, *, codes: list[str]) -> list[dict[str, Any]]:
    """Active promotions `compute_actions` weighs for `codes`: those codes plus every automatic promotion, expanded."""
    rows = await crud.rows_where(
        conn, promotion, promotion.c.status == "active",
        (func.lower(promotion.c.code).in_([c.lower() for c in codes]) if codes else promotion.c.id.is_(None))
        | promotion.c.is_automatic.is_(True))
    return await expand_promotions(conn, rows)


async def compute_actions(conn: AsyncConnection, *, codes: list[str], context: dict[str, Any],
                          promotions: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Medusa's `computeActions(codes, cart)`: the adjustments the given codes plus active automatic promotions give.

    context: `{currency_code, region_id?, customer?: {groups: [{id}]}, sales_channel_id?, items: [{id, quantity,
    subtotal, product_id?, product?: {...}, is_discountable?, adjustments?: [{id, code}]}], shipping_methods: [{id,
    subtotal, shipping_option_id?, adjustments?}]}`. Returns actions: `addItemAdjustment {item_id, amount, code,
    is_tax_inclusive}`, `addShippingMethodAdjustment {shipping_method_id, amount, code, is_tax_inclusive}`,
    `removeItemAdjustment {adjustment_id, code}`, `removeShippingMethodAdjustment {adjustment_id, code}`,
    `campaignBudgetExceeded {code}`. Unknown codes are ignored here (validate them with `validate_codes`).
    `promotions`: `candidate_promotions(codes)` when the caller already loaded them.
    """
    now = datetime.now(UTC)
    promos = promotions if promotions is not None else await candidate_promotions(conn, codes=codes)
    currency = (context.get("currency_code") or "").lower()
    items = [i for i in context.get("items") or [] if i.get("is_discountable", True) is not False]
    methods = list(context.get("shipping_methods") or [])
    # order: code promotions first (in the given order), then automatic ones; across before each (Medusa's sort)
    order_index = {c.lower(): n for n, c in enumerate(codes)}
    promos.sort(key=lambda p: (order_index.get(p["code"].lower(), len(codes)),
                               0 if (p["application_method"] or {}).get("allocation") == "across" else 1, p["code"]))
    applied_item: dict[str, Decimal] = defaultdict(lambda: ZERO)
    applied_ship: dict[str, Decimal] = defaultdict(lambda: ZERO)
    spent: dict[str, Decimal] = defaultdict(lambda: ZERO)
    actions: list[dict[str, Any]] = []
    applied_codes: set[str] = set()
    for p in promos:
        am = p["application_method"]
        if am is None or not _campaign_live(p["campaign"], now):
            continue
        if p.get("limit") is not None and int(p.get("used") or 0) >= int(p["limit"]):
            continue  # the promotion's own usage limit is reached
        if am.get("currency_code") and am["type"] == "fixed" and am["currency_code"].lower() != currency:
            continue
        if not all(_rule_holds(r, context) for r in p["rules"]):
            continue
        value = Decimal(str(am["value"]))
        tax_incl = bool(p.get("is_tax_inclusive"))
        new: list[dict[str, Any]] = []
        if p["type"] == "buyget":
            new = _buy_get(items, am, value, applied_item, p["code"], tax_incl)
        elif am["target_type"] == "shipping_methods":
            targets = [m for m in methods if all(_rule_holds(r, m, "shipping_methods") for r in am["target_rules"])]
            new = _allocate(targets, am, value, applied_ship, "shipping_method_id", "addShippingMethodAdjustment",
                            p["code"], tax_incl)
        else:
            targets = items if am["target_type"] == "order" else [
                i for i in items if all(_rule_holds(r, i, "items") for r in am["target_rules"])]
            alloc = "across" if am["target_type"] == "order" else am.get("allocation")
            new = _allocate(targets, {**am, "allocation": alloc}, value, applied_item, "item_id",
                            "addItemAdjustment", p["code"], tax_incl)
        if not new:
            continue
        total = sum((a["amount"] for a in new), ZERO)
        if _budget_exceeded(p["campaign"], total, spent):
            # roll back what this promotion took so later promotions see the real remainder
            for a in new:
                book = applied_item if "item_id" in a else applied_ship
                book[a.get("item_id") or a["shipping_method_id"]] -= a["amount"]
            actions.append({"action": "campaignBudgetExceeded", "code": p["code"]})
            continue
        budget = (p["campaign"] or {}).get("budget")
        if budget:
            spent[budget["id"]] += Decimal(1) if budget["type"] == "usage" else total
        actions.extend(new)
        applied_codes.add(p["code"])
    for kind, coll in (("removeItemAdjustment", context.get("items") or []),
                       ("removeShippingMethodAdjustment", methods)):
        for obj in coll:
            for adj in obj.get("adjustments") or []:
                if adj.get("id") and adj.get("code") not in applied_codes:
                    actions.append({"action": kind, "adjustment_id": adj["id"], "code": adj.get("code")})
    return actions


def _buy_get(items: list[dict[str, Any]], am: dict[str, Any], value: Decimal, applied: dict[str, Decimal],
             code: str, tax_incl: bool) -> list[dict[str, Any]]:
    """Buy X get Y: once `buy_rules_min_quantity` units match the buy rules, `apply_to_quantity` units matching the
    target rules (cheapest first) get the discount (`percentage` of their price, or `fixed` per unit)."""
    bought = sum((Decimal(str(i.get("quantity") or 0)) for i in items
                  if all(_rule_holds(r, i, "items") for r in am["buy_rules"])), ZERO)
    if not am["buy_rules"] or bought < Decimal(str(am.get("buy_rules_min_quantity") or 1)):
        return []
    targets = [i for i in items if all(_rule_holds(r, i, "items") for r in am["target_rules"])]

    def unit(i: dict[str, Any]) -> Decimal:
        qty = Decimal(str(i.get("quantity") or 1))
        return Decimal(str(i.get("subtotal") or 0)) / qty if qty else ZERO

    remaining_units = Decimal(str(am.get("apply_to_quantity") or 1))
    out: list[dict[str, Any]] = []
    for t in sorted(targets, key=unit):
        if remaining_units <= 0:
            break
        units = min(remaining_units, Decimal(str(t.get("quantity") or 0)))
        left = Decimal(str(t.get("subtotal") or 0)) - applied[t["id"]]
        amount = min(unit(t) * units * value / 100 if am["type"] == "percentage" else value * units, left)
        remaining_units -= units
        if amount > 0:
            applied[t["id"]] += amount
            out.append({"action": "addItemAdjustment", "item_id": t["id"], "amount": _q(amount), "code": code,
                        "is_tax_inclusive": tax_incl})
    return out


def _allocate(targets: list[dict[str, Any]], am: dict[str, Any], value: Decimal, applied: dict[str, Decimal],
              key: str, action: str, code: str, tax_incl: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not targets:
        return out
    max_qty = _num(am.get("max_quantity"))
    pct = am["type"] == "percentage"
    if am.get("allocation") == "each":
        for t in targets:
            qty = Decimal(str(t.get("quantity") or 1))
            subtotal = Decimal(str(t.get("subtotal") or 0))
            remaining = subtotal - applied[t["id"]]
            if remaining <= 0:
                continue
            mult = min(qty, max_qty) if max_qty is not None else qty
            unit = subtotal / qty if qty else ZERO
            amount = unit * mult * value / 100 if pct else value * mult
            amount = min(amount, remaining)
            if amount > 0:
                applied[t["id"]] += amount
                out.append({"action": action, key: t["id"], "amount": _q(amount), "code": code,
                            "is_tax_inclusive": tax_incl})
        return out
    left = {t["id"]: Decimal(str(t.get("subtotal") or 0)) - applied[t["id"]] for t in targets}
    total = sum((r for r in left.values() if r > 0), ZERO)
    if total <= 0:
        return out
    for t in targets:
        rem = left[t["id"]]
        if rem <= 0:
            continue
        amount = rem * value / 100 if pct else min(value, total) * rem / total
        amount = min(amount, rem)
        if amount > 0:
            applied[t["id"]] += amount
            out.append({"action": action, key: t["id"], "amount": _q(amount), "code": code,
                        "is_tax_inclusive": tax_incl})
    return out


async def register_usage(conn: AsyncConnection, *, adjustments: Sequence[dict[str, Any]] | None = None,
                         promotion_codes: Sequence[str] | None = None, sign: int = 1) -> None:
    """At order placement: add spend (sum of adjustment amounts per code) or usage (1 per code) to campaign budgets
    and `used` to promotions. Budget rows are locked in id order (two orders racing cannot lose an update)."""
    spend: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for adj in adjustments or []:
        if adj.get("code"):
            spend[adj["code"]] += Decimal(str(adj.get("amount") or 0))
    codes = sorted(set(spend) | set(promotion_codes or []))
    if not codes:
        return
    promos = await crud.rows_where(conn, promotion, promotion.c.code.in_(codes))
    await conn.execute(update(promotion).where(promotion.c.id.in_([p["id"] for p in promos]))
                       .values(used=promotion.c.used + sign, updated_at=func.now()))
    camp_ids = sorted({p["campaign_id"] for p in promos if p["campaign_id"]})
    if not camp_ids:
        return
    budgets = (await conn.execute(select(promotion_campaign_budget).where(
        promotion_campaign_budget.c.campaign_id.in_(camp_ids), promotion_campaign_budget.c.deleted_at.is_(None))
        .order_by(promotion_campaign_budget.c.id).with_for_update())).mappings().all()
    for b in budgets:
        mine = [p for p in promos if p["campaign_id"] == b["campaign_id"]]
        inc = Decimal(len(mine) * sign) if b["type"] == "usage" else sign * sum((spend[p["code"]] for p in mine), ZERO)
        if inc:
            await conn.execute(update(promotion_campaign_budget).where(promotion_campaign_budget.c.id == b["id"])
                               .values(used=promotion_campaign_budget.c.used + inc, updated_at=func.now()))


async def revert_usage(conn: AsyncConnection, *, adjustments: Sequence[dict[str, Any]]) -> None:
    """Undo `register_usage` (order canceled / flow compensation)."""
    await register_usage(conn, adjustments=adjustments, sign=-1)
