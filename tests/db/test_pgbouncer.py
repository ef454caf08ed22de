"""Euryale behind a real PgBouncer in transaction mode (tests/support/pgbouncer.py), configured as docs/deploy.md
says (`database_driver_options={"statement_cache": False}`): the release step migrates through it while replicas
race, and the store, admin and auth APIs work under concurrency while PgBouncer hands each transaction whichever
of its three server connections is free."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from euryale import doctor
from euryale.db import migrate
from tests.api.store.test_checkout import checkout_cart
from tests.conftest import make_config
from tests.support.arch import in_process_client, running
from tests.support.catalog import admin_headers, unique
from tests.support.commerce import make_shop
from tests.support.pgbouncer import Bouncer, pgbouncer_binary, start_pgbouncer
from tests.support.services import TestDatabase, admin_postgres_dsn, create_database, drop_database

pytestmark = pytest.mark.skipif(pgbouncer_binary() is None, reason="pgbouncer is not installed "
                                "(apt-get install pgbouncer; .ci/run installs it)")


@pytest.fixture(scope="module")
def bouncer() -> Iterator[Bouncer]:
    b = start_pgbouncer(admin_postgres_dsn())
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture(scope="module")
async def pooled_db(bouncer: Bouncer) -> AsyncIterator[TestDatabase]:
    """An empty database, reached through PgBouncer (`dsn`); dropped at the end."""
    direct = await create_database("pgbouncer")
    try:
        yield TestDatabase(name=direct.name, dsn=bouncer.dsn(direct.name))
    finally:
        await drop_database(direct)


async def _migration_locks(name: str) -> int:
    conn = await asyncpg.connect(admin_postgres_dsn())
    try:
        return int(await conn.fetchval(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = $1 "
            "AND l.locktype = 'advisory' AND ((l.classid::bigint << 32) | l.objid::bigint) = $2",
            name, migrate.MIGRATION_LOCK_KEY))
    finally:
        await conn.close()


async def test_racing_release_steps_migrate_through_pgbouncer(pooled_db: TestDatabase) -> None:
    runs = await asyncio.gather(*(asyncio.to_thread(migrate.upgrade, pooled_db.url) for _ in range(3)))
    applied = [rev for run in runs for rev in run]
    assert applied and len(applied) == len(set(applied)), runs  # each revision applied by exactly one run
    assert sorted(len(run) for run in runs)[:2] == [0, 0]
    assert await asyncio.to_thread(migrate.pending, pooled_db.url, ()) == []
    # no migration lock left on any server connection PgBouncer keeps (the next release would wait for it)
    assert await _migration_locks(pooled_db.name) == 0
    assert await asyncio.to_thread(migrate.upgrade, pooled_db.url) == []


async def test_store_admin_and_auth_under_concurrency_through_pgbouncer(pooled_db: TestDatabase) -> None:
    await asyncio.to_thread(migrate.upgrade, pooled_db.url)
    config = make_config(pooled_db, database_driver_options={"statement_cache": False})
    async with running(config) as container, in_process_client(container) as client:
        shop = await make_shop(container, prices=[32, 32])
        admin = admin_headers(config)

        async def shopper(n: int) -> str:
            ready = await checkout_cart(client, shop, qty=1 + n % 2)
            res = await client.post(f"/store/carts/{ready['cart_id']}/complete", headers=shop.headers)
            assert res.status_code == 200, res.text
            assert res.json()["type"] == "order"
            email = f"{unique('buyer')}@example.com"
            res = await client.post("/auth/customer/emailpass/register",
                                    json={"email": email, "password": "a-long-passphrase"})
            assert res.status_code == 200, res.text
            res = await client.post("/store/customers", json={"email": email},
                                    headers={**shop.headers, "Authorization": f"Bearer {res.json()['token']}"})
            assert res.status_code == 200, res.text
            res = await client.post("/auth/customer/emailpass", json={"email": email, "password": "a-long-passphrase"})
            assert res.status_code == 200, res.text
            res = await client.get("/store/customers/me", headers={**shop.headers,
                                                                   "Authorization": f"Bearer {res.json()['token']}"})
            assert res.status_code == 200 and res.json()["customer"]["email"] == email, res.text
            return str(ready["cart_id"])

        async def browser() -> None:
            for _ in range(10):
                res = await client.get("/store/products", headers=shop.headers,
                                       params={"region_id": shop.region_id, "limit": 5})
                assert res.status_code == 200, res.text
                res = await client.get(f"/store/products/{shop.variants[0].product_id}", headers=shop.headers,
                                       params={"region_id": shop.region_id})
                assert res.status_code == 200, res.text

        async def merchant() -> None:
            for _ in range(5):
                res = await client.post(f"/admin/products/{shop.variants[0].product_id}",
                                        json={"subtitle": unique("sub")}, headers=admin)
                assert res.status_code == 200, res.text
                res = await client.get("/admin/orders", headers=admin, params={"limit": 20})
                assert res.status_code == 200, res.text

        results = await asyncio.gather(*(shopper(n) for n in range(8)), browser(), browser(), merchant())
        carts = [r for r in results if isinstance(r, str)]
        res = await client.get("/admin/orders", headers=admin, params={"limit": 50, "fields": "id,email"})
        assert res.status_code == 200 and res.json()["count"] == len(carts) == 8, res.text


async def test_the_bouncer_really_moves_transactions_between_server_connections(bouncer: Bouncer,
                                                                               pooled_db: TestDatabase) -> None:
    """The control: asyncpg's default prepared-statement cache breaks here (a statement prepared on one server
    connection is executed on another), so the test above runs where `statement_cache: False` matters."""
    async def client() -> list[str]:
        conn = await asyncpg.connect(pooled_db.dsn)
        errors: list[str] = []
        try:
            for i in range(40):
                try:
                    await conn.fetchval("SELECT $1::int", i)
                except asyncpg.PostgresError as exc:
                    errors.append(type(exc).__name__)
        finally:
            await conn.close()
        return errors

    errors = [e for errs in await asyncio.gather(*(client() for _ in range(6))) for e in errs]
    assert "InvalidSQLStatementNameError" in errors  # prepared statement "__asyncpg_stmt_..." does not exist


def test_doctor_checks_the_schema_behind_the_pooler(pooled_db: TestDatabase) -> None:
    pooled = {"statement_cache": False}
    assert doctor.check_pooled_schema(make_config(pooled_db, database_driver_options=pooled)) == []
    findings = doctor.check_pooled_schema(make_config(pooled_db, database_driver_options=pooled,
                                                      database_schema="shop"))
    assert [(f.code, f.severity) for f in findings] == [("pooled_search_path", "fatal")]
    assert "'public'" in findings[0].message and "ALTER ROLE" in findings[0].fix
    # a direct connection sends its search_path itself: nothing to check
    assert doctor.check_pooled_schema(make_config(pooled_db, database_schema="shop")) == []
