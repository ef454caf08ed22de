"""CPU and SQL statements per store cart write, in-process (httpx ASGI transport, Redis modules, real PostgreSQL).

Every cart write of a storefront checkout, repeated on fresh carts of a taxed shop: create, add a line (new and
existing variant), change a quantity, set an email and an address, choose a shipping method, delete a line.
CPU is `time.process_time()` around each request (client side included: compare with `GET /health`'s floor);
statements are counted as `tests/support/sql_capture.py` does (the outbox relay's polling excluded).

    python -m benchmarks.cart_writes_cpu [--rounds 60] [--profile "add line item (new line)"] [--sort tottime]
        [--top 40] [--statements "add line item (new line)"]

`--profile NAME` runs cProfile (process time) over that request's calls and prints pstats; `--statements NAME`
prints the statements of that request's last call.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
import uuid
from typing import Any

import httpx

from euryale.db import migrate
from euryale.http.app import create_app
from tests.support.arch import arch_config, started
from tests.support.commerce import make_shop
from tests.support.services import create_database, drop_database
from tests.support.sql_capture import captured_statements

WARM_UP = 3


async def measure(rounds: int, profile: list[str], sort: str, top: int, show: list[str]) -> None:
    db = await create_database("cart_writes")
    try:
        await asyncio.to_thread(migrate.upgrade, db.url)
        container = await started(arch_config(db, prefix=f"euryale_bench:{uuid.uuid4().hex[:8]}:", redis=True,
                                              mode="server"))
        try:
            shop = await make_shop(container, prices=[30, 31, 32], tax_rate_percent=20)
            cpu: dict[str, list[float]] = {}
            statements: dict[str, int] = {}
            last_seen: dict[str, list[tuple[str, Any]]] = {}
            profiler = cProfile.Profile(time.process_time)
            transport = httpx.ASGITransport(app=create_app(container))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                async def call(name: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
                    with captured_statements(container) as seen:
                        profiling = name in profile and bool(cpu)
                        started_at = time.process_time()
                        if profiling:
                            profiler.enable()
                        res = await client.request(method, path, json=body, headers=shop.headers)
                        if profiling:
                            profiler.disable()
                        cpu.setdefault(name, []).append(time.process_time() - started_at)
                    last_seen[name] = list(seen)
                    assert res.status_code == 200, (name, res.text)
                    statements[name] = len([s for s, _ in seen
                                            if "event_outbox" not in s or "INSERT INTO event_outbox" in s])
                    return res.json() if path != "/health" else None  # /health answers text `OK`

                for n in range(rounds + WARM_UP):
                    if n == WARM_UP:
                        cpu.clear()
                    await call("GET /health", "GET", "/health")
                    cart = (await call("create cart", "POST", "/store/carts", {"region_id": shop.region_id}))["cart"]
                    path = f"/store/carts/{cart['id']}"
                    for v in shop.variants[:2]:
                        await call("add line item (new line)", "POST", f"{path}/line-items",
                                   {"variant_id": v.id, "quantity": 1})
                    cart = (await call("add line item (same variant)", "POST", f"{path}/line-items",
                                       {"variant_id": shop.variants[1].id, "quantity": 1}))["cart"]
                    line = cart["items"][0]["id"]
                    await call("update line item", "POST", f"{path}/line-items/{line}", {"quantity": 2})
                    await call("update cart (email)", "POST", path, {"email": f"bench-{uuid.uuid4().hex[:8]}@x.io"})
                    await call("update cart (address)", "POST", path,
                               {"shipping_address": {"country_code": shop.country_code, "city": "Paris"}})
                    await call("add shipping method", "POST", f"{path}/shipping-methods",
                               {"option_id": shop.shipping_option_id})
                    await call("get cart", "GET", path)
                    await call("delete line item", "DELETE", f"{path}/line-items/{line}")
            print("| request | CPU ms/request (mean) | statements |")
            print("|---|---|---|")
            for name, times in cpu.items():
                print(f"| {name} | {sum(times) * 1000 / len(times):.1f} | {statements[name]} |")
            for name in show:
                print(f"\n{name}:")
                for sql, params in last_seen.get(name, []):
                    print(" ", " ".join(sql.split())[:400], params if len(str(params)) < 300 else "...")
            if profile:
                pstats.Stats(profiler).sort_stats(sort).print_stats(top)
        finally:
            await container.stop()
    finally:
        await drop_database(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--profile", action="append", default=[], help="a request name (repeatable)")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--statements", action="append", default=[], help="a request name (repeatable)")
    args = parser.parse_args()
    asyncio.run(measure(args.rounds, args.profile, args.sort, args.top, args.statements))


if __name__ == "__main__":
    main()
