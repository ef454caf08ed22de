"""CPU per request and SQL statements per request of the admin list/detail reads, in process (no HTTP server).

Drives the ASGI app through httpx's ASGI transport on a database holding the benchmark catalog and placed
orders, and reports `time.process_time()` per request (least disturbed of --repeat runs) (the server is CPU-bound, so this is what bounds req/s and
it is far less noisy than wrk on a shared machine) and SELECT statements per request.

    python -m benchmarks.admin_reads_cpu --database euryale_admin_reads [--orders 60] [--requests 200]
        [--repeat 3] [--only admin_orders] [--profile admin_orders] [--dump DIR] [--explain]

The database is created, migrated and seeded on the first run and reused afterwards (`--drop` removes it), so
`--dump DIR` writes every response body to DIR/<name>.json for a byte-for-byte comparison across commits.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import insert, select

from euryale.boot import build_container
from euryale.config import define_config
from euryale.db import migrate
from euryale.http.app import create_app
from euryale.http.auth import AuthContext, issue_token
from euryale.ids import generate_id
from euryale.modules.customer.models import customer
from euryale.modules.order.models import order_line_item_tax_line, order_table
from tests.support.sql_capture import captured_statements, selects

SECRET = "bench-secret-" + "x" * 40
ORDER_FIELDS = "id,display_id,status,email,currency_code,created_at,total,subtotal,tax_total,shipping_total,*items"


def _admin_dsn() -> str:
    return "postgresql://postgres@127.0.0.1:5432/postgres"


async def _ensure_database(name: str, orders: int) -> str:
    """The database's DSN; created, migrated and seeded when it does not exist yet."""
    dsn = _admin_dsn().rsplit("/", 1)[0] + "/" + name
    conn = await asyncpg.connect(_admin_dsn())
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    if not exists:
        url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
        await asyncio.to_thread(migrate.upgrade, url)
        await _seed(dsn, orders)
    return dsn


async def _seed(dsn: str, orders: int) -> None:
    from benchmarks.seed_dataset import seed
    from tests.api.admin.order_factory import place_order

    container = build_container(_config(dsn))
    await container.start()
    try:
        async with container.database().transaction() as conn:
            await seed(conn)
            await conn.execute(insert(customer), [
                {"id": generate_id("cus"), "email": f"c{n}-{uuid.uuid4().hex[:6]}@example.com",
                 "first_name": "Ada", "last_name": f"L{n}", "has_account": n % 2 == 0} for n in range(60)])
        placed = [await place_order(container) for _ in range(orders)]
        async with container.database().transaction() as conn:
            # a tax line per item, as checkout leaves it in a taxed region
            await conn.execute(insert(order_line_item_tax_line), [
                {"id": generate_id("ordlitxl"), "item_id": item, "code": "VAT", "rate": Decimal(20),
                 "description": "VAT"} for p in placed for item in p.item_ids])
        async with container.database().engine.connect() as conn:
            # as autovacuum would after these inserts (this machine's PostgreSQL runs without it): without
            # statistics the order tables plan as empty, ~17 ms of PostgreSQL per order page instead of ~3
            await conn.exec_driver_sql("ANALYZE")
            await conn.commit()
    finally:
        await container.stop()


def _config(dsn: str) -> Any:
    return define_config(project_config={
        "database_url": dsn, "worker_mode": "server",
        "http": {"jwt_secret": SECRET, "cookie_secret": SECRET, "admin_cors": "http://localhost:9000",
                 "store_cors": "http://localhost:8000", "auth_cors": "http://localhost:9000"}})


async def _paths(container: Any) -> dict[str, str]:
    async with container.database().read() as conn:
        order_id = (await conn.execute(select(order_table.c.id).where(order_table.c.is_draft_order.is_(False))
                                       .order_by(order_table.c.id).limit(1))).scalar_one()
    return {
        "admin_orders": f"/admin/orders?limit=50&fields={ORDER_FIELDS}",
        "admin_orders_default": "/admin/orders?limit=50",
        "admin_order_detail": f"/admin/orders/{order_id}",
        "admin_products": "/admin/products?limit=50",
        "admin_customers": "/admin/customers?limit=50",
        "admin_draft_orders": "/admin/draft-orders?limit=50",
    }


async def run(args: argparse.Namespace) -> None:
    if args.drop:
        conn = await asyncpg.connect(_admin_dsn())
        await conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        await conn.close()
        return
    dsn = await _ensure_database(args.database, args.orders)
    config = _config(dsn)
    container = build_container(config)
    await container.start()
    token = issue_token(config, AuthContext(actor_id="user_bench", actor_type="user", auth_identity_id="authid_b"))
    headers = {"Authorization": f"Bearer {token}"}
    try:
        app = create_app(container)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            gc.freeze()  # as `euryale start` does after start-up
            for name, path in (await _paths(container)).items():
                if args.only and name not in args.only:
                    continue
                first = await client.get(path, headers=headers)
                if args.dump:
                    Path(args.dump).mkdir(parents=True, exist_ok=True)
                    (Path(args.dump) / f"{name}.json").write_bytes(first.content)
                for _ in range(5):  # warm caches and compiled statements
                    await client.get(path, headers=headers)
                with captured_statements(container) as seen:
                    await client.get(path, headers=headers)
                if args.explain:
                    await _explain(dsn, seen)
                profiler = cProfile.Profile(time.process_time) if name in (args.profile or []) else None
                runs = []
                for _ in range(1 if profiler else args.repeat):
                    started = time.process_time()
                    if profiler:
                        profiler.enable()
                    for _ in range(args.requests):
                        res = await client.get(path, headers=headers)
                    if profiler:
                        profiler.disable()
                    runs.append((time.process_time() - started) * 1000 / args.requests)
                # the least disturbed run: other processes on a shared machine only ever add to it
                cpu_ms = min(runs)
                print(f"{name:24s} HTTP {res.status_code} {len(res.content):8d} B  {len(selects(seen)):3d} statements  "
                      f"{cpu_ms:7.2f} ms CPU/request, min of {len(runs)} runs of {args.requests} "
                      f"(≈{1000 / cpu_ms:5.0f} req/s on one core)", flush=True)
                if profiler:
                    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
                    if args.callers:
                        pstats.Stats(profiler).print_callers(args.callers)
    finally:
        await container.stop()


async def _explain(dsn: str, seen: list[tuple[str, Any]]) -> None:
    """Each statement of one request: its time seen from the client (prepared, as the server runs it; mean of 20)
    and PostgreSQL's own execution time (EXPLAIN ANALYZE), then the sums: the PostgreSQL share of a request."""
    conn = await asyncpg.connect(dsn)
    total_client = total_pg = 0.0
    try:
        for sql, params in selects(seen):
            args = list(params) if isinstance(params, (list, tuple)) else []
            for _ in range(3):
                await conn.fetch(sql, *args)
            started = time.perf_counter()
            for _ in range(20):
                await conn.fetch(sql, *args)
            client_ms = (time.perf_counter() - started) * 1000 / 20
            plan = [r[0] for r in await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)]
            pg_ms = next(float(line.split(":")[1].split()[0]) for line in plan if line.startswith("Execution Time"))
            total_client += client_ms
            total_pg += pg_ms
            print(f"    {client_ms:7.3f} ms client  {pg_ms:7.3f} ms executing  {' '.join(sql.split())[:90]}")
    finally:
        await conn.close()
    print(f"    {total_client:7.3f} ms client  {total_pg:7.3f} ms executing  (all statements of one request)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="euryale_admin_reads")
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--profile", nargs="*")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--dump")
    parser.add_argument("--callers", help="with --profile: who calls the functions matching this regex")
    parser.add_argument("--explain", action="store_true",
                        help="time each statement of one request and EXPLAIN ANALYZE it (PostgreSQL's share)")
    parser.add_argument("--drop", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
