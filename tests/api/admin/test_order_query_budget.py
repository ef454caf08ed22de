"""Query-count budget: the admin order list reads one statement per relation per page, whatever the page size."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import event

from euryale.container import Container
from tests.api.admin.order_factory import admin_headers, place_order

ORDER_FIELDS = "id,display_id,status,email,currency_code,created_at,total,subtotal,tax_total,shipping_total,*items"


async def test_order_list_statements_do_not_grow_with_orders(client: httpx.AsyncClient,
                                                            container: Container) -> None:
    h = admin_headers(container)
    placed = [await place_order(container) for _ in range(3)]
    engine = container.database().read_engine.sync_engine
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    # Medusa's list defaults (summary, payment/fulfillment status, items), then the benchmark's fields: only the
    # relations a requested key needs are read (no payments, fulfillments, addresses for totals and items)
    for fields, budget in (("", 14), (f"&fields={ORDER_FIELDS}", 10)):
        counts = []
        for page in (placed[:1], placed):
            ids = "&".join(f"id[]={p.order_id}" for p in page)
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            try:
                res = await client.get(f"/admin/orders?{ids}{fields}", headers=h)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            assert res.status_code == 200 and res.json()["count"] == len(page)
            counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
        assert counts[0] == counts[1] and counts[0] <= budget, (fields, counts)
