"""Concurrent writes to one cart serialise on the cart row: each write locks it first, inside its transaction
(`euryale.db.direct.begin` starts the transaction before the locking read, which runs on the driver)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from euryale.container import Container
from euryale.db import direct
from euryale.flows.cart import mutations
from tests.support.commerce import make_shop


async def test_twenty_concurrent_adds_to_one_cart_lose_no_quantity(client: httpx.AsyncClient,
                                                                   container: Container) -> None:
    shop = await make_shop(container, prices=[30, 31], stock=1000, tax_rate_percent=20)
    h = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]
    path = f"/store/carts/{cart['id']}/line-items"
    answers = await asyncio.gather(*(client.post(path, json={"variant_id": shop.variants[n % 2].id, "quantity": 1},
                                                 headers=h) for n in range(20)))
    assert [r.status_code for r in answers] == [200] * 20, [r.text for r in answers if r.status_code != 200]
    got = (await client.get(f"/store/carts/{cart['id']}", headers=h)).json()["cart"]
    # one line per variant (no duplicate line from two writers that both saw none), no increment lost
    assert sorted((i["variant_id"], i["quantity"]) for i in got["items"]) == sorted(
        (v.id, 10) for v in shop.variants)
    # each line has exactly one tax line (each write replaced the previous one's under the lock)
    assert all(len(i["tax_lines"]) == 1 for i in got["items"])
    assert got["total"] == 10 * 30 * 1.2 + 10 * 31 * 1.2
    # the answers saw the quantities one after another: every total from 1 to 20 units exactly once
    assert sorted(sum(i["quantity"] for i in r.json()["cart"]["items"]) for r in answers) == list(range(1, 21))


async def test_the_locking_read_runs_inside_the_transaction(container: Container) -> None:
    """The cart lock is taken on the driver after `begin`: it holds until the block ends (a second transaction
    cannot take it meanwhile) and the block's later SQLAlchemy statements run in the same transaction."""
    shop = await make_shop(container, prices=[30])
    async with container.database().transaction() as conn:
        created = await mutations.create_cart(conn, data={"region_id": shop.region_id},
                                              sales_channel_ids=[shop.sales_channel_id], customer_id=None,
                                              locale=None)
    db = container.database()
    async with db.transaction() as first:
        await mutations.locked_cart(first, cart_id=created["id"])
        driver = direct._adapted(first)._connection
        assert driver.is_in_transaction()
        # a later SQLAlchemy statement of the block joins the transaction the lock began (no second BEGIN)
        assert await first.scalar(text("SELECT txid_current()")) == await driver.fetchval("SELECT txid_current()")
        async with db.engine.connect() as other:
            await other.execute(text("SET lock_timeout = '200ms'"))
            try:
                await other.execute(text("SELECT id FROM cart WHERE id = :id FOR UPDATE"), {"id": created["id"]})
            except Exception as exc:  # the first transaction holds the row
                assert "lock timeout" in str(exc)
            else:
                raise AssertionError("the cart row was not locked")
            await other.rollback()


async def _waiting_for_a_lock(container: Container, needle: str) -> bool:
    async with container.database().read() as conn:
        return bool(await conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE :q"), {"q": f"%{needle}%"}))


async def test_a_write_whose_lock_waited_reads_the_cart_again(client: httpx.AsyncClient,
                                                              container: Container) -> None:
    """A write whose lock waited for a concurrent write of the cart reads the cart after the lock, with a snapshot
    that sees that write: reading it in the locking statement (whose snapshot predates the other write) would add
    to a quantity that is no longer there (a lost update: 2 instead of 3 below)."""
    shop = await make_shop(container, prices=[30], stock=1000)
    h = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]
    path = f"/store/carts/{cart['id']}/line-items"
    item = {"variant_id": shop.variants[0].id, "quantity": 1}
    assert (await client.post(path, json=item, headers=h)).status_code == 200
    async with container.database().transaction() as first:
        await mutations.add_line_item(first, cart_id=cart["id"], item=item)  # quantity 2, not committed yet
        second = asyncio.create_task(client.post(path, json=item, headers=h))
        for _ in range(500):  # until the second write's statement waits for this transaction's lock
            if await _waiting_for_a_lock(container, "FOR UPDATE"):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the second write never waited for the cart lock")
    answer = await second
    assert answer.status_code == 200, answer.text
    assert [i["quantity"] for i in answer.json()["cart"]["items"]] == [3]
    got = (await client.get(f"/store/carts/{cart['id']}", headers=h)).json()["cart"]
    assert [i["quantity"] for i in got["items"]] == [3]

