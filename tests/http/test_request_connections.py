"""A store GET's read blocks share one pooled connection: the publishable key's block keeps it for the page's block
(`euryale.db.engine.RequestConnections`), and every connection a request takes is back in the pool when it ends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from euryale.container import Container
from tests.support.catalog import channel_with_key


@contextmanager
def pool_traffic(container: Container) -> Iterator[dict[str, int]]:
    """Pool checkouts and checkins made by the current task (the in-process request runs in it), not by the
    container's background tasks."""
    task = asyncio.current_task()
    seen = {"checkout": 0, "checkin": 0}
    engine = container.database().read_engine.sync_engine

    def on_checkout(*_: Any) -> None:
        if asyncio.current_task() is task:
            seen["checkout"] += 1

    def on_checkin(*_: Any) -> None:
        if asyncio.current_task() is task:
            seen["checkin"] += 1

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)


async def test_a_store_get_checks_out_one_connection(client: httpx.AsyncClient, container: Container) -> None:
    _, token, _ = await channel_with_key(container)
    pk = {"x-publishable-api-key": token}
    cases = [
        ("/store/regions", 200),  # key lookup, then the page and its countries on the same connection
        ("/store/currencies", 200),
        ("/store/regions/reg_missing", 404),  # the page's block fails: its connection still goes back
        (f"/store/regions?limit={2**31}", 400),  # fails before reading: the kept connection is released at the end
    ]
    for path, status in cases:
        with pool_traffic(container) as seen:
            r = await client.get(path, headers=pk)
        assert r.status_code == status, (path, r.text)
        assert seen == {"checkout": 1, "checkin": 1}, path  # two checkouts before
    with pool_traffic(container) as seen:
        r = await client.get("/store/regions", headers={"x-publishable-api-key": "pk_unknown"})
    assert r.status_code == 400 and seen == {"checkout": 1, "checkin": 1}

