"""Query-count budget: the admin order list reads one statement per relation per page, whatever the page size,
and only the relations the requested keys need."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from euryale.container import Container
from tests.api.admin.order_factory import admin_headers, place_order
from tests.support.sql_capture import captured_statements, selects

ORDER_FIELDS = "id,display_id,status,email,currency_code,created_at,total,subtotal,tax_total,shipping_total,*items"


async def test_order_list_statements_do_not_grow_with_orders(client: httpx.AsyncClient,
                                                            container: Container) -> None:
    h = admin_headers(container)
    placed = [await place_order(container) for _ in range(3)]
    # Medusa's list defaults (summary, payment/fulfillment status, items), then the benchmark's fields: totals and
    # items need no payments, fulfillments nor addresses
    # (the totals read their shipping methods' amounts, tax rates and adjustments in one statement)
    for fields, budget in (("", 10), (f"&fields={ORDER_FIELDS}", 6)):
        counts = []
        for page in (placed[:1], placed):
            ids = "&".join(f"id[]={p.order_id}" for p in page)
            with captured_statements(container) as seen:
                res = await client.get(f"/admin/orders?{ids}{fields}", headers=h)
            assert res.status_code == 200 and res.json()["count"] == len(page)
            counts.append(len(selects(seen)))
        assert counts[0] == counts[1] and counts[0] <= budget, (fields, counts)


async def test_order_list_skips_relations_nobody_asked_for(client: httpx.AsyncClient,
                                                           container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    with captured_statements(container) as seen:
        res = await client.get(f"/admin/orders?id[]={placed.order_id}&fields=id,email", headers=h)
    assert res.status_code == 200 and set(res.json()["orders"][0]) == {"id", "version", "email"}
    # the page with its count: no item, payment, fulfillment or address read
    assert len(selects(seen)) == 1, selects(seen)


async def test_order_list_reads_item_variants_only_when_asked_for(client: httpx.AsyncClient,
                                                                  container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    counts = []
    for fields in ("id,*items", "id,*items,*items.variant"):
        with captured_statements(container) as seen:
            res = await client.get(f"/admin/orders?id[]={placed.order_id}&fields={fields}", headers=h)
        assert res.status_code == 200
        counts.append(len(selects(seen)))
        items = res.json()["orders"][0]["items"]
        assert len(items) == 2
        if "variant" in fields:
            assert all(i["variant"]["id"] == i["variant_id"] and i["variant"]["product"]["id"] for i in items)
        else:
            assert all("variant" not in i for i in items)
    assert counts[1] == counts[0] + 2, counts  # the variants, then their products


async def test_unfiltered_order_list_pages_sorts_and_counts(client: httpx.AsyncClient, container: Container) -> None:
    """The list without filters runs a statement compiled once per sort: same pages and count as SQL says."""
    h = admin_headers(container)
    for _ in range(3):
        await place_order(container)
    async with container.database().read() as conn:
        live = (await conn.execute(text(
            'SELECT id FROM "order" WHERE deleted_at IS NULL AND is_draft_order IS false '
            "ORDER BY created_at DESC, id DESC"))).scalars().all()
    res = await client.get("/admin/orders?limit=2&fields=id", headers=h)
    assert res.status_code == 200
    assert res.json()["count"] == len(live) and [o["id"] for o in res.json()["orders"]] == live[:2]
    res = await client.get("/admin/orders?limit=2&offset=1&order=created_at&fields=id", headers=h)
    assert [o["id"] for o in res.json()["orders"]] == list(reversed(live))[1:3]
    res = await client.get(f"/admin/orders?limit=2&offset={len(live)}&fields=id", headers=h)
    assert res.json()["count"] == len(live) and res.json()["orders"] == []  # past the end: counted apart
    with captured_statements(container) as seen:
        await client.get("/admin/orders?limit=2&fields=id", headers=h)
    assert len(selects(seen)) == 1
