"""Cart and order totals computed exactly with Decimal, with Medusa's field names."""

from euryale.totals.cart_totals import (
    adjustment_totals,
    cart_totals,
    line_item_totals,
    order_totals,
    shipping_method_totals,
    to_decimal,
)

__all__ = ["adjustment_totals", "cart_totals", "line_item_totals", "order_totals", "shipping_method_totals",
           "to_decimal"]
