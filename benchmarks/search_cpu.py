"""Search CPU and SQL, in-process, on the benchmark dataset (200 products × 6 variants): a full product-index
build (one statement), then `POST /store/search` and `GET /admin/search` per request (server CPU through httpx's
ASGI transport, `time.process_time()`, fastest of 3 runs) with the statements each runs.

    python -m benchmarks.search_cpu [-n 200]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from typing import Any

import httpx

from benchmarks.seed_dataset import seed_url
from euryale.boot import build_container
from euryale.config import define_config
from euryale.db import migrate
from euryale.http.app import create_app
from tests.support import services
from tests.support.catalog import admin_headers
from tests.support.sql_capture import captured_statements

SECRET = "search-bench-" + "x" * 40


async def _requests(client: httpx.AsyncClient, container: Any, name: str, send: Any, n: int) -> None:
    res = await send()
    assert res.status_code == 200, res.text[:300]
    with captured_statements(container) as seen:
        await send()
    runs = []
    for _ in range(3):
        started = time.process_time()
        for _ in range(n):
            await send()
        runs.append((time.process_time() - started) * 1000 / n)
    print(f"{name:28} {min(runs):6.2f} ms CPU/request  {len(seen):2d} statements  {len(res.content) / 1024:5.1f} KB")


async def measure(dsn: str, data: dict[str, Any], n: int) -> None:
    config = define_config(project_config={"database_url": dsn, "worker_mode": "server",
                                           "http": {"jwt_secret": SECRET, "cookie_secret": SECRET}},
                           modules=[{"resolve": "euryale.modules.search",
                                     "options": {"store_indexes": ["product"]}}])
    container = build_container(config)
    await container.start()
    try:
        search = container.resolve("search")
        started, cpu = time.perf_counter(), time.process_time()
        async with container.database().transaction() as conn:
            await search.sync(conn, "product", None)
        print(f"{'full product index build':28} {(time.perf_counter() - started) * 1000:6.1f} ms wall, "
              f"{(time.process_time() - cpu) * 1000:5.1f} ms CPU ({data['products']} products, one statement)")
        app = create_app(container)
        store = {"x-publishable-api-key": data["publishable_key"]}
        admin = admin_headers(config)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            gc.freeze()
            await _requests(client, container, "store search q=hoodie", lambda: client.post(
                "/store/search", headers=store, json={"entity": "product", "filters": {"q": "organic hoodie"},
                                                      "pagination": {"take": 20}}), n)
            await _requests(client, container, "store search typeahead+facet", lambda: client.post(
                "/store/search", headers=store, json={"entity": "product", "filters": {"q": "hood"},
                                                      "search_options": {"match_strategy": "last",
                                                                         "facets": ["collection_id"]}}), n)
            await _requests(client, container, "admin search (index)", lambda: client.get(
                "/admin/search", headers=admin, params={"q": "hoodie"}), n)
            await _requests(client, container, "admin search (3 fallbacks)", lambda: client.get(
                "/admin/search", headers=admin, params={"q": "eur", "entity": "region,customer,product_variant"}), n)
    finally:
        await container.stop()


async def main_async(n: int) -> None:
    db = await services.create_database("searchcpu")
    try:
        await asyncio.to_thread(migrate.upgrade, db.url)
        await measure(db.dsn, await seed_url(db.dsn), n)
    finally:
        await services.drop_database(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200)
    asyncio.run(main_async(parser.parse_args().n))


if __name__ == "__main__":
    main()
