"""Store cart writes commit asynchronously (`synchronous_commit = off` for their transaction only, the project's
`ephemeral_async_commit`, on by default); every other write keeps PostgreSQL's synchronous commit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from euryale.container import Container
from tests.conftest import make_config
from tests.support.arch import in_process_client, running
from tests.support.catalog import admin_headers, unique
from tests.support.commerce import make_shop
from tests.support.services import TestDatabase


@pytest.fixture(scope="module")
async def one_connection(database: TestDatabase) -> AsyncIterator[Container]:
    """A container whose pool holds one connection: each transaction runs on the connection the previous used."""
    async with running(make_config(database, database_driver_options={"pool": {"max": 1}})) as container:
        yield container


@pytest.fixture(scope="module")
async def one_client(one_connection: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(one_connection) as c:
        yield c


@contextmanager
def settings_at_commit(container: Container) -> Iterator[list[str]]:
    """`synchronous_commit` as each transaction of the block stands when it commits (read in that transaction)."""
    seen: list[str] = []

    def on_commit(conn: Any) -> None:
        seen.append(conn.exec_driver_sql("SELECT current_setting('synchronous_commit')").scalar())

    engine = container.database().engine.sync_engine
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", on_commit)


async def _session_setting(container: Container) -> str:
    async with container.database().transaction() as conn:
        return str((await conn.execute(text("SELECT current_setting('synchronous_commit')"))).scalar())


async def test_cart_writes_commit_asynchronously_and_nothing_else(one_connection: Container,
                                                                  one_client: httpx.AsyncClient) -> None:
    container, client = one_connection, one_client
    shop = await make_shop(container)
    with settings_at_commit(container) as seen:
        res = await client.post("/store/carts", json={"region_id": shop.region_id}, headers=shop.headers)
        assert res.status_code == 200, res.text
        cart_id = res.json()["cart"]["id"]
        for quantity in (1, 2):  # a new line, then the same variant again
            res = await client.post(f"/store/carts/{cart_id}/line-items",
                                    json={"variant_id": shop.variants[0].id, "quantity": quantity},
                                    headers=shop.headers)
            assert res.status_code == 200, res.text
        assert res.json()["cart"]["items"][0]["quantity"] == 3
        # a new email: a guest customer too (two events: the statement recording several)
        res = await client.post(f"/store/carts/{cart_id}", json={"email": f"{unique('ac')}@example.com"},
                                headers=shop.headers)
        assert res.status_code == 200, res.text
    assert seen == ["off", "off", "off", "off"]
    # SET LOCAL: the next transaction on the same (only) connection commits synchronously again
    assert await _session_setting(container) == "on"

    # the write is there for everyone at once: asynchronous commit delays only its flush to disk
    res = await client.get(f"/store/carts/{cart_id}", headers=shop.headers)
    assert [i["quantity"] for i in res.json()["cart"]["items"]] == [3]

    # an admin write is not ephemeral: synchronous
    with settings_at_commit(container) as seen:
        res = await client.post("/admin/customers", json={"email": f"{unique('ac')}@example.com"},
                                headers=admin_headers(container.config))
        assert res.status_code == 200, res.text
    assert seen and set(seen) == {"on"}

    # a failed cart write commits nothing and leaves the connection as it was
    with settings_at_commit(container) as seen:
        res = await client.post(f"/store/carts/{cart_id}/line-items",
                                json={"variant_id": "variant_missing", "quantity": 1}, headers=shop.headers)
        assert res.status_code == 400, res.text
    assert "off" not in seen
    assert await _session_setting(container) == "on"


async def test_the_project_can_keep_cart_writes_synchronous(one_connection: Container,
                                                            one_client: httpx.AsyncClient) -> None:
    container, client = one_connection, one_client
    shop = await make_shop(container)
    container.config.project_config.ephemeral_async_commit = False
    try:
        with settings_at_commit(container) as seen:
            res = await client.post("/store/carts", json={"region_id": shop.region_id}, headers=shop.headers)
            assert res.status_code == 200, res.text
        assert seen == ["on"]
    finally:
        container.config.project_config.ephemeral_async_commit = True


def test_config_reads_ephemeral_async_commit(env: pytest.MonkeyPatch, database: TestDatabase) -> None:
    assert make_config(database).project_config.ephemeral_async_commit is True
    env.setenv("EPHEMERAL_ASYNC_COMMIT", "false")
    assert make_config(database).project_config.ephemeral_async_commit is False
    assert make_config(database, ephemeral_async_commit=True).project_config.ephemeral_async_commit is True
