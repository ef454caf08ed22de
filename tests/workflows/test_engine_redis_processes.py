"""Redis workflow engine across processes: a runner killed mid-workflow is resumed by a worker; two engines
racing on one transaction id run it once."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from euryale.workflows import StepContext, WorkflowEngine, step, workflow
from tests.support import services
from tests.support.arch import Proc, arch_config, started, wait_until, write_project

KILL_WORKFLOW = """
import asyncio, os
from euryale.workflows import step, workflow

def _r(ctx):
    return ctx.container.resolve("workflows").redis, ctx.container.config.project_config.redis_prefix

@step("kw-one")
async def one(ctx, inp):
    r, p = _r(ctx)
    await r.rpush(f"{p}wf:log", f"one|{os.getpid()}")
    return 1

@one.compensate
async def _undo_one(ctx, data):
    r, p = _r(ctx)
    await r.rpush(f"{p}wf:log", f"undo-one|{os.getpid()}")

@step("kw-two")
async def two(ctx, inp):
    r, p = _r(ctx)
    if await r.set(f"{p}wf:block:{ctx.transaction_id}", os.getpid(), nx=True):
        await r.rpush(f"{p}wf:log", f"two-started|{os.getpid()}")
        await asyncio.sleep(60)  # the test kills this process here
    await r.rpush(f"{p}wf:log", f"two|{os.getpid()}")
    return 2

@step("kw-three")
async def three(ctx, inp):
    r, p = _r(ctx)
    await r.rpush(f"{p}wf:log", f"three|{os.getpid()}")
    return ctx.results["kw-one"] + ctx.results["kw-two"]

workflow("arch-kill", steps=[one, two, three])
"""


async def test_worker_killed_mid_workflow_another_worker_completes_it(
        arch_db: services.TestDatabase, prefix: str, redis_client: aioredis.Redis, tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"src/workflows/arch_kill.py": KILL_WORKFLOW},
                         workflows={"claim_ttl_ms": 1000})
    tx = f"tx_{uuid.uuid4().hex[:8]}"
    # the runner is an API server (no sweeper): only the worker can take over
    runner = Proc(root, arch_db, prefix, "server", {"ARCH_RUN_WORKFLOW": f"arch-kill:{tx}"})
    worker = Proc(root, arch_db, prefix, "worker")
    observer = await started(arch_config(arch_db, prefix=prefix, redis=False))
    engine: WorkflowEngine = observer.resolve("workflows")

    async def log() -> list[str]:
        return [x.decode() for x in await redis_client.lrange(f"{prefix}wf:log", 0, -1)]  # type: ignore[misc]

    try:
        await runner.ready()
        await worker.ready()
        assert await wait_until(lambda: _contains(log(), "two-started"), timeout=45)
        runner.kill()

        async def done() -> bool:
            row = await engine.get("arch-kill", tx)
            return row is not None and row["state"] == "done"

        assert await wait_until(done, timeout=60)
        entries = await log()
        assert entries == [f"one|{runner.pid}", f"two-started|{runner.pid}", f"two|{worker.pid}",
                           f"three|{worker.pid}"]
        row = await engine.get("arch-kill", tx)
        assert row is not None and row["context"]["data"]["result"] == 3
    finally:
        runner.kill()
        assert worker.stop() == 0
        await observer.stop()


async def _contains(entries: Any, needle: str) -> bool:
    return any(needle in e for e in await entries)


async def test_two_engines_same_transaction_id_run_once(arch_db: services.TestDatabase, prefix: str) -> None:
    name = f"wf-race-{uuid.uuid4().hex[:6]}"
    calls: list[str] = []

    @step(f"{name}-slow")
    async def slow(ctx: StepContext, inp: Any) -> str:
        calls.append(ctx.transaction_id)
        await asyncio.sleep(0.3)
        return "once"

    workflow(name, steps=[slow])
    a = await started(arch_config(arch_db, prefix=prefix, redis=True))
    b = await started(arch_config(arch_db, prefix=prefix, redis=True))
    try:
        tx = f"tx_{uuid.uuid4().hex[:8]}"
        ra, rb = await asyncio.gather(a.resolve("workflows").run(name, transaction_id=tx),
                                      b.resolve("workflows").run(name, transaction_id=tx))
        assert ra.result == rb.result == "once"
        assert calls == [tx]
    finally:
        await a.stop()
        await b.stop()
