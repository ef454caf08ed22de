"""Workflow benchmark (figures, not assertions): steps/s of a 5-step no-op workflow on the in-memory and the
Redis engine, sequential runs and 20 concurrent runs. Every step is checkpointed in `workflow_execution`.

    .venv/bin/python -m benchmarks.workflow_bench [--runs 300]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import Any

import redis.asyncio as aioredis

from euryale.db import migrate
from euryale.workflows import StepContext, step, workflow
from tests.support.arch import arch_config, started
from tests.support.services import create_database, drop_database, redis_url


def _noop(i: int) -> Any:
    @step(f"bench-noop-{i}")
    async def noop(ctx: StepContext, inp: Any) -> int:
        return i
    return noop


BENCH = workflow("bench-five-noops", steps=[_noop(i) for i in range(5)])


async def measure(db: Any, redis: bool, runs: int, concurrency: int) -> float:
    prefix = f"euryale_bench:{uuid.uuid4().hex[:8]}:"
    container = await started(arch_config(db, prefix=prefix, redis=redis))
    engine = container.resolve("workflows")
    try:
        await engine.run(BENCH.id)  # warm-up (pool, prepared statements)
        sem = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with sem:
                await engine.run(BENCH.id)

        t0 = time.perf_counter()
        await asyncio.gather(*[one() for _ in range(runs)])
        return runs * 5 / (time.perf_counter() - t0)
    finally:
        await container.stop()
        r = aioredis.from_url(redis_url())
        keys = [k async for k in r.scan_iter(match=prefix + "*", count=1000)]
        if keys:
            await r.delete(*keys)
        await r.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    db = await create_database("bench_wf")
    try:
        await asyncio.to_thread(migrate.upgrade, db.url)
        print("| engine | concurrency | steps/s (5-step no-op, checkpointed per step on redis) |")
        print("|---|---|---|")
        for redis in (False, True):
            for conc in (1, 20):
                rate = await measure(db, redis, args.runs, conc)
                print(f"| {'redis' if redis else 'in-memory'} | {conc} | {rate:.0f} |")
    finally:
        await drop_database(db)


if __name__ == "__main__":
    asyncio.run(main())
