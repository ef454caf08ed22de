"""Price calculation: base prices, rules specificity, quantity tiers, price lists (sale/override), tax preference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert

from euryale.container import Container
from euryale.ids import generate_id
from euryale.modules.pricing.models import price, price_list, price_list_rule, price_preference
from euryale.modules.pricing.service import calculate_prices, create_price_sets


async def _price_list(conn: Any, *, type: str, status: str = "active", rules: dict[str, list[str]] | None = None,
                      starts_at: datetime | None = None, ends_at: datetime | None = None) -> str:
    pl_id = generate_id("plist")
    await conn.execute(insert(price_list).values(id=pl_id, title="PL", description="d", type=type, status=status,
                                                 rules_count=len(rules or {}), starts_at=starts_at, ends_at=ends_at))
    for attr, values in (rules or {}).items():
        await conn.execute(insert(price_list_rule).values(id=generate_id("plrule"), attribute=attr, value=values,
                                                          price_list_id=pl_id))
    return pl_id


async def _list_price(conn: Any, set_id: str, pl_id: str, amount: str, currency: str = "eur") -> str:
    pid = generate_id("price")
    await conn.execute(insert(price).values(id=pid, price_set_id=set_id, price_list_id=pl_id, currency_code=currency,
                                            amount=Decimal(amount), rules_count=0))
    return pid


CASES: list[tuple[str, dict[str, Any], str | None, str | None, bool]] = [
    # name, context, expected calculated, expected original, calculated is price list
    ("base eur", {"currency_code": "eur"}, "20", "20", False),
    ("region rule wins by specificity", {"currency_code": "eur", "region_id": "reg_RULED"}, "18", "18", False),
    ("quantity tier", {"currency_code": "eur", "quantity": 10}, "15", "15", False),
    ("other currency", {"currency_code": "usd"}, "25", "25", False),
    ("no price in currency", {"currency_code": "jpy"}, None, None, False),
]


@pytest.mark.parametrize("name,context,calculated,original,is_list", CASES, ids=[c[0] for c in CASES])
async def test_base_prices(container: Container, name: str, context: dict[str, Any], calculated: str | None,
                           original: str | None, is_list: bool) -> None:
    async with container.database().transaction() as conn:
        [set_id] = await create_price_sets(conn, price_sets=[[
            {"currency_code": "eur", "amount": 20},
            {"currency_code": "eur", "amount": 18, "rules": {"region_id": "reg_RULED"}},
            {"currency_code": "eur", "amount": 15, "min_quantity": 5},
            {"currency_code": "usd", "amount": 25},
        ]])
        result = await calculate_prices(conn, price_set_ids=[set_id], context=context)
    if calculated is None:
        assert set_id not in result
        return
    got = result[set_id]
    assert got["calculated_amount"] == Decimal(calculated)
    assert got["original_amount"] == Decimal(original or calculated)
    assert got["is_calculated_price_price_list"] is is_list
    assert got["raw_calculated_amount"] == {"value": calculated, "precision": 20}
    assert got["currency_code"] == context["currency_code"]
    assert set(got["calculated_price"]) == {"id", "price_list_id", "price_list_type", "min_quantity", "max_quantity"}


async def test_sale_list_keeps_original_override_replaces_it(container: Container) -> None:
    async with container.database().transaction() as conn:
        sale_set, override_set = await create_price_sets(conn, price_sets=[
            [{"currency_code": "eur", "amount": 30}], [{"currency_code": "eur", "amount": 30}]])
        sale = await _price_list(conn, type="sale")
        override = await _price_list(conn, type="override")
        await _list_price(conn, sale_set, sale, "21")
        await _list_price(conn, override_set, override, "27")
        res = await calculate_prices(conn, price_set_ids=[sale_set, override_set], context={"currency_code": "eur"})
    assert res[sale_set]["calculated_amount"] == 21 and res[sale_set]["original_amount"] == 30
    assert res[sale_set]["is_calculated_price_price_list"] is True
    assert res[sale_set]["is_original_price_price_list"] is False
    assert res[sale_set]["calculated_price"]["price_list_type"] == "sale"
    assert res[override_set]["calculated_amount"] == 27 and res[override_set]["original_amount"] == 27
    assert res[override_set]["is_original_price_price_list"] is True


async def test_price_list_rules_status_and_dates(container: Container) -> None:
    now = datetime.now(UTC)
    async with container.database().transaction() as conn:
        group_set, draft_set, expired_set = await create_price_sets(conn, price_sets=[
            [{"currency_code": "eur", "amount": 50}]] * 3)
        vip = await _price_list(conn, type="sale", rules={"customer_group_id": ["cusgroup_VIP"]})
        draft = await _price_list(conn, type="sale", status="draft")
        expired = await _price_list(conn, type="sale", ends_at=now - timedelta(days=1))
        await _list_price(conn, group_set, vip, "40")
        await _list_price(conn, draft_set, draft, "41")
        await _list_price(conn, expired_set, expired, "42")
        anon = await calculate_prices(conn, price_set_ids=[group_set, draft_set, expired_set],
                                      context={"currency_code": "eur"})
        member = await calculate_prices(conn, price_set_ids=[group_set],
                                        context={"currency_code": "eur", "customer_group_id": ["cusgroup_VIP"]})
    assert [anon[s]["calculated_amount"] for s in (group_set, draft_set, expired_set)] == [50, 50, 50]
    assert member[group_set]["calculated_amount"] == 40


async def test_tax_inclusive_preference_region_beats_currency(container: Container) -> None:
    region_id = generate_id("reg")
    currency = "xts"  # a test currency nobody else sets preferences for
    async with container.database().transaction() as conn:
        [set_id] = await create_price_sets(conn, price_sets=[[{"currency_code": currency, "amount": 10}]])
        await conn.execute(insert(price_preference).values(id=generate_id("prpref"), attribute="currency_code",
                                                           value=currency, is_tax_inclusive=True))
        by_currency = await calculate_prices(conn, price_set_ids=[set_id], context={"currency_code": currency})
        await conn.execute(insert(price_preference).values(id=generate_id("prpref"), attribute="region_id",
                                                           value=region_id, is_tax_inclusive=False))
        by_region = await calculate_prices(conn, price_set_ids=[set_id],
                                           context={"currency_code": currency, "region_id": region_id})
        await conn.rollback()
    assert by_currency[set_id]["is_calculated_price_tax_inclusive"] is True
    assert by_region[set_id]["is_calculated_price_tax_inclusive"] is False
