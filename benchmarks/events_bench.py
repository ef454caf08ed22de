"""Event-bus benchmark (figures, not assertions): events/s end to end through Redis with 1 and 2 worker
processes, and the emit→handler-start delay (p50/p99) at a paced rate.

"End to end" = staged in a PostgreSQL transaction (outbox) → relay → Redis stream → worker process handler.

    .venv/bin/python -m benchmarks.events_bench [--events 5000] [--paced 1000] [--rate 500]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from euryale.background import start_background
from euryale.db import migrate
from euryale.events import Event
from euryale.events.outbox import stage_events
from tests.support.arch import Proc, arch_config, started, stop_all, write_project
from tests.support.services import create_database, drop_database, redis_url

SUBSCRIBER = """
import time

async def handler(event, container):
    delay = time.time() - float(event.data["t"])
    r = container.resolve("event_bus").redis
    p = container.config.project_config.redis_prefix
    await r.rpush(f"{p}bench:delays", f"{delay:.6f}")

config = {"event": "bench.event", "subscriber_id": "bench"}
"""


async def _wait_count(r: Any, key: str, n: int, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while await r.llen(key) < n:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"only {await r.llen(key)}/{n} events handled")
        await asyncio.sleep(0.01)
    return time.perf_counter()


async def run_case(db: Any, workers: int, events: int, paced: int, rate: int) -> dict[str, float]:
    prefix = f"euryale_bench:{uuid.uuid4().hex[:8]}:"
    tmp = Path(tempfile.mkdtemp(prefix="euryale-events-bench-"))
    root = write_project(tmp, {"src/subscribers/bench.py": SUBSCRIBER},
                         bus={"concurrency": 50, "batch": 100})
    procs = [Proc(root, db, prefix, "worker") for _ in range(workers)]
    server = await started(arch_config(db, prefix=prefix, redis=True, mode="server"))
    stop = await start_background(server, include_core=False)
    r = aioredis.from_url(redis_url())
    key = f"{prefix}bench:delays"
    try:
        for p in procs:
            await p.ready()
        # throughput: stage everything as fast as possible (100 events per transaction)
        t0 = time.perf_counter()
        for i in range(0, events, 100):
            async with server.database().transaction() as conn:
                now = time.time()
                await stage_events(conn, [Event("bench.event", {"t": now, "i": j}) for j in range(i, min(events, i + 100))])
        t_end = await _wait_count(r, key, events, timeout=300)
        throughput = events / (t_end - t0)
        await r.delete(key)
        # latency: one event per transaction at a steady rate below capacity
        interval = 1.0 / rate
        t0 = time.perf_counter()
        for i in range(paced):
            async with server.database().transaction() as conn:
                await stage_events(conn, Event("bench.event", {"t": time.time(), "i": i}))
            sleep = t0 + (i + 1) * interval - time.perf_counter()
            if sleep > 0:
                await asyncio.sleep(sleep)
        await _wait_count(r, key, paced, timeout=120)
        delays = sorted(float(x) for x in await r.lrange(key, 0, -1))
        return {"workers": workers, "events_per_s": throughput, "p50_ms": statistics.median(delays) * 1000,
                "p99_ms": delays[int(len(delays) * 0.99) - 1] * 1000, "max_ms": delays[-1] * 1000}
    finally:
        stop_all(procs)
        await stop()
        await server.stop()
        keys = [k async for k in r.scan_iter(match=prefix + "*", count=1000)]
        if keys:
            await r.delete(*keys)
        await r.aclose()
        shutil.rmtree(tmp, ignore_errors=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--paced", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=500, help="events/s of the latency phase")
    args = parser.parse_args()
    db = await create_database("bench_events")
    try:
        await asyncio.to_thread(migrate.upgrade, db.url)
        rows = [await run_case(db, w, args.events, args.paced, args.rate) for w in (1, 2)]
    finally:
        await drop_database(db)
    print(f"| worker processes | events/s (outbox→Redis→handler, {args.events} events) | "
          f"p50 delay @ {args.rate}/s | p99 delay | max |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['workers']} | {row['events_per_s']:.0f} | {row['p50_ms']:.1f} ms | {row['p99_ms']:.1f} ms | "
              f"{row['max_ms']:.1f} ms |")


if __name__ == "__main__":
    asyncio.run(main())
