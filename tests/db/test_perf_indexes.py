"""Hot store reads use indexes (EXPLAIN of the statements the routes really run) and the `perf` branch's indexes.

Plans are checked with `enable_seqscan = off`: the planner then only picks a Seq Scan on a table when no index
can serve the query, so the assertion holds whatever the (shared, small) test database's statistics are.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from euryale.config import EuryaleConfig
from euryale.container import Container
from tests.support.catalog import admin_headers, channel_with_key, create_product, make_region, product_body
from tests.support.sql_capture import captured_statements, selects

# tables a product page reads by key or link; none of them may be read by a sequential scan
HOT_TABLES = {"product_variant", "product_variant_option", "product_option_value", "product_option", "price",
              "price_rule", "price_list", "price_list_rule", "product_variant_price_set", "product_sales_channel",
              "image", "product_tags", "product_tag", "product_category_product", "product_type",
              "product_collection", "api_key", "publishable_api_key_sales_channel", "region",
              "product_variant_inventory_item", "inventory_level", "sales_channel_stock_location"}
PERF_INDEXES = {"IDX_perf_product_created_at_id", "IDX_perf_product_category_parent", "IDX_perf_order_sales_channel_id",
                "IDX_perf_promotion_campaign_id"}


def _scans(plan: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    if "Relation Name" in plan:
        out.append((plan["Node Type"], plan["Relation Name"]))
    for child in plan.get("Plans", []):
        out.extend(_scans(child))
    return out


async def _seq_scans(container: Container, statements: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """(table, statement) for every Seq Scan on a hot table in the plans of `statements`."""
    bad = []
    async with container.database().transaction() as conn:
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        for sql, params in statements:
            plan = await driver.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *(params or ()))
            doc = plan if isinstance(plan, list) else __import__("json").loads(plan)
            for node, table in _scans(doc[0]["Plan"]):
                if node == "Seq Scan" and table in HOT_TABLES:
                    bad.append((table, sql[:160]))
    return bad


async def test_perf_branch_indexes_exist(container: Container) -> None:
    async with container.database().read() as conn:
        names = set((await conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'IDX_perf_%'")))
                    .scalars())
    assert PERF_INDEXES <= names


async def test_store_product_reads_use_indexes(client: httpx.AsyncClient, container: Container,
                                               config: EuryaleConfig) -> None:
    sc_ids, token, _ = await channel_with_key(container)
    headers = admin_headers(config)
    region_id = await make_region(container, "eur")
    products = [await create_product(client, headers, product_body(sc_ids, eur=20 + i)) for i in range(3)]
    pk = {"x-publishable-api-key": token}
    fields = "*variants.calculated_price,+variants.inventory_quantity,*categories"
    with captured_statements(container) as seen:
        r1 = await client.get("/store/products", headers=pk, params={"region_id": region_id, "limit": 20,
                                                                     "fields": fields})
        r2 = await client.get(f"/store/products/{products[0]['id']}", headers=pk,
                              params={"region_id": region_id})
    assert r1.status_code == 200 and r1.json()["count"] == 3
    assert r2.status_code == 200 and r2.json()["product"]["variants"][0]["calculated_price"]["calculated_amount"] == 20
    reads = selects(seen)
    touched = " ".join(s for s, _ in reads)
    for table in ("product_variant_price_set", "price", "product_variant_option", "product_sales_channel"):
        assert f"FROM {table}" in touched or f"JOIN {table}" in touched, table
    assert await _seq_scans(container, reads) == []


async def test_seq_scan_detector_is_not_vacuous(container: Container) -> None:
    """The check above would see a Seq Scan: a filter on an unindexed column of a hot table is reported."""
    bad = await _seq_scans(container, [("SELECT id FROM product_variant WHERE title = $1", ("x",))])
    assert bad and bad[0][0] == "product_variant"
