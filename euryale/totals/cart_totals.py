"""Totals of line items, shipping methods, carts and orders.

Semantics follow Medusa v2.21 (`subtotal` excludes tax; tax-inclusive prices are divided by `1 + Σrate`;
adjustments reduce the taxable base; `total = subtotal - discount_subtotal + tax_total`). Every value is an exact
Decimal; divisions keep 20 decimal places like Medusa's BigNumber, and nothing is rounded to the currency here
(Medusa does not round totals either: storefronts format for display).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

ZERO = Decimal(0)
_PLACES = Decimal(1).scaleb(-20)


def to_decimal(value: Any) -> Decimal:
    """Any numeric input (Decimal, int, str, float) as an exact Decimal; None → 0."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def _clean(value: Decimal) -> Decimal:
    """At most 20 decimal places (BigNumber's precision), trailing zeros dropped."""
    if value.as_tuple().exponent < -20:  # type: ignore[operator]
        value = value.quantize(_PLACES, rounding=ROUND_HALF_EVEN)
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _div(a: Decimal, b: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 50
        return _clean(a / b)


def _rate(tax_lines: Iterable[Mapping[str, Any]]) -> Decimal:
    """Σ rate / 100 (rates are percentages as in Medusa's tax lines)."""
    return sum((to_decimal(t.get("rate")) for t in tax_lines), ZERO) / 100


def adjustment_totals(adjustments: Iterable[Mapping[str, Any]], rate: Decimal) -> dict[str, Decimal]:
    """Discount subtotal (without tax), tax on it and total; a tax-inclusive adjustment is divided by 1+rate."""
    subtotal = tax = total = ZERO
    for adj in adjustments:
        if adj.get("amount") is None:
            continue
        amount = to_decimal(adj["amount"])
        adj_sub = _div(amount, 1 + rate) if adj.get("is_tax_inclusive") else amount
        adj_tax = adj_sub * rate
        subtotal += adj_sub
        tax += adj_tax
        total += adj_sub + adj_tax
    return {"discount_subtotal": _clean(subtotal), "discount_tax_total": _clean(tax), "discount_total": _clean(total)}


def _priced_totals(gross: Decimal, is_tax_inclusive: bool, tax_lines: Iterable[Mapping[str, Any]],
                   adjustments: Iterable[Mapping[str, Any]]) -> dict[str, Decimal]:
    rate = _rate(tax_lines)
    subtotal = _div(gross, 1 + rate) if is_tax_inclusive else gross
    disc = adjustment_totals(adjustments, rate)
    tax_total = (subtotal - disc["discount_subtotal"]) * rate
    original_tax_total = subtotal * rate
    return {
        "subtotal": _clean(subtotal),
        "total": _clean(subtotal - disc["discount_subtotal"] + tax_total),
        "original_subtotal": _clean(subtotal),
        "original_total": _clean(subtotal + original_tax_total),
        "discount_subtotal": disc["discount_subtotal"],
        "discount_tax_total": disc["discount_tax_total"],
        "discount_total": disc["discount_total"],
        "tax_total": _clean(tax_total),
        "original_tax_total": _clean(original_tax_total),
    }


def line_item_totals(item: Mapping[str, Any]) -> dict[str, Decimal]:
    """Totals of one line item: `unit_price × quantity`, its tax lines and adjustments."""
    gross = to_decimal(item.get("unit_price")) * to_decimal(item.get("quantity"))
    return _priced_totals(gross, bool(item.get("is_tax_inclusive")), item.get("tax_lines") or [],
                          item.get("adjustments") or [])


def shipping_method_totals(method: Mapping[str, Any]) -> dict[str, Decimal]:
    """Totals of one shipping method (`amount`, its tax lines and adjustments)."""
    return _priced_totals(to_decimal(method.get("amount")), bool(method.get("is_tax_inclusive")),
                          method.get("tax_lines") or [], method.get("adjustments") or [])


_LINE_KEYS = ("total", "subtotal", "tax_total", "discount_total", "discount_subtotal", "discount_tax_total",
              "original_total", "original_tax_total", "original_subtotal")


def _sums(rows: list[dict[str, Decimal]]) -> dict[str, Decimal]:
    """Each line total summed over the rows (computed once per key: a cart answer needs most of them twice)."""
    return {k: _clean(sum((r[k] for r in rows), ZERO)) for k in _LINE_KEYS}


def cart_totals(items: Iterable[Mapping[str, Any]], shipping_methods: Iterable[Mapping[str, Any]],
                credit_lines: Iterable[Mapping[str, Any]] = ()) -> dict[str, Decimal]:
    """Cart-level totals with every field Medusa 2.21 returns on a cart."""
    it = _sums([line_item_totals(i) for i in items])
    sh = _sums([shipping_method_totals(m) for m in shipping_methods])
    credit = _clean(sum((to_decimal(c.get("amount")) for c in credit_lines), ZERO))
    item_total, shipping_total = it["total"], sh["total"]
    return {
        "total": _clean(item_total + shipping_total - credit),
        "subtotal": _clean(it["subtotal"] + sh["subtotal"]),
        "tax_total": _clean(it["tax_total"] + sh["tax_total"]),
        "discount_total": _clean(it["discount_total"] + sh["discount_total"]),
        "discount_subtotal": _clean(it["discount_subtotal"] + sh["discount_subtotal"]),
        "discount_tax_total": _clean(it["discount_tax_total"] + sh["discount_tax_total"]),
        "original_total": _clean(it["original_total"] + sh["original_total"]),
        "original_tax_total": _clean(it["original_tax_total"] + sh["original_tax_total"]),
        "item_total": item_total,
        "item_subtotal": it["subtotal"],
        "item_tax_total": it["tax_total"],
        "item_discount_total": it["discount_total"],
        "original_item_total": it["original_total"],
        "original_item_subtotal": it["original_subtotal"],
        "original_item_tax_total": it["original_tax_total"],
        "shipping_total": shipping_total,
        "shipping_subtotal": sh["subtotal"],
        "shipping_tax_total": sh["tax_total"],
        "shipping_discount_total": sh["discount_total"],
        "original_shipping_tax_total": sh["original_tax_total"],
        "original_shipping_subtotal": sh["original_subtotal"],
        "original_shipping_total": sh["original_total"],
        "credit_line_subtotal": credit,
        "credit_line_tax_total": ZERO,
        "credit_line_total": credit,
    }


ORDER_TOTAL_KEYS = (
    "total", "subtotal", "tax_total", "discount_total", "discount_subtotal", "discount_tax_total", "original_total",
    "original_subtotal", "original_tax_total", "item_total", "item_subtotal", "item_tax_total", "original_item_total",
    "original_item_subtotal", "original_item_tax_total", "shipping_total", "shipping_subtotal", "shipping_tax_total",
    "original_shipping_tax_total", "original_shipping_subtotal", "original_shipping_total", "credit_line_total",
    "credit_line_subtotal", "credit_line_tax_total",
)


def order_totals(items: Iterable[Mapping[str, Any]], shipping_methods: Iterable[Mapping[str, Any]],
                 credit_lines: Iterable[Mapping[str, Any]] = ()) -> dict[str, Decimal]:
    """Order-level totals in the key order of Medusa's order response (adds `original_subtotal`)."""
    c = cart_totals(items, shipping_methods, credit_lines)
    c["original_subtotal"] = _clean(c["original_item_subtotal"] + c["original_shipping_subtotal"])
    return {k: c[k] for k in ORDER_TOTAL_KEYS}
