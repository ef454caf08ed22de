"""In-process profile of the checkout flow (issue 7): the 18 requests of `benchmarks.run.checkout_flow` through
httpx's ASGI transport against a freshly seeded database, with the server's CPU (process and event-loop thread)
and the SQL statement count per step.

    .venv/bin/python -m benchmarks.checkout_profile                 # 30 flows after 3 warm-up flows
    .venv/bin/python -m benchmarks.checkout_profile --flows 50 --profile /tmp/checkout.prof

CPU here includes the in-process httpx client (small and the same for every step); compare steps and commits,
not absolute req/s. Uses the local PostgreSQL and Redis (Redis modules, as `deploy/euryale_config.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.run import Ctx, checkout_flow, httpx_sender  # noqa: E402
from benchmarks.seed_dataset import seed_url  # noqa: E402
from euryale.boot import build_container  # noqa: E402
from euryale.config import define_config  # noqa: E402
from euryale.db import migrate  # noqa: E402

try:
    from euryale.db.compiled import observe_statements
except ImportError:  # releases before compiled statements (the profile is also run on older commits)
    observe_statements = None  # type: ignore[assignment]
from euryale.http.app import create_app  # noqa: E402
from tests.support import services  # noqa: E402

_ID = re.compile(r"/[a-z]+(?:_[a-z]+)*_[0-9A-Z]{20,}")
SECRET = "profile-secret-" + "x" * 40


class StepStats:
    def __init__(self) -> None:
        self.calls = 0
        self.cpu = 0.0
        self.loop_cpu = 0.0
        self.statements = 0
        self.wall = 0.0
        self.cpu_samples: list[float] = []
        self.loop_samples: list[float] = []


class MeasuringTransport(httpx.AsyncBaseTransport):
    """ASGI transport that charges CPU, event-loop-thread CPU and SQL statements to the request's route."""

    def __init__(self, inner: httpx.ASGITransport, counter: list[int]) -> None:
        self.inner = inner
        self.counter = counter
        self.stats: dict[str, StepStats] = defaultdict(StepStats)
        self.enabled = False
        self.logged: list[str] = []
        self.show_sql = ""
        self.sql_width = 160
        self.shown: set[str] = set()
        self.profile_step = ""
        self.step_profile: cProfile.Profile | None = None
        self.sampler: Any = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.enabled:
            return await self.inner.handle_async_request(request)
        name = f"{request.method} {_ID.sub('/:id', request.url.path)}"
        self.logged.clear()
        profiled = self.step_profile is not None and name.startswith(self.profile_step)
        if profiled:
            self.step_profile.enable()
        sampled = self.sampler is not None and name.startswith(self.profile_step)
        if sampled:
            self.sampler.start()
        c0, t0, w0, s0 = time.process_time(), time.thread_time(), time.perf_counter(), self.counter[0]
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if profiled:
            self.step_profile.disable()
        if sampled:
            self.sampler.stop()
        st = self.stats[name]
        st.calls += 1
        st.cpu_samples.append(time.process_time() - c0)
        st.loop_samples.append(time.thread_time() - t0)
        st.cpu += st.cpu_samples[-1]
        st.loop_cpu += st.loop_samples[-1]
        st.wall += time.perf_counter() - w0
        st.statements += self.counter[0] - s0
        if self.show_sql and name.startswith(self.show_sql) and name not in self.shown:
            self.shown.add(name)
            print(f"--- {name}: {len(self.logged)} statements")
            for sql in self.logged:
                print("   ", " ".join(sql.split())[:self.sql_width])
        return response


async def main_async(args: argparse.Namespace) -> None:
    db = await services.create_database("profile")
    prefix = f"euryale_profile:{db.name}:"
    redis = services.redis_url()
    try:
        await asyncio.to_thread(migrate.upgrade, db.url)
        data = await seed_url(db.dsn)
        modules = [{"resolve": f"euryale.modules.{n}", "options": {"redis_url": redis}}
                   for n in ("event_bus_redis", "cache_redis", "locking_redis", "workflow_engine_redis")]
        config = define_config(project_config={
            "database_url": db.dsn, "redis_url": redis, "redis_prefix": prefix, "worker_mode": "server",
            "http": {"jwt_secret": SECRET, "cookie_secret": SECRET}}, modules=modules)
        container = build_container(config)
        await container.start()
        relay = None
        if args.relay:
            # as `euryale start` runs it: woken after each commit that staged events, on the same loop, so its CPU
            # lands in the steps during which it runs (and in the per-flow total)
            from euryale.events.relay import OutboxRelay

            relay = OutboxRelay(container.db, container.resolve("event_bus"))
            relay.start()
        try:
            counter = [0]

            logged: list[str] = []

            by_text: dict[str, int] = defaultdict(int)

            def count(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
                counter[0] += 1
                logged.append(statement)
                if transport.enabled:
                    by_text[" ".join(statement.split())[:args.sql_width]] += 1

            database = container.database()
            engines = list({id(e): e.sync_engine for e in (database.engine, database.read_engine)}.values())
            for e in engines:
                event.listen(e, "before_cursor_execute", count)
            # statements compiled once run on the asyncpg connection, outside SQLAlchemy's events
            if observe_statements is not None:
                observe_statements(lambda sql, args: count(None, None, sql))
            transport = MeasuringTransport(httpx.ASGITransport(app=create_app(container)), counter)
            transport.logged = logged
            transport.show_sql = args.sql or ""
            if args.profile_step and args.sample:
                # pyinstrument (not a project dependency: PYTHONPATH to any install of it) samples the stacks
                from pyinstrument import Profiler

                transport.profile_step = args.profile_step
                transport.sampler = Profiler(interval=0.0005, async_mode="disabled")
            elif args.profile_step:
                transport.profile_step, transport.step_profile = args.profile_step, cProfile.Profile()
            ctx = Ctx(url="http://test", key=data["publishable_key"], data=data, server=None,  # type: ignore[arg-type]
                      tool="python", duration=0, concurrency=1)
            async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=ctx.headers,
                                         timeout=60) as http_client:
                client = httpx_sender(http_client)
                for i in range(args.warmup):
                    await checkout_flow(client, ctx, i)
                gc.collect()
                gc.freeze()  # as `euryale start` does after start-up
                transport.enabled = True
                prof = cProfile.Profile() if args.profile and not args.profile_step else None
                if prof:
                    prof.enable()
                c0, w0 = time.process_time(), time.perf_counter()
                for i in range(args.flows):
                    await checkout_flow(client, ctx, 1000 + i)
                cpu, wall = time.process_time() - c0, time.perf_counter() - w0
                if prof:
                    prof.disable()
                    prof.dump_stats(args.profile)
            n = args.flows
            if transport.sampler is not None:
                print(transport.sampler.output_text(unicode=False, color=False, show_all=False))
            if transport.step_profile is not None:
                transport.step_profile.dump_stats(args.profile or "/tmp/checkout_step.prof")
            print(f"{n} flows sequential: {cpu / n * 1000:.1f} ms CPU/flow (→ ≤ {n / cpu:.1f} flows/s on one core), "
                  f"{wall / n * 1000:.1f} ms wall/flow, {counter[0]} statements total")
            # medians per call: robust to the load spikes of a shared machine (means are also shown)
            print(f"{'step':52} {'CPU ms':>8} {'loop ms':>8} {'med CPU':>8} {'med loop':>8} {'wall ms':>8} {'SQL':>6}")
            tot = StepStats()
            med_cpu = med_loop = 0.0
            for name, st in transport.stats.items():
                k = st.calls
                mc, ml = statistics.median(st.cpu_samples), statistics.median(st.loop_samples)
                per_flow = k / n
                print(f"{name:52} {st.cpu / k * 1000:8.2f} {st.loop_cpu / k * 1000:8.2f} {mc * 1000:8.2f} "
                      f"{ml * 1000:8.2f} {st.wall / k * 1000:8.2f} {st.statements / k:6.1f}")
                tot.cpu += st.cpu / n
                tot.loop_cpu += st.loop_cpu / n
                med_cpu += mc * per_flow
                med_loop += ml * per_flow
                tot.wall += st.wall / n
                tot.statements += st.statements // n
            print(f"{'total per flow':52} {tot.cpu * 1000:8.2f} {tot.loop_cpu * 1000:8.2f} {med_cpu * 1000:8.2f} "
                  f"{med_loop * 1000:8.2f} {tot.wall * 1000:8.2f} {tot.statements:6d}")
            if args.top_statements:
                # background work (the outbox relay, workflow bookkeeping) shows here, whatever step it ran in
                print(f"most frequent statements per flow ({sum(by_text.values()) / n:.1f} in all):")
                for sql, k in sorted(by_text.items(), key=lambda kv: -kv[1])[:args.top_statements]:
                    print(f"{k / n:6.2f}  {sql}")
        finally:
            if relay is not None:
                await relay.stop()
            await container.stop()
    finally:
        await services.drop_database(db)
        import redis.asyncio as aioredis

        r = aioredis.from_url(redis)
        keys = [k async for k in r.scan_iter(match=prefix + "*", count=1000)]
        if keys:
            await r.delete(*keys)
        await r.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description="checkout flow CPU and SQL per step, in process")
    parser.add_argument("--flows", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--sql", help="print the statements of the first measured call of steps starting with this")
    parser.add_argument("--profile-step", help="profile only the requests of steps starting with this")
    parser.add_argument("--sample", action="store_true", help="with --profile-step: pyinstrument instead of cProfile")
    parser.add_argument("--profile", help="write cProfile stats of the measured flows to this file")
    parser.add_argument("--top-statements", type=int, default=0, metavar="N",
                        help="the N most frequent statements per flow (any step, background work included)")
    parser.add_argument("--relay", action="store_true",
                        help="run the outbox relay in process, as the server does (its CPU is counted)")
    parser.add_argument("--sql-width", type=int, default=110, help="characters of a statement shown")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
