"""The admin order reads built ready for the wire (JSON numbers, shared companions, memoized lines) answer the same
bytes as the plain records: fractional and tax-inclusive prices, tax lines, adjustments, a taxed shipping method,
a partly fulfilled line and a credit line; the list's totals read without the shipping method rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert, select, update

from euryale.container import Container
from euryale.http.json import dumps
from euryale.ids import generate_id
from euryale.modules.order.models import (
    order_change_action,
    order_item,
    order_line_item,
    order_line_item_adjustment,
    order_line_item_tax_line,
    order_shipping,
    order_shipping_method_adjustment,
    order_shipping_method_tax_line,
    order_table,
)
from euryale.query import admin_orders
from euryale.query.admin_orders import (
    ORDER_DETAIL_DEFAULTS,
    ORDER_LIST_DEFAULTS,
    list_admin_orders,
    load_orders,
    retrieve_admin_order,
)
from tests.api.admin.order_factory import place_order

BENCH_FIELDS = "id,display_id,status,email,currency_code,created_at,total,subtotal,tax_total,shipping_total,*items"


async def test_wire_records_encode_as_the_plain_ones(container: Container) -> None:
    plain, odd = await place_order(container), await place_order(container)
    async with container.database().transaction() as conn:
        first, second = odd.item_ids
        await conn.execute(update(order_line_item).where(order_line_item.c.id == first)
                           .values(unit_price=Decimal("33.33"), is_tax_inclusive=True,
                                   compare_at_unit_price=Decimal("40.10")))
        await conn.execute(update(order_item).where(order_item.c.item_id == second)
                           .values(fulfilled_quantity=Decimal(2), unit_price=Decimal("24.5")))
        # timestamps written by PostgreSQL for the wire records: milliseconds truncated, UTC, whole seconds
        await conn.execute(update(order_line_item).where(order_line_item.c.id == first).values(
            created_at=datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=UTC),
            updated_at=datetime(2026, 12, 31, 23, 59, 59, 1000, tzinfo=timezone(timedelta(hours=-5)))))
        await conn.execute(update(order_item).where(order_item.c.item_id == second).values(
            created_at=datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)))
        await conn.execute(update(order_table).where(order_table.c.id == odd.order_id).values(
            updated_at=datetime(2026, 3, 4, 5, 6, 7, 123999, tzinfo=UTC)))
        await conn.execute(insert(order_line_item_tax_line), [
            {"id": generate_id("ordlitxl"), "item_id": first, "code": "VAT", "rate": Decimal("19.5")},
            {"id": generate_id("ordlitxl"), "item_id": second, "code": "VAT", "rate": Decimal(7)}])
        await conn.execute(insert(order_line_item_adjustment), [
            {"id": generate_id("ordliadj"), "item_id": second, "code": "TEN", "amount": Decimal("7.50")}])
        method_id = (await conn.execute(select(order_shipping.c.shipping_method_id)
                                        .where(order_shipping.c.order_id == odd.order_id))).scalar_one()
        await conn.execute(insert(order_shipping_method_tax_line), [
            {"id": generate_id("ordsmtxl"), "shipping_method_id": method_id, "code": "VAT", "rate": Decimal(20)}])
        await conn.execute(insert(order_shipping_method_adjustment), [
            {"id": generate_id("ordsmadj"), "shipping_method_id": method_id, "code": "SHIP", "amount": Decimal("2.5")}])
        await conn.execute(insert(order_change_action), [
            {"id": generate_id("ordchact"), "order_id": odd.order_id, "version": 1, "action": "CREDIT_LINE_ADD",
             "ordering": 1, "applied": True, "amount": Decimal("5.25"), "details": {}}])
    ids = [odd.order_id, plain.order_id]

    def forget() -> None:  # each wire read computes its lines afresh, not from another read's memo entries
        for memo in (admin_orders._LINES, admin_orders._METHODS, admin_orders._ORDER_TOTALS):
            memo.clear()

    async with container.database().read() as conn:
        forget()
        everything = [await load_orders(conn, order_ids=ids, wire=w) for w in (False, True)]
        assert dumps(everything[0]) == dumps(everything[1])
        assert b'"created_at":"2026-01-02T03:04:05.999Z"' in dumps(everything[1])
        assert b'"updated_at":"2027-01-01T04:59:59.001Z"' in dumps(everything[1])
        assert b'"created_at":"2026-02-03T04:05:06.000Z"' in dumps(everything[1])
        assert everything[1][0]["total"] != everything[1][1]["total"]  # the odd order did change its totals
        for fields in (None, BENCH_FIELDS, "id,*items,*shipping_methods,summary,+credit_line_total",
                       "id,updated_at,canceled_at,-version"):
            for filters in ({"id": ids}, {}):  # the unfiltered page reads only the columns it keeps
                forget()
                pages = [await list_admin_orders(conn, filters=filters, limit=10, offset=0, order="-updated_at",
                                                 fields=fields, defaults=ORDER_LIST_DEFAULTS, wire=w)
                         for w in (False, True)]
                assert dumps(pages[0]) == dumps(pages[1]), (fields, filters)
        page, _ = await list_admin_orders(conn, filters={"id": ids}, limit=10, offset=0, order=None,
                                          fields="id,updated_at", defaults=ORDER_LIST_DEFAULTS, wire=True)
        assert b'"updated_at":"2026-03-04T05:06:07.123Z"' in dumps(page)
        forget()
        details = [await retrieve_admin_order(conn, order_id=odd.order_id, defaults=ORDER_DETAIL_DEFAULTS, wire=w)
                   for w in (False, True)]
        assert dumps(details[0]) == dumps(details[1])
