"""Server CPU per request, in-process: the app driven through httpx's ASGI transport on the benchmark dataset.

Wall-clock req/s is noisy on a shared machine; the CPU time the server process spends per request is not, so this
is the figure to compare two commits with (`time.process_time()` around N requests, plus statements per request).

    python -m benchmarks.cpu                          # products_list, product_detail, regions, uncached, 100 each
    python -m benchmarks.cpu --cache redis            # through the Redis response cache (warm)
    python -m benchmarks.cpu --profile products_list  # cProfile of one scenario (top 40 by cumulative time)
    python -m benchmarks.cpu --database-url postgresql://.../db  # reuse a seeded database (else one is made)
    python -m benchmarks.cpu --database-url postgresql://.../db --dump /tmp/before  # catalog bodies, to diff
    python -m benchmarks.cpu --driver asgi            # the app called directly: server CPU only, no httpx client

`--dump` adds (once, idempotently) a sale and an override price list, a price with a region rule, a tax-inclusive
preference on the USD region, tax rates for DE and US and a cart, then writes the uncached bodies of ~50 store
catalog reads (fields, filters, `q`, order, offsets, both currencies, region / country / cart price contexts) to
the directory, one file each, for a byte-for-byte `diff -r` across commits.

With `--driver httpx` (the default, comparable with earlier figures) about a third of the CPU is httpx's client
side (URL parsing, request building); `--driver asgi` hands the app a prepared ASGI scope instead, as a server's
protocol layer would, so the figure is the application's own. Redis commands per request are counted too.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
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


class _Answer:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code = status
        self.content = body
        self.text = body.decode(errors="replace")


class AsgiDriver:
    """Calls the ASGI app with a ready scope and collects the answer: no HTTP client on the measured path."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def get(self, url: str, headers: dict[str, str]) -> _Answer:
        path, _, query = url.partition("?")
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
                 "query_string": query.encode(), "server": ("127.0.0.1", 9000), "client": ("127.0.0.1", 50000),
                 "headers": [(b"host", b"bench"), *((k.encode(), v.encode()) for k, v in headers.items())],
                 "state": {}}
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return _Answer(status, b"".join(chunks))


def _count_redis(container: Any) -> list[int]:
    """A one-element counter of the Redis cache's commands (pipelines count once)."""
    seen = [0]
    if not container.has("cache") or not hasattr(container.resolve("cache"), "redis"):
        return seen
    client = container.resolve("cache").redis
    inner = client.execute_command

    async def counted(*args: Any, **kwargs: Any) -> Any:
        seen[0] += 1
        return await inner(*args, **kwargs)

    client.execute_command = counted
    return seen


class PgCpu:
    """CPU time of the database's server processes (PostgreSQL on this machine: `/proc/<pid>/stat` of every
    backend connected to the database but this one), the other half of a catalog read's cost."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.conn: Any = None
        self.tick_ms = 1000 / os.sysconf("SC_CLK_TCK")

    async def open(self) -> None:
        import asyncpg

        self.conn = await asyncpg.connect(self.dsn.replace("postgresql+asyncpg://", "postgresql://"))

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()

    async def sample(self) -> dict[int, float] | None:
        """CPU ms per backend pid, or None when the server's processes are not readable (another machine)."""
        pids = [r[0] for r in await self.conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
        out: dict[int, float] = {}
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                return None
            out[pid] = (int(fields[11]) + int(fields[12])) * self.tick_ms
        return out

    @staticmethod
    def spent(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
        if before is None or after is None:
            return None
        # a backend the pool opened during the run started from nothing
        return sum(ms - before.get(pid, 0.0) for pid, ms in after.items())


def _paths(data: dict[str, Any]) -> dict[str, list[str]]:
    region = data["regions"]["eur"]
    return {
        "products_list": [f"/store/products?limit=20&region_id={region}"],
        "product_detail": [f"/store/products/{pid}?region_id={region}" for pid in data["product_ids"]],
        "regions": ["/store/regions"],
        "health": ["/health"],
    }


async def measure(dsn: str, data: dict[str, Any], scenarios: list[str], n: int, cache: str,
                  profile: str | None, repeat: int = 3, driver: str = "httpx") -> None:
    modules: list[dict[str, Any]] = []
    if cache == "redis":
        modules = [{"resolve": "euryale.modules.cache_redis",
                    "options": {"redis_url": services.redis_url(), "prefix": REDIS_PREFIX}}]
    config = define_config(project_config={"database_url": dsn, "worker_mode": "server",
                                           "http": {"jwt_secret": SECRET, "cookie_secret": SECRET}},
                           modules=modules)
    container = build_container(config)
    await container.start()
    pg = PgCpu(dsn)
    await pg.open()
    try:
        app = create_app(container)
        headers = {"x-publishable-api-key": data["publishable_key"]}
        transport = httpx.ASGITransport(app=app)
        redis_commands = _count_redis(container)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http_client:
            client: Any = http_client if driver == "httpx" else AsgiDriver(app)
            gc.freeze()  # as `euryale start` does after start-up
            for name in scenarios:
                paths = _paths(data)[name]
                for p in paths[:5]:  # warm: key lookup, statement caches, response cache
                    r = await client.get(p, headers=headers)
                    assert r.status_code == 200, (p, r.status_code, r.text[:300])
                before = redis_commands[0]
                with captured_statements(container) as seen:
                    await client.get(paths[0], headers=headers)
                redis_per_request = redis_commands[0] - before
                size = len(r.content)
                prof = cProfile.Profile(time.process_time) if profile == name else None
                runs = []
                pg_runs = []
                for _ in range(1 if prof is not None else repeat):
                    pg0 = await pg.sample()
                    t0 = time.process_time()
                    if prof is not None:
                        prof.enable()
                    for i in range(n):
                        r = await client.get(paths[i % len(paths)], headers=headers)
                    if prof is not None:
                        prof.disable()
                    runs.append((time.process_time() - t0) * 1000 / n)
                    pg_ms = PgCpu.spent(pg0, await pg.sample())
                    if pg_ms is not None:
                        pg_runs.append(pg_ms / n)
                # the least disturbed run: other processes on a shared machine only ever add to it
                print(f"{name:16} {min(runs):7.2f} ms CPU/request (min of {len(runs)} runs of {n})  "
                      f"{len(seen):3d} statements  {redis_per_request} Redis commands  {size / 1024:7.1f} KB  "
                      f"(cache={cache}, driver={driver})"
                      + (f"  PostgreSQL {min(pg_runs):5.2f} ms CPU/request" if pg_runs else ""))
                if prof is not None:
                    pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
                    pstats.Stats(prof).sort_stats("tottime").print_stats(30)
    finally:
        await pg.close()
        await container.stop()
        if cache == "redis":
            import redis.asyncio as aioredis

            client = aioredis.from_url(services.redis_url())
            keys = [k async for k in client.scan_iter(match=REDIS_PREFIX + "*", count=1000)]
            if keys:
                await client.delete(*keys)
            await client.aclose()


DUMP_TAG = "cpudump"


async def _dump_fixtures(dsn: str) -> dict[str, Any]:
    """Price lists, a rule price, a tax-inclusive preference, tax rates and a cart (fixed ids: added once)."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        regions = {r["currency_code"]: r["id"] for r in await conn.fetch(
            "SELECT DISTINCT ON (currency_code) id, currency_code FROM region ORDER BY currency_code, created_at")}
        products = [r[0] for r in await conn.fetch("SELECT id FROM product ORDER BY created_at, id LIMIT 6")]
        if await conn.fetchval("SELECT count(*) FROM price_list WHERE id = $1", f"plist_{DUMP_TAG}_sale") == 0:
            async with conn.transaction():
                for kind in ("sale", "override"):
                    await conn.execute("INSERT INTO price_list (id, title, description, status, type) "
                                       "VALUES ($1, $2, '', 'active', $2)", f"plist_{DUMP_TAG}_{kind}", kind)
                for i, (pid, kind, delta) in enumerate(((products[0], "sale", -3), (products[1], "override", 5))):
                    await conn.execute(
                        "INSERT INTO price (id, currency_code, amount, price_set_id, price_list_id) "
                        "SELECT 'price_" + DUMP_TAG + "_" + str(i) + "_' || v.id, 'eur', p.amount + $3, "
                        "p.price_set_id, $2 FROM product_variant v "
                        "JOIN product_variant_price_set l ON l.variant_id = v.id "
                        "JOIN price p ON p.price_set_id = l.price_set_id AND p.currency_code = 'eur' "
                        "AND p.price_list_id IS NULL WHERE v.product_id = $1", pid, f"plist_{DUMP_TAG}_{kind}",
                        delta)
                await conn.execute(
                    "INSERT INTO price (id, currency_code, amount, price_set_id, rules_count) "
                    "SELECT 'price_" + DUMP_TAG + "_r_' || v.id, 'eur', 1.50, l.price_set_id, 1 "
                    "FROM product_variant v JOIN product_variant_price_set l ON l.variant_id = v.id "
                    "WHERE v.product_id = $1", products[2])
                await conn.execute(
                    "INSERT INTO price_rule (id, attribute, value, priority, price_id) "
                    "SELECT 'prule_' || id, 'region_id', $1, 0, id FROM price WHERE id LIKE $2",
                    regions["eur"], f"price_{DUMP_TAG}_r_%")
                await conn.execute("INSERT INTO price_preference (id, attribute, value, is_tax_inclusive) "
                                   "VALUES ($1, 'region_id', $2, true)", f"prpref_{DUMP_TAG}", regions["usd"])
                for country, rate in (("de", 19.0), ("us", 7.5)):
                    await conn.execute("INSERT INTO tax_region (id, country_code) VALUES ($1, $2)",
                                       f"txreg_{DUMP_TAG}_{country}", country)
                    await conn.execute("INSERT INTO tax_rate (id, rate, code, name, is_default, tax_region_id) "
                                       "VALUES ($1, $2, $3, $3, true, $4)", f"txr_{DUMP_TAG}_{country}", rate,
                                       f"VAT-{country}", f"txreg_{DUMP_TAG}_{country}")
                await conn.execute("INSERT INTO cart (id, region_id, currency_code) VALUES ($1, $2, 'eur')",
                                   f"cart_{DUMP_TAG}", regions["eur"])
        # metadata (jsonb, key order and numbers as stored) on the first product's rows; dimensions with decimals
        meta = '{"b": 1, "a": [1.5, "x\\u00e9\\n"], "zz": {"k": null, "n": 12345678901234567890}, "f": 2.50}'
        await conn.execute("UPDATE product_variant SET metadata = $2::jsonb, weight = 12.50, length = 3 "
                           "WHERE product_id = $1", products[0], meta)
        for table in ("product_option", "image"):
            await conn.execute(f"UPDATE {table} SET metadata = $2::jsonb WHERE product_id = $1", products[0], meta)
        await conn.execute("UPDATE product_option_value SET metadata = $2::jsonb WHERE option_id IN "
                           "(SELECT id FROM product_option WHERE product_id = $1)", products[0], meta)
        await conn.execute("UPDATE product SET metadata = $2::jsonb, weight = '1.50', height = 'n/a' WHERE id = $1",
                           products[0], meta)
        ids = {
            "collection": await conn.fetchval("SELECT id FROM product_collection ORDER BY created_at, id LIMIT 1"),
            "category": await conn.fetchval("SELECT id FROM product_category ORDER BY created_at, id LIMIT 1"),
            "tag": await conn.fetchval("SELECT id FROM product_tag ORDER BY created_at, id LIMIT 1"),
            "handle": await conn.fetchval("SELECT handle FROM product WHERE id = $1", products[3]),
        }
    finally:
        await conn.close()
    return {"regions": regions, "products": products, "cart": f"cart_{DUMP_TAG}", **ids}


def _dump_paths(f: dict[str, Any]) -> list[str]:
    eur, usd = f["regions"]["eur"], f["regions"]["usd"]
    p = f["products"]
    lists = [
        f"limit=20&region_id={eur}", f"limit=20&region_id={usd}", f"limit=20&offset=20&region_id={eur}",
        f"limit=20&offset=190&region_id={usd}", f"limit=20&offset=5000&region_id={eur}", "", "limit=20",
        f"limit=20&fields=*variants.calculated_price&region_id={eur}", f"limit=20&fields=%2Bmetadata&region_id={eur}",
        f"limit=10&fields=id,title,variants.id,variants.calculated_price&region_id={usd}",
        f"limit=10&fields=*variants.calculated_price,%2Bvariants.inventory_quantity&region_id={eur}",
        f"limit=10&fields=%2Bvariants.metadata,*categories,-images&region_id={eur}",
        f"limit=20&q=hoodie&region_id={eur}", f"limit=20&q=1&offset=3&region_id={usd}",
        f"limit=20&order=-title&region_id={eur}", f"limit=20&order=-created_at&region_id={usd}",
        "limit=20&order=handle", f"limit=20&collection_id={f['collection']}&region_id={eur}",
        f"limit=20&category_id[]={f['category']}&region_id={eur}", f"limit=20&tag_id={f['tag']}&region_id={usd}",
        f"handle={f['handle']}&region_id={eur}", f"id[]={p[0]}&id[]={p[1]}&id[]={p[2]}&region_id={eur}",
        "limit=10&country_code=de", "limit=10&country_code=us", "limit=10&country_code=fr&province=x",
        f"limit=10&cart_id={f['cart']}", f"limit=10&region_id={usd}&country_code=us",
        "limit=5&region_id=reg_missing", "limit=5&fields=*variants.calculated_price", "limit=5&order=nope",
    ]
    details = [f"region_id={eur}", f"region_id={usd}", "", "country_code=de", "country_code=us",
               f"cart_id={f['cart']}", f"fields=id,title&region_id={eur}",
               f"fields=*variants.calculated_price,%2Bmetadata&region_id={eur}",
               f"fields=%2Bvariants.inventory_quantity&region_id={usd}"]
    out = [f"/store/products?{q}" for q in lists]
    out += [f"/store/products/{pid}?{q}" for pid in p[:3] for q in details]
    out += [f"/store/products/{p[4]}?region_id={usd}", "/store/products/prod_missing?region_id=" + eur]
    return out


async def dump(dsn: str, data: dict[str, Any], directory: str) -> None:
    """Write the uncached bodies of the catalog reads of `_dump_paths` to `directory` (status + body per file)."""
    import os

    fixtures = await _dump_fixtures(dsn)
    os.makedirs(directory, exist_ok=True)
    config = define_config(project_config={"database_url": dsn, "worker_mode": "server",
                                           "http": {"jwt_secret": SECRET, "cookie_secret": SECRET}})
    container = build_container(config)
    await container.start()
    try:
        transport = httpx.ASGITransport(app=create_app(container))
        headers = {"x-publishable-api-key": data["publishable_key"]}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for i, path in enumerate(_dump_paths(fixtures)):
                r = await client.get(path, headers=headers)
                with open(os.path.join(directory, f"{i:03d}.txt"), "wb") as fh:
                    fh.write(f"{path}\n{r.status_code}\n".encode() + r.content + b"\n")
    finally:
        await container.stop()
    print(f"wrote {len(_dump_paths(fixtures))} bodies to {directory}")


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
        if args.dump:
            await dump(dsn, data, args.dump)
        else:
            await measure(dsn, data, args.scenarios.split(","), args.n, args.cache, args.profile, args.repeat,
                          args.driver)
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
    parser.add_argument("--driver", choices=("httpx", "asgi"), default="httpx",
                        help="httpx: through httpx's ASGI transport; asgi: the app called with a ready scope")
    parser.add_argument("--profile", default=None, help="a scenario to run under cProfile")
    parser.add_argument("--database-url", default=None, help="an already migrated and seeded database")
    parser.add_argument("--seed", action="store_true", help="seed --database-url first")
    parser.add_argument("--keep", action="store_true", help="keep the database it creates")
    parser.add_argument("--dump", default=None, help="write catalog response bodies to this directory instead")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
