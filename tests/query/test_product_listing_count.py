"""Product listing counts (migration links_0002): a plain store listing's `count` is kept between the writes that
may change it, and is right again after every such write, committed or not, whatever path wrote it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from euryale.boot import build_container
from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.http.app import create_app
from euryale.query import listing_count, product_documents
from tests.conftest import make_config
from tests.support.catalog import admin_headers, channel_with_key, create_product, product_body
from tests.support.services import TestDatabase

VERSION = 'SELECT coalesce(sum("weight"), 0) FROM "product_listing_change"'


async def _version(container: Container) -> int:
    async with container.database().read() as conn:
        return int((await conn.execute(text(VERSION))).scalar_one())


async def _poison(container: Container, channels: list[str]) -> None:
    """Keep a wrong count at the current version: a read that serves it shows it (a read that counts does not)."""
    async with container.database().transaction() as conn:
        await conn.execute(text(
            'INSERT INTO "product_listing_count" ("channels", "version", "count") '
            f'VALUES (:channels, ({VERSION}), 999) ON CONFLICT ("channels") DO UPDATE '
            'SET "version" = EXCLUDED."version", "count" = 999'), {"channels": sorted(channels)})


async def _counts(client: httpx.AsyncClient, pk: dict[str, str]) -> tuple[int, int]:
    """(count answered by the store documents path, count answered by the ordinary path): both keep counts."""
    served = await client.get("/store/products", headers=pk)
    product_documents.ENABLED = False
    try:
        counted = await client.get("/store/products", headers=pk)
    finally:
        product_documents.ENABLED = True
    assert served.status_code == 200 and counted.status_code == 200, (served.text, counted.text)
    return served.json()["count"], counted.json()["count"]


@pytest.fixture
async def listing(client: httpx.AsyncClient, container: Container, config: EuryaleConfig) -> dict[str, Any]:
    sc_ids, token, _ = await channel_with_key(container)
    headers = admin_headers(config)
    products = [await create_product(client, headers, product_body(sc_ids)) for _ in range(2)]
    return {"sc_ids": sc_ids, "pk": {"x-publishable-api-key": token}, "headers": headers, "products": products}


async def test_kept_count_is_served_then_replaced_by_each_listing_write(
        client: httpx.AsyncClient, container: Container, listing: dict[str, Any]) -> None:
    pk, headers, sc = listing["pk"], listing["headers"], listing["sc_ids"][0]
    assert await _counts(client, pk) == (2, 2)
    async with container.database().read() as conn:
        kept = (await conn.execute(text('SELECT "version", "count" FROM "product_listing_count" '
                                        'WHERE "channels" = :c'), {"c": [sc]})).one()
    assert tuple(kept) == (await _version(container), 2)
    await _poison(container, [sc])
    assert await _counts(client, pk) == (999, 999)  # served by both paths, not counted

    first, second = (p["id"] for p in listing["products"])
    writes: list[tuple[str, str, dict[str, Any] | None, int]] = [
        ("POST", "/admin/products", product_body([sc]), 3),
        ("POST", f"/admin/products/{first}", {"status": "draft"}, 2),
        ("POST", f"/admin/products/{first}", {"status": "published"}, 3),
        ("POST", f"/admin/sales-channels/{sc}/products", {"remove": [second]}, 2),
        ("POST", f"/admin/sales-channels/{sc}/products", {"add": [second]}, 3),
        ("DELETE", f"/admin/products/{first}", None, 2),
    ]
    for method, path, body, expected in writes:
        await _poison(container, [sc])
        res = await client.request(method, path, json=body, headers=headers)
        assert res.status_code == 200, (path, res.text)
        assert await _counts(client, pk) == (expected, expected), (method, path, body)

    # a write no listing shows keeps the kept count valid
    before = await _version(container)
    res = await client.post(f"/admin/products/{second}", json={"title": "Renamed"}, headers=headers)
    assert res.status_code == 200, res.text
    assert await _version(container) == before


async def test_plain_sql_writes_and_rollbacks(client: httpx.AsyncClient, container: Container,
                                              listing: dict[str, Any]) -> None:
    pk, sc = listing["pk"], listing["sc_ids"][0]
    pid = listing["products"][0]["id"]
    assert await _counts(client, pk) == (2, 2)
    before = await _version(container)
    db = container.database()
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute(text("UPDATE product SET status = 'draft' WHERE id = :id"), {"id": pid})
            raise RuntimeError("roll back")
    assert await _version(container) == before  # a rolled-back write changes nothing
    await _poison(container, [sc])
    async with db.transaction() as conn:
        await conn.execute(text("UPDATE product_sales_channel SET deleted_at = now() WHERE product_id = :id"),
                           {"id": pid})
    assert await _version(container) > before
    assert await _counts(client, pk) == (1, 1)


async def test_a_count_read_before_a_write_is_never_served(client: httpx.AsyncClient, container: Container,
                                                           listing: dict[str, Any]) -> None:
    """A reader that counted with a snapshot older than a committed write keeps its count under the version it
    read, which is no longer the current one."""
    pk, sc = listing["pk"], listing["sc_ids"][0]
    old_version = await _version(container)
    res = await client.post(f"/admin/products/{listing['products'][0]['id']}", json={"status": "draft"},
                            headers=listing["headers"])
    assert res.status_code == 200, res.text
    async with container.database().transaction() as conn:
        await conn.execute(text('DELETE FROM "product_listing_count" WHERE "channels" = :c'), {"c": [sc]})
    row = {"__count__": 999, "__kept_count__": None, "__listing_version__": old_version}
    async with container.database().read() as conn:  # counted before the write, kept after it
        assert await listing_count.count_of(conn, container, row, [sc]) == 999
    assert await _counts(client, pk) == (1, 1)


async def test_a_product_in_two_of_the_keys_channels_counts_once(client: httpx.AsyncClient, container: Container,
                                                                 config: EuryaleConfig) -> None:
    sc_ids, token, _ = await channel_with_key(container, channels_count=2)
    pk = {"x-publishable-api-key": token}
    headers = admin_headers(config)
    await create_product(client, headers, product_body(sc_ids))
    await create_product(client, headers, product_body(sc_ids[1:]))
    assert await _counts(client, pk) == (2, 2)
    assert await _counts(client, pk) == (2, 2)  # the kept one
    await _poison(container, list(reversed(sc_ids)))  # kept under the sorted channels, whatever their order
    assert (await _counts(client, pk))[0] == 999


async def test_concurrent_listing_writes_never_wait_for_each_other(container: Container,
                                                                   listing: dict[str, Any]) -> None:
    """Two open transactions each change a listing (both fold the change rows they can lock); neither waits, and
    once both commit the version has grown by both and the table is still a few rows."""
    db = container.database()
    first, second = (p["id"] for p in listing["products"])
    before = await _version(container)
    async with db.transaction() as a, db.transaction() as b:
        await a.execute(text("UPDATE product SET status = 'draft' WHERE id = :id"), {"id": first})
        await asyncio.wait_for(
            b.execute(text("UPDATE product SET status = 'draft' WHERE id = :id"), {"id": second}), timeout=5)
    assert await _version(container) == before + 2
    async with db.read() as conn:
        rows = (await conn.execute(text('SELECT count(*) FROM "product_listing_change"'))).scalar_one()
    assert rows <= 3


async def test_a_first_page_keeps_a_generic_plan(container: Container, listing: dict[str, Any],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A first page's statement has its LIMIT written in, so PostgreSQL keeps one generic plan for it after five
    executions (with a LIMIT parameter it planned the statement again on every execution)."""
    monkeypatch.setattr(listing_count, "_first_page_sizes", set())  # other tests' page sizes may have filled it
    sc = listing["sc_ids"][0]
    first = listing_count.first_page(20, 0)
    assert first == 20 and listing_count.paging(20, 0, first) == {}
    query = product_documents._page_query(first)
    async with container.database().read() as conn:
        for _ in range(7):
            await query.fetch(conn, channels=[sc], channel_key=[sc], shape="list")
        raw = await conn.get_raw_connection()
        plans = await raw.driver_connection.fetchrow(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1", query._sql)
    assert plans is not None and plans["generic_plans"] >= 1, plans
    assert "LIMIT 20" in str(query._sql)
    # later pages, and page sizes beyond the first few, take the statement with parameters
    assert listing_count.first_page(20, 20) is None
    assert [listing_count.first_page(n, 0) for n in range(1, 40)][-1] is None
    assert len(listing_count._first_page_sizes) == listing_count.FIRST_PAGE_SIZES


async def test_a_burst_of_reads_that_keep_counts_and_documents_never_waits_on_the_pool(
        database: TestDatabase, config: EuryaleConfig, client: httpx.AsyncClient, container: Container) -> None:
    """More concurrent first reads than pooled connections, each keeping a count and documents: they write on the
    connection they read with, so none waits for a second one (a second checkout each was a circular wait that
    only the pool's timeout ended)."""
    sc_ids, token, _ = await channel_with_key(container)
    for _ in range(3):
        await create_product(client, admin_headers(config), product_body(sc_ids))
    small = build_container(make_config(database, database_driver_options={"pool": {"max": 2}}))
    await small.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(small)),
                                     base_url="http://test") as burst:
            answers = await asyncio.wait_for(asyncio.gather(*(
                burst.get("/store/products", headers={"x-publishable-api-key": token}) for _ in range(8))),
                timeout=20)
    finally:
        await small.stop()
    assert [(a.status_code, a.json()["count"]) for a in answers] == [(200, 3)] * 8
