"""The statements a line item add and a quantity change run keep one generic plan per connection.

PostgreSQL plans a prepared statement for its parameters five times, then keeps a generic plan only when that plan
is not estimated dearer than the custom ones. The add's cart read (`mutations._LOCKED_CART_WITH_VARIANT`) carries
the variant with its prices, stock and channels; read by `id = ANY($n)` (an array of unknown length: 10 variants
estimated) its generic plan cost ten times the custom ones on the benchmark catalog, and PostgreSQL planned it
again on every add: ~1.5 ms of PostgreSQL CPU per add, more than running it. Measured on that catalog (its own
database: the estimates depend on the tables' sizes and statistics).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from benchmarks.seed_dataset import seed_url
from euryale.db import migrate
from euryale.flows.cart import mutations
from tests.support import services
from tests.support.arch import arch_config, started


async def test_line_item_writes_keep_generic_plans() -> None:
    db = await services.create_database("plans")
    try:
        await asyncio.to_thread(migrate.upgrade, db.url)
        data = await seed_url(db.dsn)  # 200 products x 6 variants, prices in two currencies; ANALYZEd
        container = await started(arch_config(db, prefix=f"euryale_test:{services.RUN_ID}:plans:", redis=False))
        try:
            database = container.database()
            async with database.engine.connect() as conn:
                variants = [r[0] for r in (await conn.execute(text(
                    "SELECT v.id FROM product_variant v ORDER BY v.product_id, v.id LIMIT 3"))).all()]
                channel = (await conn.execute(text("SELECT id FROM sales_channel LIMIT 1"))).scalar_one()
                await conn.rollback()
            async with database.transaction() as conn:
                state = await mutations.create_cart(conn, data={"region_id": data["regions"]["eur"]},
                                                    sales_channel_ids=[channel], customer_id=None, locale=None)
            # one connection for every add: prepared statements and their plans are per connection
            async with database.engine.connect() as conn:
                for n in range(8):
                    async with conn.begin():
                        cart = await mutations.add_line_item(conn, cart_id=state["id"], customer_id=None,
                                                             item={"variant_id": variants[n % 3], "quantity": 1})
                assert sorted(int(i["quantity"]) for i in cart["items"]) == [2, 3, 3]
                line = cart["items"][0]
                for n in range(8):
                    async with conn.begin():
                        cart = await mutations.update_line_item(conn, cart_id=state["id"], line_id=line["id"],
                                                                quantity=n + 1, metadata=None, customer_id=None)
                assert [int(i["quantity"]) for i in cart["items"] if i["id"] == line["id"]] == [8]
                plans = (await conn.execute(text(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                    "WHERE statement LIKE '%priced_variants%' AND statement NOT LIKE '%pg_prepared_statements%'"
                ))).all()
                item_plans = (await conn.execute(text(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                    "WHERE statement LIKE 'SELECT product_variant.id, product_variant.product_id,%' "
                    "AND statement LIKE '%available_quantities%'"))).all()
                await conn.rollback()
        finally:
            await container.stop()
    finally:
        await services.drop_database(db)
    assert len(plans) == 1, plans
    # five custom plans, then the generic one for the three adds after them (was: eight custom plans)
    assert tuple(plans[0]) == (3, 5), plans
    # the quantity change's variant read: the same (was: eight custom plans)
    assert [tuple(p) for p in item_plans] == [(3, 5)], item_plans
