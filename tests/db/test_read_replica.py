"""`database_read_url` against a real streaming replica (tests/support/replica.py): store catalog reads go to the
replica while it keeps up; every read that must see the request's own writes (carts, admin, the workflow engine,
auth) goes to the primary; a replica behind, or down, is left for the primary; the catalog response cache is never
filled from a replica that has not replayed the write that bumped its version.

Replay on the standby is paused (`pg_wal_replay_pause()`) to make its lag certain: what it answers then is the
catalog before the write, which shows which server answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from euryale import doctor
from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.db import migrate
from euryale.db.replica import lsn_value, replica_failure
from tests.conftest import make_config
from tests.support.arch import in_process_client, running, wait_until
from tests.support.catalog import admin_headers, unique
from tests.support.commerce import Shop, make_shop
from tests.support.replica import ReplicaPair, start_replica_pair
from tests.support.servers import free_port
from tests.support.services import TestDatabase, redis_url


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicaPair]:
    p = start_replica_pair()
    try:
        yield p
    finally:
        p.stop()


@pytest.fixture(scope="module")
async def primary_db(pair: ReplicaPair) -> TestDatabase:
    """A migrated database on the pair's primary (gone with the pair)."""
    db = await pair.create_database("euryale_replica_test")
    await asyncio.to_thread(migrate.upgrade, db.url)
    return db


@pytest.fixture
async def standby(pair: ReplicaPair) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the standby; replay is running again after the test, whatever it did."""
    conn = await asyncpg.connect(pair.standby_dsn())
    try:
        yield conn
    finally:
        try:
            await conn.execute("SELECT pg_wal_replay_resume()")
        finally:
            await conn.close()


async def _position(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return lsn_value(str(await conn.fetchval(sql)))
    finally:
        await conn.close()


async def caught_up(pair: ReplicaPair) -> None:
    """Wait until the standby has replayed everything committed on the primary so far."""
    target = await _position(pair.primary_dsn(), "SELECT pg_current_wal_lsn()::text")

    async def replayed() -> bool:
        return await _position(pair.standby_dsn(), "SELECT pg_last_wal_replay_lsn()::text") >= target

    assert await wait_until(replayed, timeout=20)


async def replica_in_use(container: Container, expected: bool = True) -> None:
    """Wait for the server's replica monitor to reach `expected` (a store read starts it)."""
    db = container.database()
    assert db.replica is not None

    async def reached() -> bool:
        db.replica.ensure_running()
        return db.replica.usable is expected

    assert await wait_until(reached, timeout=20), (db.replica.usable, db.replica.lag_bytes)


async def _title(client: httpx.AsyncClient, shop: Shop, product_id: str, **params: str) -> str:
    res = await client.get(f"/store/products/{product_id}", headers=shop.headers, params=params)
    assert res.status_code == 200, res.text
    return str(res.json()["product"]["title"])


async def _rename(client: httpx.AsyncClient, headers: dict[str, str], product_id: str) -> str:
    title = unique("Renamed")
    res = await client.post(f"/admin/products/{product_id}", json={"title": title}, headers=headers)
    assert res.status_code == 200, res.text
    return title


async def _listed_titles(client: httpx.AsyncClient, shop: Shop) -> set[str]:
    res = await client.get("/store/products", headers=shop.headers, params={"limit": 50})
    assert res.status_code == 200, res.text
    return {p["title"] for p in res.json()["products"]}


@dataclass
class Scene:
    config: EuryaleConfig
    container: Container
    client: httpx.AsyncClient
    shop: Shop
    product_id: str
    title: str  # the product's title as created (replayed by the standby)


@asynccontextmanager
async def shop_on_replica(pair: ReplicaPair, db: TestDatabase, **project: Any) -> AsyncIterator[Scene]:
    """A running app reading the catalog from the standby (`project`: more project config), a shop in it, the
    standby caught up and in use."""
    config = make_config(db, database_read_url=pair.standby_dsn(db.name), **project)
    async with running(config) as container, in_process_client(container) as client:
        shop = await make_shop(container)
        product_id = shop.variants[0].product_id
        title = await _title(client, shop, product_id)
        await caught_up(pair)
        await replica_in_use(container)
        yield Scene(config, container, client, shop, product_id, title)


async def test_catalog_reads_use_the_replica_and_every_other_read_the_primary(
        pair: ReplicaPair, primary_db: TestDatabase, standby: asyncpg.Connection) -> None:
    async with shop_on_replica(pair, primary_db, database_read_max_lag=600) as scene:
        client, shop, product_id, before = scene.client, scene.shop, scene.product_id, scene.title
        admin = admin_headers(scene.config)

        await standby.execute("SELECT pg_wal_replay_pause()")
        after = await _rename(client, admin, product_id)
        # the store's catalog comes from the replica, which has not replayed the rename
        assert await _title(client, shop, product_id) == before
        assert before in await _listed_titles(client, shop)
        # the admin reads the primary
        res = await client.get(f"/admin/products/{product_id}", headers=admin)
        assert res.json()["product"]["title"] == after

        # a cart made while replay is paused exists only on the primary: its reads and writes all go there
        res = await client.post("/store/carts", json={"region_id": shop.region_id}, headers=shop.headers)
        assert res.status_code == 200, res.text
        cart_id = res.json()["cart"]["id"]
        res = await client.post(f"/store/carts/{cart_id}/line-items",
                                json={"variant_id": shop.variants[0].id, "quantity": 2}, headers=shop.headers)
        assert res.status_code == 200, res.text
        res = await client.get(f"/store/carts/{cart_id}", headers=shop.headers)
        assert res.status_code == 200, res.text
        assert [i["quantity"] for i in res.json()["cart"]["items"]] == [2]
        # a product priced for that cart: the page from the replica, the cart's pricing context from the primary
        res = await client.get(f"/store/products/{product_id}", headers=shop.headers, params={"cart_id": cart_id})
        assert res.status_code == 200, res.text
        assert res.json()["product"]["title"] == before
        variant = next(v for v in res.json()["product"]["variants"] if v["id"] == shop.variants[0].id)
        assert variant["calculated_price"]["calculated_amount"] == float(shop.variants[0].price)
        # the store's own customer routes read the primary too (a customer made while replay is paused)
        res = await client.post("/auth/customer/emailpass/register",
                                json={"email": f"{unique('c')}@example.com", "password": "a-long-passphrase"})
        assert res.status_code == 200, res.text

        await standby.execute("SELECT pg_wal_replay_resume()")
        await caught_up(pair)
        assert await _title(client, shop, product_id) == after


async def test_a_replica_further_behind_than_the_max_lag_is_left_for_the_primary(
        pair: ReplicaPair, primary_db: TestDatabase, standby: asyncpg.Connection) -> None:
    async with shop_on_replica(pair, primary_db, database_read_max_lag=0.5) as scene:
        client, shop, product_id, container = scene.client, scene.shop, scene.product_id, scene.container

        await standby.execute("SELECT pg_wal_replay_pause()")
        after = await _rename(client, admin_headers(scene.config), product_id)
        await replica_in_use(container, expected=False)
        assert await _title(client, shop, product_id) == after
        metrics = (await client.get("/metrics")).text
        assert 'euryale_db_replica_usable{engine="main"} 0.0' in metrics

        await standby.execute("SELECT pg_wal_replay_resume()")
        await replica_in_use(container)
        assert await _title(client, shop, product_id) == after
        assert 'euryale_db_replica_usable{engine="main"} 1.0' in (await client.get("/metrics")).text


async def test_the_catalog_cache_is_never_filled_from_a_replica_behind_the_write(
        pair: ReplicaPair, primary_db: TestDatabase, standby: asyncpg.Connection, redis_prefix: str) -> None:
    cache = {"resolve": "euryale.modules.cache_redis", "options": {"prefix": f"{redis_prefix}replica:"}}
    async with shop_on_replica(pair, primary_db, database_read_max_lag=600, redis_url=redis_url(),
                               modules=[cache]) as scene:
        client, shop, product_id, before = scene.client, scene.shop, scene.product_id, scene.title

        await standby.execute("SELECT pg_wal_replay_pause()")
        after = await _rename(client, admin_headers(scene.config), product_id)
        # the rename bumped the catalog version; the replica has not replayed it, so the new version's entries
        # are produced on the primary (the replica still answers reads that fill nothing)
        assert await _title(client, shop, product_id) == after
        assert await _title(client, shop, product_id) == after  # from the cache now
        assert after in await _listed_titles(client, shop) and before not in await _listed_titles(client, shop)
        replica = scene.container.database().replica
        assert replica is not None and replica.usable

        await standby.execute("SELECT pg_wal_replay_resume()")
        await caught_up(pair)
        assert await _title(client, shop, product_id) == after


async def test_reads_go_to_the_primary_while_the_replica_is_down(
        pair: ReplicaPair, primary_db: TestDatabase) -> None:
    async with shop_on_replica(pair, primary_db, database_read_max_lag=600) as scene:
        client, shop, product_id, title, container = (scene.client, scene.shop, scene.product_id, scene.title,
                                                      scene.container)

        await asyncio.to_thread(pair.stop_standby)
        try:
            await replica_in_use(container, expected=False)
            assert await _title(client, shop, product_id) == title
            assert title in await _listed_titles(client, shop)
        finally:
            await asyncio.to_thread(pair.start_standby)
        await replica_in_use(container)
        assert await _title(client, shop, product_id) == title


async def test_a_read_url_to_another_cluster_is_never_read(pair: ReplicaPair, primary_db: TestDatabase,
                                                           database: TestDatabase) -> None:
    # `database` (the run's own database, migrated, on another PostgreSQL server) has none of this shop's rows
    config = make_config(primary_db, database_read_url=database.dsn)
    async with running(config) as container, in_process_client(container) as client:
        shop = await make_shop(container)
        product_id = shop.variants[0].product_id
        replica = container.database().replica
        assert replica is not None

        async def sampled() -> bool:
            replica.ensure_running()
            return replica.foreign

        assert await wait_until(sampled)
        assert await _title(client, shop, product_id)
        assert not replica.usable


def test_doctor_checks_the_read_replica(pair: ReplicaPair, primary_db: TestDatabase, database: TestDatabase
                                       ) -> None:
    def codes(read_url: str) -> list[str]:
        return [f.code for f in doctor.check_read_replica(make_config(primary_db, database_read_url=read_url))]

    # the test standby keeps PostgreSQL's default hot_standby_feedback (off)
    assert codes(pair.standby_dsn(primary_db.name)) == ["read_replica_feedback"]
    assert codes(pair.primary_dsn(primary_db.name)) == ["read_replica_is_primary"]
    assert codes(database.dsn) == ["read_replica_foreign"]
    assert codes(f"postgresql://postgres@127.0.0.1:{free_port()}/x") == ["read_replica_unreachable"]
    findings = doctor.check_read_replica(make_config(primary_db, database_read_url=database.dsn))
    assert findings[0].severity == "fatal"


async def test_a_replica_failing_under_a_read_is_read_again_on_the_primary(
        pair: ReplicaPair, primary_db: TestDatabase) -> None:
    async with shop_on_replica(pair, primary_db, database_read_max_lag=600) as scene:
        client, shop, product_id, title = scene.client, scene.shop, scene.product_id, scene.title
        replica = scene.container.database().replica
        assert replica is not None
        # the monitor would notice a restart and drop the replica's pooled connections: with it asleep, the pool
        # keeps connections to the standby as it was, and the next catalog read finds one dead under it
        replica.interval = 3600
        await asyncio.sleep(0.6)  # its last sample taken: it sleeps now (and a catalog read does not wake it)
        for read in (lambda: _title(client, shop, product_id), lambda: _listed_titles(client, shop)):
            assert await _title(client, shop, product_id) == title  # on the replica: its pool holds a connection
            await asyncio.to_thread(pair.stop_standby)
            await asyncio.to_thread(pair.start_standby)
            replica.usable = True  # the verdict of the last sample, as if the restart fell between two
            found = await read()
            assert title == found or title in found  # answered from the primary, not a 500
            assert not replica.usable
            replica.usable = True
        await replica.stop()
        replica.interval = 0.25
        replica.ensure_running()
        await caught_up(pair)
        await replica_in_use(scene.container)


async def test_what_counts_as_the_replica_failing(pair: ReplicaPair) -> None:
    """Real errors: a connection the server dropped is the replica failing (read again on the primary); a wrong
    statement is not (it answers as it would on the primary)."""
    conn = await asyncpg.connect(pair.standby_dsn())
    try:
        with pytest.raises(asyncpg.PostgresError) as wrong:
            await conn.fetchval("SELECT 1 / 0")
        assert not replica_failure(wrong.value)
        with pytest.raises(asyncpg.PostgresError) as read_only:
            await conn.execute("CREATE TABLE nope (id int)")  # a standby refuses writes: the caller's mistake
        assert not replica_failure(read_only.value)
        killer = await asyncpg.connect(pair.standby_dsn())
        try:
            await killer.fetchval("SELECT pg_terminate_backend($1)", conn.get_server_pid())
        finally:
            await killer.close()
        with pytest.raises(Exception) as dropped:
            await conn.fetchval("SELECT 1")
        assert replica_failure(dropped.value), repr(dropped.value)
    finally:
        conn.terminate()
