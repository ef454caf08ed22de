"""Totals, table-driven: tax-exclusive/inclusive prices, promotions on items/shipping/order, currencies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from euryale.totals import cart_totals, line_item_totals, order_totals, shipping_method_totals

D = Decimal


def item(price: Any, qty: int = 1, rate: Any = None, inclusive: bool = False,
         adjustments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"unit_price": D(str(price)), "quantity": qty, "is_tax_inclusive": inclusive,
            "tax_lines": [{"rate": D(str(rate))}] if rate is not None else [], "adjustments": adjustments or []}


@pytest.mark.parametrize(("line", "expected"), [
    # plain, no tax
    (item(32, 3), {"subtotal": D(96), "tax_total": D(0), "total": D(96), "original_total": D(96)}),
    # 20 % tax on top
    (item(100, 1, 20), {"subtotal": D(100), "tax_total": D(20), "total": D(120), "original_tax_total": D(20)}),
    # 20 % tax included in the price
    (item(120, 1, 20, True), {"subtotal": D(100), "tax_total": D(20), "total": D(120)}),
    # 10 off (tax-exclusive promotion) with 20 % tax: tax on the discounted base
    (item(100, 1, 20, adjustments=[{"amount": 10}]),
     {"subtotal": D(100), "discount_subtotal": D(10), "discount_tax_total": D(2), "discount_total": D(12),
      "tax_total": D(18), "total": D(108), "original_total": D(120)}),
    # tax-inclusive price and tax-inclusive promotion
    (item(120, 1, 20, True, [{"amount": 12, "is_tax_inclusive": True}]),
     {"subtotal": D(100), "discount_subtotal": D(10), "discount_total": D(12), "tax_total": D(18),
      "total": D(108)}),
    # JPY-like whole amounts and a 10 % rate
    (item(1500, 2, 10), {"subtotal": D(3000), "tax_total": D(300), "total": D(3300)}),
    # inexact division keeps 20 decimal places, total stays exact
    (item(100, 1, 20, True), {"subtotal": D("83.33333333333333333333"), "total": D(100)}),
    # fractional currency amounts
    (item("19.99", 3, "7.5"), {"subtotal": D("59.97"), "tax_total": D("4.49775"), "total": D("64.46775")}),
])
def test_line_item_totals(line: dict[str, Any], expected: dict[str, Decimal]) -> None:
    totals = line_item_totals(line)
    for key, value in expected.items():
        assert totals[key] == value, key


def test_shipping_method_totals_with_discount() -> None:
    t = shipping_method_totals({"amount": D(10), "tax_lines": [{"rate": 20}], "adjustments": [{"amount": D(10)}]})
    assert t["subtotal"] == 10 and t["total"] == 0 and t["discount_total"] == 12 and t["tax_total"] == 0


def test_cart_totals_sum_items_and_shipping() -> None:
    items = [item(32, 3), item(32, 1)]
    t = cart_totals(items, [{"amount": D(10)}])
    assert (t["total"], t["subtotal"], t["item_total"], t["shipping_total"]) == (138, 138, 128, 10)
    assert t["item_discount_total"] == 0 and t["credit_line_total"] == 0


def test_cart_totals_with_taxes_and_promotions() -> None:
    items = [item(50, 2, 20, adjustments=[{"amount": 10}]), item(20, 1, 20)]
    ship = [{"amount": D(5), "tax_lines": [{"rate": 20}], "adjustments": [{"amount": D(5)}]}]
    t = cart_totals(items, ship)
    assert t["item_subtotal"] == 120 and t["item_tax_total"] == 22 and t["item_total"] == 132
    assert t["item_discount_total"] == 12 and t["shipping_discount_total"] == 6 and t["shipping_total"] == 0
    assert t["discount_total"] == 18 and t["discount_subtotal"] == 15 and t["discount_tax_total"] == 3
    assert t["tax_total"] == 22 and t["total"] == 132 and t["original_total"] == 150


def test_order_totals_keys_match_medusa_order() -> None:
    t = order_totals([item(32, 3), item(32)], [{"amount": 10}])
    assert list(t)[:3] == ["total", "subtotal", "tax_total"] and t["original_subtotal"] == 138
    assert "item_discount_total" not in t and "shipping_discount_total" not in t
