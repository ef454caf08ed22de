"""CPU and SQL statements per store cart write, in-process (httpx ASGI transport, Redis modules, real PostgreSQL).

Every cart write of a storefront checkout, repeated on fresh carts of a taxed shop: create, add a line (new and
existing variant), change a quantity, set an email and an address, choose a shipping method, delete a line.
CPU is `time.process_time()` around each request (client side included: compare with `GET /health`'s floor);
statements are counted as `tests/support/sql_capture.py` does (the outbox relay's polling excluded).

    python -m benchmarks.cart_writes_cpu [--rounds 60] [--profile "add line item (new line)"] [--sort tottime]
        [--top 40] [--statements "add line item (new line)"] [--sample "add line item (new line)"] [--dump DIR]

`--profile NAME` runs cProfile (process time) over that request's calls and prints pstats; `--sample NAME` samples
them with pyinstrument instead (not a dependency: `pip install pyinstrument`; far less distortion than cProfile);
`--statements NAME` prints the statements of that request's last call. `--dump DIR` writes the status and body of
every request of the first rounds (plus a few less common writes: metadata, quantity 0, a cart created with items
and addresses, `fields`) to DIR, ids, timestamps and the shop's tag replaced by placeholders numbered in order of
appearance, for a byte-for-byte `diff -r` across commits.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import time
import uuid
from typing import Any

import httpx

from benchmarks.cpu import PgCpu
from euryale.db import migrate
from euryale.http.app import create_app
from tests.support.arch import arch_config, started
from tests.support.commerce import make_shop
from tests.support.services import create_database, drop_database
from tests.support.sql_capture import captured_statements

WARM_UP = 3
DUMP_ROUNDS = 2
_VOLATILE = re.compile(rb"\b[a-z]+_[0-9A-HJKMNP-TV-Z]{26}\b|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?"
                       rb"|\b[0-9a-f]{10}\b")  # the last: `make_shop`'s per-product tags


def _normalized(body: bytes, tag: str) -> bytes:
    """`body` with ids (prefix_ULID) and timestamps numbered in order of first appearance, the shop's tag masked."""
    seen: dict[bytes, bytes] = {}

    def sub(m: re.Match[bytes]) -> bytes:
        value = m.group(0)
        kind = b"ts" if b":" in value else b"tag" if len(value) == 10 else value.split(b"_", 1)[0]
        return seen.setdefault(value, b"<%s %d>" % (kind, len(seen)))

    return _VOLATILE.sub(sub, body.replace(tag.encode(), b"<tag>"))


async def measure(rounds: int, profile: list[str], sort: str, top: int, show: list[str], sample: list[str],
                  dump: str | None) -> None:
    db = await create_database("cart_bench")
    try:
        await asyncio.to_thread(migrate.upgrade, db.url)
        container = await started(arch_config(db, prefix=f"euryale_bench:{uuid.uuid4().hex[:8]}:", redis=True,
                                              mode="server"))
        try:
            shop = await make_shop(container, prices=[30, 31, 32], tax_rate_percent=20)
            cpu: dict[str, list[float]] = {}
            # PostgreSQL's side, from the backends' /proc counters (10 ms ticks: meaningful as a mean only)
            pg_cpu: dict[str, list[float]] = {}
            pg = PgCpu(db.dsn)
            await pg.open()
            statements: dict[str, int] = {}
            last_seen: dict[str, list[tuple[str, Any]]] = {}
            profiler = cProfile.Profile(time.process_time)
            sampler: Any = None
            if sample:
                from pyinstrument import Profiler

                sampler = Profiler(interval=0.0005, async_mode="disabled")
            dumped = 0
            if dump:
                os.makedirs(dump, exist_ok=True)
            transport = httpx.ASGITransport(app=create_app(container))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                async def call(name: str, method: str, path: str, body: dict[str, Any] | None = None,
                               measured: bool = True) -> Any:
                    nonlocal dumped
                    pg_before = await pg.sample() if measured else None
                    with captured_statements(container) as seen:
                        profiling = name in profile and n >= WARM_UP
                        sampling = sampler is not None and name in sample and n >= WARM_UP
                        started_at = time.process_time()
                        if profiling:
                            profiler.enable()
                        if sampling:
                            sampler.start()
                        res = await client.request(method, path, json=body, headers=shop.headers)
                        if sampling:
                            sampler.stop()
                        if profiling:
                            profiler.disable()
                        if measured:
                            cpu.setdefault(name, []).append(time.process_time() - started_at)
                    if measured:
                        spent = PgCpu.spent(pg_before, await pg.sample())
                        if spent is not None:
                            pg_cpu.setdefault(name, []).append(spent)
                    if dump and n < DUMP_ROUNDS:
                        dumped += 1
                        with open(os.path.join(dump, f"{dumped:03d} {name.replace('/', '_')}.txt"), "wb") as fh:
                            fh.write(f"{method} {name}\n{res.status_code}\n".encode()
                                     + _normalized(res.content, shop.tag) + b"\n")
                    if not measured:
                        return res.json()
                    last_seen[name] = list(seen)
                    assert res.status_code == 200, (name, res.text)
                    statements[name] = len([s for s, _ in seen
                                            if "event_outbox" not in s or "INSERT INTO event_outbox" in s])
                    return res.json() if path != "/health" else None  # /health answers text `OK`

                for n in range(rounds + WARM_UP):
                    if n == WARM_UP:
                        cpu.clear()
                        pg_cpu.clear()
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
                    email = f"bench-{n}@x.io" if dump else f"bench-{uuid.uuid4().hex[:8]}@x.io"
                    await call("update cart (email)", "POST", path, {"email": email})
                    await call("update cart (address)", "POST", path,
                               {"shipping_address": {"country_code": shop.country_code, "city": "Paris"}})
                    await call("add shipping method", "POST", f"{path}/shipping-methods",
                               {"option_id": shop.shipping_option_id})
                    await call("get cart", "GET", path)
                    await call("delete line item", "DELETE", f"{path}/line-items/{line}")
                    if dump and n < DUMP_ROUNDS:
                        await _less_common_writes(call, shop, path, n)
            await pg.close()
            print("| request | CPU ms/request (mean) | PostgreSQL CPU ms/request (mean) | statements |")
            print("|---|---|---|---|")
            for name, times in cpu.items():
                pg_ms = pg_cpu.get(name)
                pg_text = f"{sum(pg_ms) / len(pg_ms):.2f}" if pg_ms else "?"
                print(f"| {name} | {sum(times) * 1000 / len(times):.2f} | {pg_text} | {statements[name]} |")
            for name in show:
                print(f"\n{name}:")
                for sql, params in last_seen.get(name, []):
                    print(" ", " ".join(sql.split())[:400], params if len(str(params)) < 300 else "...")
            if profile:
                pstats.Stats(profiler).sort_stats(sort).print_stats(top)
            if sampler is not None:
                print(sampler.output_text(unicode=False, color=False, show_all=False))
        finally:
            await container.stop()
    finally:
        await drop_database(db)


async def _less_common_writes(call: Any, shop: Any, path: str, n: int) -> None:
    """Writes the timed loop does not make, for `--dump` only (their bodies and errors must not change either)."""
    v0, v1, v2 = shop.variants[0].id, shop.variants[1].id, shop.variants[2].id
    await call("x add with metadata", "POST", f"{path}/line-items",
               {"variant_id": v2, "quantity": 2, "metadata": {"gift": True, "n": n}}, measured=False)
    cart = await call("x add same metadata", "POST", f"{path}/line-items?fields=id,total,*items",
                      {"variant_id": v2, "quantity": 1, "metadata": {"gift": True, "n": n}}, measured=False)
    line = cart["cart"]["items"][-1]["id"]
    await call("x update metadata", "POST", f"{path}/line-items/{line}",
               {"quantity": 1, "metadata": {"note": "x"}}, measured=False)
    await call("x update quantity 0", "POST", f"{path}/line-items/{line}", {"quantity": 0}, measured=False)
    await call("x update cart metadata", "POST", path, {"metadata": {"k": n}, "locale": "fr-FR"}, measured=False)
    address = {"first_name": "Ada", "last_name": "Lovelace", "address_1": "1 rue X", "city": "Paris",
               "postal_code": "75001", "country_code": shop.country_code.upper()}
    await call("x update both addresses", "POST", path, {"shipping_address": address, "billing_address": address},
               measured=False)
    await call("x create full", "POST", "/store/carts",
               {"region_id": shop.region_id, "email": f"full-{n}@x.io", "shipping_address": address,
                "items": [{"variant_id": v0, "quantity": 2}, {"variant_id": v1, "quantity": 1}],
                "metadata": {"a": 1}}, measured=False)
    await call("x create default region", "POST", "/store/carts", {}, measured=False)
    await call("x add unknown variant", "POST", f"{path}/line-items", {"variant_id": "variant_missing", "quantity": 1},
               measured=False)
    await call("x add bad quantity", "POST", f"{path}/line-items", {"variant_id": v0, "quantity": 0}, measured=False)
    await call("x add too many", "POST", f"{path}/line-items", {"variant_id": v0, "quantity": 100000},
               measured=False)
    await call("x add extra field", "POST", f"{path}/line-items", {"variant_id": v0, "quantity": 1, "x": 1},
               measured=False)
    await call("x add to missing cart", "POST", "/store/carts/cart_missing/line-items",
               {"variant_id": v0, "quantity": 1}, measured=False)
    await call("x update missing line", "POST", f"{path}/line-items/cali_missing", {"quantity": 1}, measured=False)
    await call("x delete missing line", "DELETE", f"{path}/line-items/cali_missing", measured=False)
    await call("x bad shipping option", "POST", f"{path}/shipping-methods", {"option_id": "so_missing"},
               measured=False)
    await call("x get with fields", "GET", f"{path}?fields=id,email,total,*items,items.tax_lines.rate",
               measured=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--profile", action="append", default=[], help="a request name (repeatable)")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--statements", action="append", default=[], help="a request name (repeatable)")
    parser.add_argument("--sample", action="append", default=[], help="a request name (repeatable): pyinstrument")
    parser.add_argument("--dump", default=None, help="write the bodies of the first rounds to this directory")
    args = parser.parse_args()
    asyncio.run(measure(args.rounds, args.profile, args.sort, args.top, args.statements, args.sample, args.dump))


if __name__ == "__main__":
    main()
