"""Server CPU per request, in-process: the app driven through httpx's ASGI transport on the benchmark dataset.

Wall-clock req/s is noisy on a shared machine; the CPU time the server process spends per request is not, so this
is the figure to compare two commits with (`time.process_time()` around N requests, plus statements per request).

    python -m benchmarks.cpu                          # products_list, product_detail, regions, uncached, 100 each
    python -m benchmarks.cpu --cache redis            # through the Redis response cache (warm)
    python -m benchmarks.cpu --profile products_list  # cProfile of one scenario (top 40 by cumulative time)
    python -m benchmarks.cpu --database-url postgresql://.../db  # reuse a seeded database (else one is made)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import time
from typing import Any

import httpx

from benchmarks.seed_dataset import seed_url
from euryale.boot import build_container
from euryale.config import define_config
from euryale.db import migrate
from euryale.http.app import create_app
from tests.support import services
from tests.support.sql_capture import captured_statements

SECRET = "cpu-bench-" + "x" * 40
REDIS_PREFIX = f"euryale_cpu_bench:{services.RUN_ID}:"


def _paths(data: dict[str, Any]) -> dict[str, list[str]]:
    region = data["regions"]["eur"]
    return {
        "products_list": [f"/store/products?limit=20&region_id={region}"],
        "product_detail": [f"/store/products/{pid}?region_id={region}" for pid in data["product_ids"]],
        "regions": ["/store/regions"],
    }


async def measure(dsn: str, data: dict[str, Any], scenarios: list[str], n: int, cache: str,
                  profile: str | None, repeat: int = 3) -> None:
    modules: list[dict[str, Any]] = []
    if cache == "redis":
        modules = [{"resolve": "euryale.modules.cache_redis",
                    "options": {"redis_url": services.redis_url(), "prefix": REDIS_PREFIX}}]
    config = define_config(project_config={"database_url": dsn, "worker_mode": "server",
                                           "http": {"jwt_secret": SECRET, "cookie_secret": SECRET}},
                           modules=modules)
    container = build_container(config)
    await container.start()
    try:
        app = create_app(container)
        headers = {"x-publishable-api-key": data["publishable_key"]}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            gc.freeze()  # as `euryale start` does after start-up
            for name in scenarios:
                paths = _paths(data)[name]
                for p in paths[:5]:  # warm: key lookup, statement caches, response cache
                    r = await client.get(p, headers=headers)
                    assert r.status_code == 200, (p, r.status_code, r.text[:300])
                with captured_statements(container) as seen:
                    await client.get(paths[0], headers=headers)
                size = len(r.content)
                prof = cProfile.Profile(time.process_time) if profile == name else None
                runs = []
                for _ in range(1 if prof is not None else repeat):
                    t0 = time.process_time()
                    if prof is not None:
                        prof.enable()
                    for i in range(n):
                        r = await client.get(paths[i % len(paths)], headers=headers)
                    if prof is not None:
                        prof.disable()
                    runs.append((time.process_time() - t0) * 1000 / n)
                # the least disturbed run: other processes on a shared machine only ever add to it
                print(f"{name:16} {min(runs):7.2f} ms CPU/request (min of {len(runs)} runs of {n})  "
                      f"{len(seen):3d} statements  {size / 1024:7.1f} KB  (cache={cache})")
                if prof is not None:
                    pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
                    pstats.Stats(prof).sort_stats("tottime").print_stats(30)
    finally:
        await container.stop()
        if cache == "redis":
            import redis.asyncio as aioredis

            client = aioredis.from_url(services.redis_url())
            keys = [k async for k in client.scan_iter(match=REDIS_PREFIX + "*", count=1000)]
            if keys:
                await client.delete(*keys)
            await client.aclose()


async def main_async(args: argparse.Namespace) -> None:
    db = None
    dsn = args.database_url
    if dsn is None:
        db = await services.create_database("cpu")
        dsn = db.dsn
        await asyncio.to_thread(migrate.upgrade, db.url)
    try:
        data = await seed_url(dsn) if db is not None or args.seed else None
        if data is None:
            data = await _existing(dsn)
        await measure(dsn, data, args.scenarios.split(","), args.n, args.cache, args.profile, args.repeat)
    finally:
        if db is not None and not args.keep:
            await services.drop_database(db)
        elif db is not None:
            print(f"kept database: {db.dsn}")


async def _existing(dsn: str) -> dict[str, Any]:
    """Ids of an already seeded benchmark database."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        key = await conn.fetchval("SELECT token FROM api_key WHERE type = 'publishable' ORDER BY created_at LIMIT 1")
        region = await conn.fetchval("SELECT id FROM region WHERE currency_code = 'eur' ORDER BY created_at LIMIT 1")
        products = [r[0] for r in await conn.fetch("SELECT id FROM product ORDER BY created_at LIMIT 50")]
    finally:
        await conn.close()
    return {"publishable_key": key, "regions": {"eur": region}, "product_ids": products}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="products_list,product_detail,regions")
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="runs of n requests; the fastest is reported")
    parser.add_argument("--cache", choices=("none", "redis"), default="none")
    parser.add_argument("--profile", default=None, help="a scenario to run under cProfile")
    parser.add_argument("--database-url", default=None, help="an already migrated and seeded database")
    parser.add_argument("--seed", action="store_true", help="seed --database-url first")
    parser.add_argument("--keep", action="store_true", help="keep the database it creates")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
