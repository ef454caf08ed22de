"""Promotions → Medusa actions: percentage/fixed on items/shipping/order, each vs across, rules, budgets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from euryale.container import Container
from euryale.errors import MedusaError
from euryale.modules.promotion import service as promotions
from tests.support.logistics import uid

CART: dict[str, Any] = {
    "currency_code": "eur", "region_id": "reg_eu", "customer": {"groups": [{"id": "cusgroup_vip"}]},
    "items": [
        {"id": "li_a", "quantity": 2, "subtotal": 100, "product_id": "prod_a"},
        {"id": "li_b", "quantity": 1, "subtotal": 300, "product": {"id": "prod_b"}},
    ],
    "shipping_methods": [{"id": "sm_1", "subtotal": 10, "shipping_option_id": "so_1"}],
}


def am(**kw: Any) -> dict[str, Any]:
    return {"type": "percentage", "target_type": "items", "allocation": "across", "value": 10, **kw}


CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], list[tuple[str, str, str]]]] = [
    ("pct items across", am(), [], [("addItemAdjustment", "li_a", "10"), ("addItemAdjustment", "li_b", "30")]),
    ("fixed items across", am(type="fixed", value=40, currency_code="eur"), [],
     [("addItemAdjustment", "li_a", "10"), ("addItemAdjustment", "li_b", "30")]),
    ("fixed items each", am(type="fixed", allocation="each", value=5, max_quantity=1, currency_code="eur"), [],
     [("addItemAdjustment", "li_a", "5"), ("addItemAdjustment", "li_b", "5")]),
    ("pct each capped by max_quantity", am(allocation="each", value=50, max_quantity=1), [],
     [("addItemAdjustment", "li_a", "25"), ("addItemAdjustment", "li_b", "150")]),
    ("target rule product", am(target_rules=[{"attribute": "items.product.id", "operator": "in",
                                              "values": ["prod_b"]}]), [], [("addItemAdjustment", "li_b", "30")]),
    ("shipping free", am(target_type="shipping_methods", allocation="each", value=100, max_quantity=1), [],
     [("addShippingMethodAdjustment", "sm_1", "10")]),
    ("order fixed", am(target_type="order", type="fixed", value=8, allocation=None, currency_code="eur"), [],
     [("addItemAdjustment", "li_a", "2"), ("addItemAdjustment", "li_b", "6")]),
    ("fixed never exceeds subtotal", am(type="fixed", allocation="each", value=500, max_quantity=5,
                                        currency_code="eur"), [],
     [("addItemAdjustment", "li_a", "100"), ("addItemAdjustment", "li_b", "300")]),
    ("rule customer group ok", am(), [{"attribute": "customer.groups.id", "operator": "in",
                                       "values": ["cusgroup_vip"]}],
     [("addItemAdjustment", "li_a", "10"), ("addItemAdjustment", "li_b", "30")]),
    ("rule currency mismatch", am(), [{"attribute": "currency_code", "operator": "eq", "values": ["usd"]}], []),
    ("fixed in other currency", am(type="fixed", value=5, currency_code="usd"), [], []),
]


@pytest.mark.parametrize(("name", "method", "rules", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_compute_actions(container: Container, name: str, method: dict[str, Any],
                               rules: list[dict[str, Any]], expected: list[tuple[str, str, str]]) -> None:
    code = uid("CODE").upper()
    async with container.database().transaction() as conn:
        await promotions.create_promotion(conn, data={"code": code, "type": "standard", "status": "active",
                                                      "application_method": method, "rules": rules})
        actions = await promotions.compute_actions(conn, codes=[code], context=CART)
        got = [(a["action"], a.get("item_id") or a.get("shipping_method_id"), str(a["amount"])) for a in actions]
        assert got == expected
        assert all(a["code"] == code for a in actions)
        await conn.rollback()


async def test_budgets_usage_and_spend(container: Container) -> None:
    async with container.database().transaction() as conn:
        usage_code, spend_code = uid("USE").upper(), uid("SPEND").upper()
        await promotions.create_promotion(conn, data={
            "code": usage_code, "type": "standard", "status": "active", "application_method": am(),
            "campaign": {"name": "u", "campaign_identifier": uid("camp"), "budget": {"type": "usage", "limit": 1}}})
        await promotions.create_promotion(conn, data={
            "code": spend_code, "type": "standard", "status": "active",
            "application_method": am(type="fixed", value=40, currency_code="eur"),
            "campaign": {"name": "s", "campaign_identifier": uid("camp"),
                         "budget": {"type": "spend", "limit": 50, "currency_code": "eur"}}})
        first = await promotions.compute_actions(conn, codes=[usage_code], context=CART)
        assert len(first) == 2
        await promotions.register_usage(conn, adjustments=[{"code": usage_code, "amount": a["amount"]} for a in first])
        again = await promotions.compute_actions(conn, codes=[usage_code], context=CART)
        assert again == [{"action": "campaignBudgetExceeded", "code": usage_code}]

        spend = await promotions.compute_actions(conn, codes=[spend_code], context=CART)
        assert sum(a["amount"] for a in spend) == Decimal(40)
        await promotions.register_usage(conn, adjustments=[{"code": spend_code, "amount": a["amount"]} for a in spend])
        assert await promotions.compute_actions(conn, codes=[spend_code], context=CART) == [
            {"action": "campaignBudgetExceeded", "code": spend_code}]
        promo = (await promotions.validate_codes(conn, codes=[spend_code]))[0]
        assert promo["campaign"]["budget"]["used"] == Decimal(40)
        await conn.rollback()


async def test_automatic_and_removal_and_validation(container: Container) -> None:
    async with container.database().transaction() as conn:
        auto = uid("AUTO").upper()
        await promotions.create_promotion(conn, data={"code": auto, "type": "standard", "status": "active",
                                                      "is_automatic": True, "application_method": am(
                                                          target_rules=[{"attribute": "product_id", "operator": "eq",
                                                                         "values": ["prod_auto_only"]}])})
        ctx = {**CART, "items": [{"id": "li_x", "quantity": 1, "subtotal": 50, "product_id": "prod_auto_only",
                                  "adjustments": [{"id": "caliadj_old", "code": "GONE"}]}]}
        actions = await promotions.compute_actions(conn, codes=[], context=ctx)
        assert {"action": "addItemAdjustment", "item_id": "li_x", "amount": Decimal(5), "code": auto,
                "is_tax_inclusive": False} in actions
        assert {"action": "removeItemAdjustment", "adjustment_id": "caliadj_old", "code": "GONE"} in actions

        draft = uid("DRAFT").upper()
        await promotions.create_promotion(conn, data={"code": draft, "type": "standard",
                                                      "application_method": am()})
        with pytest.raises(MedusaError, match="The promotion code NOPE-404 is invalid"):
            await promotions.validate_codes(conn, codes=["NOPE-404"])
        with pytest.raises(MedusaError, match="not active"):
            await promotions.validate_codes(conn, codes=[draft])
        with pytest.raises(MedusaError) as dup:
            await promotions.create_promotion(conn, data={"code": draft, "type": "standard",
                                                          "application_method": am()})
        assert dup.value.status == 422
        await conn.rollback()


async def test_buy_two_get_one_free(container: Container) -> None:
    async with container.database().transaction() as conn:
        code = uid("B2G1").upper()
        await promotions.create_promotion(conn, data={
            "code": code, "type": "buyget", "status": "active",
            "application_method": {"type": "percentage", "target_type": "items", "allocation": "each",
                                   "value": 100, "max_quantity": 1, "apply_to_quantity": 1,
                                   "buy_rules_min_quantity": 2,
                                   "buy_rules": [{"attribute": "items.product.id", "operator": "eq",
                                                  "values": ["prod_a"]}],
                                   "target_rules": [{"attribute": "items.product.id", "operator": "eq",
                                                     "values": ["prod_b"]}]}})
        actions = await promotions.compute_actions(conn, codes=[code], context=CART)
        assert [(a["item_id"], a["amount"]) for a in actions] == [("li_b", Decimal(300))]
        one_a = {**CART, "items": [{**CART["items"][0], "quantity": 1, "subtotal": 50}, CART["items"][1]]}
        assert await promotions.compute_actions(conn, codes=[code], context=one_a) == []
        await conn.rollback()


async def test_codes_match_case_insensitively(container: Container) -> None:
    async with container.database().transaction() as conn:
        code = uid("MiXeD").upper()
        await promotions.create_promotion(conn, data={"code": code, "type": "standard", "status": "active",
                                                      "application_method": am()})
        [found] = await promotions.validate_codes(conn, codes=[code.lower()])
        assert found["code"] == code
        actions = await promotions.compute_actions(conn, codes=[code.lower()], context=CART)
        assert {a["code"] for a in actions} == {code}
        await conn.rollback()


async def test_promotion_usage_limit(container: Container) -> None:
    async with container.database().transaction() as conn:
        code = uid("ONCE").upper()
        await promotions.create_promotion(conn, data={"code": code, "type": "standard", "status": "active",
                                                      "limit": 1, "application_method": am()})
        assert len(await promotions.compute_actions(conn, codes=[code], context=CART)) == 2
        await promotions.register_usage(conn, promotion_codes=[code])
        assert await promotions.compute_actions(conn, codes=[code], context=CART) == []
        await promotions.revert_usage(conn, adjustments=[{"code": code, "amount": 40}])
        assert len(await promotions.compute_actions(conn, codes=[code], context=CART)) == 2
        await conn.rollback()
