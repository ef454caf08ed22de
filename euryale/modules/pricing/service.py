"""Pricing module: price sets and prices, price lists, price preferences, and price calculation.

`calculate_prices` is the engine behind every `calculated_price`: one statement loads all candidate prices of
the requested price sets (with their rules and price lists); the choice among them runs in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Text, and_, bindparam, case, func, insert, literal_column, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param, json_decoded, json_decoders, json_rows
from euryale.errors import invalid_data, not_found
from euryale.ids import generate_id
from euryale.modules.pricing.models import (
    price,
    price_list,
    price_list_rule,
    price_preference,
    price_rule,
    price_set,
)

RESERVED_CONTEXT = ("currency_code", "quantity")


def raw(value: Decimal | int | float | None) -> dict[str, Any] | None:
    """Medusa's BigNumber raw form: `{"value": "12.5", "precision": 20}`."""
    if value is None:
        return None
    return {"value": _raw_text(value), "precision": 20}


# a page of prices holds few distinct amounts: their raw texts are memoized (bounded)
_RAW_TEXTS: dict[Any, str] = {}


def _raw_text(value: Decimal | int | float) -> str:
    text = _RAW_TEXTS.get(value) if value.__class__ is Decimal else None
    if text is None:
        d = Decimal(str(value))
        text = format(d.normalize(), "f") if d != d.to_integral_value() else str(int(d))
        if value.__class__ is Decimal:
            if len(_RAW_TEXTS) >= 8192:
                _RAW_TEXTS.clear()
            _RAW_TEXTS[value] = text
    return text


def _num(value: Any) -> Decimal | None:
    if value is None or value.__class__ is Decimal:  # numeric columns arrive as Decimal already
        return value
    return Decimal(str(value))


def _context_values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value]
    return [str(value)]


def _rules_match(rules: Iterable[dict[str, Any]], expected_count: int, context: dict[str, list[str]],
                 *, list_rule: bool) -> bool:
    """All `expected_count` distinct rule attributes must be satisfied by the context."""
    matched: set[str] = set()
    for rule in rules:
        attr = rule["attribute"]
        have = context.get(attr)
        if not have:
            continue
        value = rule["value"]
        allowed = _context_values(value) if list_rule else [str(value)]
        if any(v in allowed for v in have):
            matched.add(attr)
    return len(matched) == expected_count


def _price_ref(p: Any) -> dict[str, Any]:
    if p is None:
        return {"id": None, "price_list_id": None, "price_list_type": None, "min_quantity": None,
                "max_quantity": None}
    return {"id": p["id"], "price_list_id": p["price_list_id"], "price_list_type": p["pl_type"],
            "min_quantity": p["min_quantity"], "max_quantity": p["max_quantity"]}


def _candidate_prices_parts(price_set: Any, currency_code: Any = None, region_id: Any = None
                            ) -> tuple[list[Any], Any, list[Any]]:
    """Columns, FROM and WHERE of the prices of the price sets `price_set` selects (a condition on
    `price.price_set_id`) in `currency_code` (base or of a live price list), with their rules, their list's rules
    and the tax-inclusivity preferences of `region_id` and of the currency (bind parameters of those names unless
    given as expressions)."""
    if currency_code is None:
        currency_code = bindparam("currency_code", type_=Text())
    if region_id is None:
        region_id = bindparam("region_id", type_=Text())
    now: Any = bindparam("now", type_=DateTime(timezone=True))
    pr_rules = (
        select(func.coalesce(func.json_agg(func.json_build_object(
            literal_column("'attribute'"), price_rule.c.attribute, literal_column("'value'"), price_rule.c.value)),
            literal_column("'[]'::json")))
        .where(price_rule.c.price_id == price.c.id, price_rule.c.deleted_at.is_(None))
        .scalar_subquery()
    )
    pl_rules = (
        select(func.coalesce(func.json_agg(func.json_build_object(
            literal_column("'attribute'"), price_list_rule.c.attribute, literal_column("'value'"),
            price_list_rule.c.value)), literal_column("'[]'::json")))
        .where(price_list_rule.c.price_list_id == price.c.price_list_id, price_list_rule.c.deleted_at.is_(None))
        .scalar_subquery()
    )
    region_pref = (select(price_preference.c.is_tax_inclusive)
                   .where(price_preference.c.attribute == "region_id",
                          price_preference.c.value == region_id,
                          price_preference.c.deleted_at.is_(None)).limit(1).scalar_subquery())
    currency_pref = (select(price_preference.c.is_tax_inclusive)
                     .where(price_preference.c.attribute == "currency_code", price_preference.c.value == currency_code,
                            price_preference.c.deleted_at.is_(None)).limit(1).scalar_subquery())
    # rules are only read (and decoded) for prices and lists that have some: most prices have none
    return (
        [price.c.id, price.c.price_set_id, price.c.amount, price.c.currency_code, price.c.min_quantity,
         price.c.max_quantity, price.c.rules_count, price.c.price_list_id,
         price_list.c.type.label("pl_type"), price_list.c.rules_count.label("pl_rules_count"),
         case((price.c.rules_count > 0, pr_rules)).label("rules"),
         case((price_list.c.rules_count > 0, pl_rules)).label("list_rules"),
         region_pref.label("region_pref"), currency_pref.label("currency_pref")],
        price.outerjoin(price_list, price_list.c.id == price.c.price_list_id),
        [
            price_set,
            price.c.currency_code == currency_code,
            price.c.deleted_at.is_(None),
            or_(
                price.c.price_list_id.is_(None),
                and_(price_list.c.status == "active", price_list.c.deleted_at.is_(None),
                     or_(price_list.c.starts_at.is_(None), price_list.c.starts_at <= now),
                     or_(price_list.c.ends_at.is_(None), price_list.c.ends_at >= now)),
            ),
        ],
    )


def _candidate_prices_query() -> Any:
    columns, from_, where = _candidate_prices_parts(any_param(price.c.price_set_id))
    return select(*columns).select_from(from_).where(*where)


def candidate_prices_column(price_set_id: Any, currency_code: Any = None, region_id: Any = None) -> Any:
    """A scalar subquery: the candidate prices `calculate_prices` reads for the price set `price_set_id` (a column
    of the outer statement) as one JSON array, with the bind parameters `currency_code`, `now` and `region_id` of
    `calculate_prices`' statement (or, for the first and the last, the expressions given: `region_id` as
    `calculate_prices` binds it, '' for none); `candidate_prices_of` turns it into its `rows`."""
    columns, from_, where = _candidate_prices_parts(price.c.price_set_id == price_set_id, currency_code, region_id)
    return json_rows(columns, from_, where, [])


_CANDIDATE_DECODERS = json_decoders(_candidate_prices_parts(true())[0])


def candidate_prices_of(value: Any) -> list[dict[str, Any]]:
    """The `candidate_prices_column` value as the rows `calculate_prices` reads (numerics as Decimal)."""
    return json_decoded(value, _CANDIDATE_DECODERS)


def pricing_params(context: dict[str, Any]) -> dict[str, Any]:
    """The bind parameters of `candidate_prices_column` for a pricing `context` (as `calculate_prices` binds)."""
    return {"currency_code": context.get("currency_code"), "now": datetime.now(UTC),
            "region_id": str(context.get("region_id") or "")}


_CANDIDATE_PRICES = CompiledQuery(_candidate_prices_query)


async def calculate_prices(conn: AsyncConnection, *, price_set_ids: list[str], context: dict[str, Any],
                           rows: Sequence[Any] | None = None) -> dict[str, dict[str, Any]]:
    """Per price set id, Medusa's `calculated_price` object for `context` (currency_code required).

    Context keys: `currency_code`, `region_id`, `customer_group_id` (str or list), `quantity`, and any other
    rule attribute. Price sets without an applicable price are absent from the result. `rows`: the candidate
    prices of those sets when the caller read them already (`candidate_prices_column` bound with
    `pricing_params(context)`): no statement.
    """
    currency_code = context.get("currency_code")
    if not currency_code:
        raise invalid_data("Method calculatePrices requires currency_code in the pricing context")
    ids = list(dict.fromkeys(i for i in price_set_ids if i))
    if not ids:
        return {}
    quantity = _num(context.get("quantity"))
    rule_ctx = {k: _context_values(v) for k, v in context.items() if k not in RESERVED_CONTEXT and v is not None}
    if rows is None:
        rows = await _CANDIDATE_PRICES.fetch(conn, ids=ids, currency_code=currency_code, now=datetime.now(UTC),
                                             region_id=str(context.get("region_id") or ""))
    candidates: dict[str, list[Any]] = defaultdict(list)
    # a region preference is more specific than a currency preference (read with the prices: one statement)
    inclusive = False
    q = quantity if quantity is not None else Decimal(1)
    for row in rows:
        pref = row["region_pref"] if row["region_pref"] is not None else row["currency_pref"]
        inclusive = bool(pref)
        mn, mx = row["min_quantity"], row["max_quantity"]
        if mn is not None and Decimal(mn) > q or quantity is not None and mx is not None and Decimal(mx) < q:
            continue
        rules_count, list_rules_count = row["rules_count"] or 0, row["pl_rules_count"] or 0
        # no rule to satisfy: always a match (the rules were not even read)
        if rules_count and not _rules_match(row["rules"] or [], rules_count, rule_ctx, list_rule=False):
            continue
        if row["price_list_id"] is not None and list_rules_count and not _rules_match(
                row["list_rules"] or [], list_rules_count, rule_ctx, list_rule=True):
            continue
        candidates[row["price_set_id"]].append((rules_count + list_rules_count, row))
    if not candidates:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for set_id, prices in candidates.items():
        if len(prices) == 1:  # most sets: one price in the currency, calculated and original alike
            calculated = original = prices[0][1]
        else:
            # most specific first, then cheapest (Medusa's ordering)
            prices.sort(key=lambda p: (-p[0], _num(p[1]["amount"])))
            list_price = next((p for _, p in prices if p["price_list_id"]), None)
            default = next((p for _, p in prices if not p["price_list_id"]), None)
            calculated = list_price or default
            original = list_price if list_price is not None and list_price["pl_type"] == "override" else default
            if original is None:
                original = calculated
        calc_amount = _num(calculated["amount"])
        orig_amount = _num(original["amount"])
        assert calc_amount is not None and orig_amount is not None
        out[set_id] = {
            "id": set_id,
            "is_calculated_price_price_list": calculated["price_list_id"] is not None,
            "is_calculated_price_tax_inclusive": inclusive,
            "calculated_amount": calc_amount,
            "raw_calculated_amount": {"value": _raw_text(calc_amount), "precision": 20},
            "is_original_price_price_list": bool(original["price_list_id"]),
            "is_original_price_tax_inclusive": inclusive,
            "original_amount": orig_amount,
            "raw_original_amount": {"value": _raw_text(orig_amount), "precision": 20},
            "currency_code": currency_code,
            "calculated_price": _price_ref(calculated),
            "original_price": _price_ref(original),
        }
    return out


# --- price sets and prices -------------------------------------------------------------------------------------

def _price_row(set_id: str, p: dict[str, Any], *, price_list_id: str | None = None) -> tuple[dict[str, Any],
                                                                                                list[dict[str, Any]]]:
    pid = p.get("id") or generate_id("price")
    rules = {k: v for k, v in (p.get("rules") or {}).items() if v is not None}
    row = {"id": pid, "title": p.get("title"), "currency_code": str(p["currency_code"]).lower(),
           "amount": Decimal(str(p["amount"])), "min_quantity": _num(p.get("min_quantity")),
           "max_quantity": _num(p.get("max_quantity")), "price_set_id": set_id, "rules_count": len(rules),
           "price_list_id": price_list_id}
    rule_rows = [{"id": generate_id("prule"), "attribute": k, "value": str(v), "price_id": pid, "priority": 0}
                 for k, v in rules.items()]
    return row, rule_rows


def _price_update_values(p: dict[str, Any]) -> dict[str, Any]:
    """The columns an update of a price sets: the amounts sent, the currency (lower-cased), `updated_at`."""
    values: dict[str, Any] = {"updated_at": func.now()}
    for key in ("amount", "min_quantity", "max_quantity"):
        if key in p:
            values[key] = _num(p[key])
    if p.get("currency_code"):
        values["currency_code"] = str(p["currency_code"]).lower()
    return values


async def _insert_prices(conn: AsyncConnection, prices: Sequence[tuple[str, dict[str, Any]]], *,
                         price_list_id: str | None = None) -> list[str]:
    """Insert `(price_set_id, price)` pairs and their rules (two statements in all); returns the price ids."""
    rows: list[dict[str, Any]] = []
    rules: list[dict[str, Any]] = []
    for set_id, p in prices:
        r, rr = _price_row(set_id, p, price_list_id=price_list_id)
        rows.append(r)
        rules.extend(rr)
    if rows:
        await conn.execute(insert(price), rows)
    if rules:
        await conn.execute(insert(price_rule), rules)
    return [r["id"] for r in rows]


async def create_price_sets(conn: AsyncConnection, *, price_sets: Sequence[Sequence[dict[str, Any]]]) -> list[str]:
    """Create one price set per entry with its prices (`{currency_code, amount, min_quantity?, rules?}`)."""
    ids = [generate_id("pset") for _ in price_sets]
    if not ids:
        return []
    await conn.execute(insert(price_set), [{"id": i} for i in ids])
    await _insert_prices(conn, [(set_id, p) for set_id, prices in zip(ids, price_sets, strict=True) for p in prices])
    return ids


async def replace_prices(conn: AsyncConnection, *, price_set_id: str, prices: Sequence[dict[str, Any]]) -> None:
    """Make the set's base (non-price-list) prices exactly `prices`: update by id, create new, delete the rest."""
    existing = {r.id for r in (await conn.execute(select(price.c.id).where(
        price.c.price_set_id == price_set_id, price.c.price_list_id.is_(None), price.c.deleted_at.is_(None))))}
    keep = {p["id"] for p in prices if p.get("id") in existing}
    gone = existing - keep
    if gone:
        await conn.execute(update(price).where(price.c.id.in_(gone)).values(deleted_at=func.now()))
        await conn.execute(update(price_rule).where(price_rule.c.price_id.in_(gone)).values(deleted_at=func.now()))
    new: list[tuple[str, dict[str, Any]]] = []
    for p in prices:
        if p.get("id") in existing:
            await conn.execute(update(price).where(price.c.id == p["id"]).values(**_price_update_values(p)))
        elif p.get("id"):
            raise not_found(f"Price with id: {p['id']} not found")
        else:
            new.append((price_set_id, p))
    await _insert_prices(conn, new)


async def list_prices(conn: AsyncConnection, *, price_set_ids: Sequence[str], price_list_ids: Sequence[str] = (),
                      base_only: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Prices per price set (with `rules` as a dict), base prices only unless `base_only=False`."""
    if not price_set_ids and not price_list_ids:
        return {}
    conds = [price.c.deleted_at.is_(None)]
    if price_set_ids:
        conds.append(price.c.price_set_id.in_(list(price_set_ids)))
    if price_list_ids:
        conds.append(price.c.price_list_id.in_(list(price_list_ids)))
    elif base_only:
        conds.append(price.c.price_list_id.is_(None))
    rules_json = (
        select(func.coalesce(func.json_object_agg(price_rule.c.attribute, price_rule.c.value),
                             literal_column("'{}'::json")))
        .where(price_rule.c.price_id == price.c.id, price_rule.c.deleted_at.is_(None))
        .scalar_subquery()
    )
    rows = await conn.execute(select(price, rules_json.label("rules")).where(*conds)
                              .order_by(price.c.created_at, price.c.id))
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows.mappings():
        d = dict(r)
        out[d["price_set_id"]].append(d)
    return dict(out)


async def price_rule_rows(conn: AsyncConnection, prices: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The live rule rows of `prices` as Medusa's `price_rules` (one statement, none when no price has rules).

    Rules are stored as equality rules only, so `operator` is always `eq`."""
    ids = [p["id"] for p in prices if p.get("rules_count")]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if not ids:
        return out
    t = price_rule
    rows = await conn.execute(select(t.c.id, t.c.attribute, t.c.value, t.c.priority, t.c.price_id, t.c.created_at,
                                     t.c.updated_at, t.c.deleted_at)
                              .where(t.c.price_id.in_(ids), t.c.deleted_at.is_(None))
                              .order_by(t.c.price_id, t.c.priority.desc(), t.c.id))
    for r in rows.mappings():
        out[r["price_id"]].append({"id": r["id"], "attribute": r["attribute"], "value": r["value"], "operator": "eq",
                                   "priority": r["priority"], "price_id": r["price_id"],
                                   "created_at": r["created_at"], "updated_at": r["updated_at"],
                                   "deleted_at": r["deleted_at"]})
    return out


async def delete_price_sets(conn: AsyncConnection, *, price_set_ids: Sequence[str]) -> None:
    """Soft-delete price sets and their prices."""
    if not price_set_ids:
        return
    ids = list(price_set_ids)
    await conn.execute(update(price).where(price.c.price_set_id.in_(ids), price.c.deleted_at.is_(None))
                       .values(deleted_at=func.now()))
    await conn.execute(update(price_set).where(price_set.c.id.in_(ids)).values(deleted_at=func.now()))


# --- price lists -----------------------------------------------------------------------------------------------------

PRICE_LIST_FIELDS = ("title", "description", "status", "type", "starts_at", "ends_at")


async def require_price_list(conn: AsyncConnection, *, price_list_id: str) -> dict[str, Any]:
    """The live price list or 404."""
    row = (await conn.execute(select(price_list).where(price_list.c.id == price_list_id,
                                                       price_list.c.deleted_at.is_(None)))).mappings().first()
    if row is None:
        raise not_found(f"Price list with id: {price_list_id} was not found")
    return dict(row)


async def set_price_list_rules(conn: AsyncConnection, *, price_list_id: str, rules: dict[str, Any]) -> None:
    """Replace the list's rules (`{attribute: [values]}`) and keep `rules_count` in step."""
    await conn.execute(update(price_list_rule).where(price_list_rule.c.price_list_id == price_list_id,
                                                     price_list_rule.c.deleted_at.is_(None))
                       .values(deleted_at=func.now()))
    rows = [{"id": generate_id("plrule"), "attribute": k, "price_list_id": price_list_id,
             "value": v if isinstance(v, list) else [v]} for k, v in rules.items()]
    if rows:
        await conn.execute(insert(price_list_rule), rows)
    await conn.execute(update(price_list).where(price_list.c.id == price_list_id).values(rules_count=len(rows)))


async def create_price_list(conn: AsyncConnection, *, data: dict[str, Any]) -> str:
    """Insert a price list with its rules; returns its id."""
    pl_id = generate_id("plist")
    values = {k: data[k] for k in PRICE_LIST_FIELDS if data.get(k) is not None}
    await conn.execute(insert(price_list).values(id=pl_id, **values))
    await set_price_list_rules(conn, price_list_id=pl_id, rules=data.get("rules") or {})
    return pl_id


async def update_price_list(conn: AsyncConnection, *, price_list_id: str, data: dict[str, Any]) -> None:
    """Update fields and (when given) replace the rules."""
    await require_price_list(conn, price_list_id=price_list_id)
    values = {k: data[k] for k in PRICE_LIST_FIELDS if k in data}
    await conn.execute(update(price_list).where(price_list.c.id == price_list_id)
                       .values(**values, updated_at=func.now()))
    if data.get("rules") is not None:
        await set_price_list_rules(conn, price_list_id=price_list_id, rules=data["rules"])


async def delete_price_list(conn: AsyncConnection, *, price_list_id: str) -> None:
    """Soft-delete the list and its prices."""
    await require_price_list(conn, price_list_id=price_list_id)
    await conn.execute(update(price).where(price.c.price_list_id == price_list_id, price.c.deleted_at.is_(None))
                       .values(deleted_at=func.now()))
    await conn.execute(update(price_list).where(price_list.c.id == price_list_id).values(deleted_at=func.now()))


async def add_price_list_prices(conn: AsyncConnection, *, price_list_id: str,
                                prices: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    """Insert list prices: `(price_set_id, {currency_code, amount, min_quantity?, max_quantity?, rules?})`."""
    return await _insert_prices(conn, prices, price_list_id=price_list_id)


async def update_price_list_prices(conn: AsyncConnection, *, price_list_id: str,
                                   prices: Sequence[dict[str, Any]]) -> list[str]:
    """Update list prices by id (404 for a price not in the list)."""
    ids = []
    for p in prices:
        result = await conn.execute(update(price).where(price.c.id == p["id"], price.c.price_list_id == price_list_id,
                                                        price.c.deleted_at.is_(None)).values(**_price_update_values(p)))
        if not result.rowcount:
            raise not_found(f"Price with id: {p['id']} was not found")
        ids.append(p["id"])
    return ids


async def remove_price_list_prices(conn: AsyncConnection, *, price_list_id: str, price_ids: Sequence[str] = (),
                                   price_set_ids: Sequence[str] = ()) -> list[str]:
    """Soft-delete list prices by id, or those of the given price sets; returns the ids."""
    conds = [price.c.price_list_id == price_list_id, price.c.deleted_at.is_(None)]
    if price_ids:
        conds.append(price.c.id.in_(list(price_ids)))
    elif price_set_ids:
        conds.append(price.c.price_set_id.in_(list(price_set_ids)))
    else:
        return []
    rows = await conn.execute(update(price).where(*conds).values(deleted_at=func.now()).returning(price.c.id))
    return [r[0] for r in rows]


# --- price preferences -------------------------------------------------------------------------------------------

async def create_price_preference(conn: AsyncConnection, *, data: dict[str, Any]) -> str:
    """Insert a preference; (attribute, value) is unique (422)."""
    pref_id = generate_id("prpref")
    existing = (await conn.execute(select(price_preference.c.id).where(
        price_preference.c.attribute == data["attribute"], price_preference.c.value == data.get("value"),
        price_preference.c.deleted_at.is_(None)))).first()
    if existing is not None:
        from euryale.errors import duplicate
        raise duplicate(f"Price preference with attribute: {data['attribute']}, value: {data.get('value')}, "
                        "already exists.")
    await conn.execute(insert(price_preference).values(id=pref_id, attribute=data["attribute"],
                                                       value=data.get("value"),
                                                       is_tax_inclusive=bool(data.get("is_tax_inclusive"))))
    return pref_id


async def update_price_preference(conn: AsyncConnection, *, preference_id: str, data: dict[str, Any]) -> None:
    """Update a preference (404 when absent)."""
    values = {k: data[k] for k in ("attribute", "value", "is_tax_inclusive") if k in data}
    result = await conn.execute(update(price_preference).where(price_preference.c.id == preference_id,
                                                               price_preference.c.deleted_at.is_(None))
                                .values(**values, updated_at=func.now()))
    if not result.rowcount:
        raise not_found(f"Price preference with id: {preference_id} was not found")


async def delete_price_preference(conn: AsyncConnection, *, preference_id: str) -> None:
    """Soft-delete a preference (404 when absent)."""
    result = await conn.execute(update(price_preference).where(price_preference.c.id == preference_id,
                                                               price_preference.c.deleted_at.is_(None))
                                .values(deleted_at=func.now()))
    if not result.rowcount:
        raise not_found(f"Price preference with id: {preference_id} was not found")


async def upsert_price_preference(conn: AsyncConnection, *, attribute: str, value: str,
                                  is_tax_inclusive: bool) -> None:
    """Create or update the preference for (attribute, value) — used by region and store currency settings."""
    result = await conn.execute(update(price_preference).where(
        price_preference.c.attribute == attribute, price_preference.c.value == value,
        price_preference.c.deleted_at.is_(None)).values(is_tax_inclusive=is_tax_inclusive, updated_at=func.now()))
    if not result.rowcount:
        await conn.execute(insert(price_preference).values(id=generate_id("prpref"), attribute=attribute, value=value,
                                                           is_tax_inclusive=is_tax_inclusive))
