"""The Redis event bus across real OS processes (server, workers), with real Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from euryale.background import start_background
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.modules.event_bus_redis import RedisEventBus
from tests.support import services
from tests.support.arch import REPO, SECRET, Proc, arch_config, started, stop_all, wait_until, write_project

BUS = {"visibility_timeout_ms": 1500, "max_attempts": 3, "backoff_ms": 20, "block_ms": 200}

RECORD = """
import asyncio, os

async def handler(event, container):
    r = container.resolve("event_bus").redis
    p = container.config.project_config.redis_prefix
    if event.data.get("block") and await r.set(f"{p}blocked:{event.id}", os.getpid(), nx=True):
        await r.rpush(f"{p}started", f"{event.id}|{os.getpid()}")
        await asyncio.sleep(60)  # killed here by the test
    await r.rpush(f"{p}seen:record", f"{event.id}|{os.getpid()}")

config = {"event": "arch.proc", "subscriber_id": "record"}
"""

FLAKY = """
async def handler(event, container):
    r = container.resolve("event_bus").redis
    p = container.config.project_config.redis_prefix
    await r.incr(f"{p}flaky:calls")
    if not await r.get(f"{p}flaky:healed"):
        raise ValueError("flaky downstream")
    await r.rpush(f"{p}seen:flaky", event.id)

config = {"event": ["arch.proc"], "subscriber_id": "flaky"}
"""


async def _seen(r: aioredis.Redis, prefix: str, sub: str = "record") -> list[tuple[str, int]]:
    raw = await r.lrange(f"{prefix}seen:{sub}", 0, -1)  # type: ignore[misc]
    out = []
    for item in raw:
        event_id, _, pid = item.decode().partition("|")
        out.append((event_id, int(pid or 0)))
    return out


async def _emit(db: services.TestDatabase, prefix: str, events: list[Event], per_tx: int = 100) -> None:
    """Stage events from this process acting as an API server (relay only, no subscribers)."""
    container = await started(arch_config(db, prefix=prefix, redis=True, mode="server", bus=BUS))
    stop = await start_background(container, include_core=False)
    try:
        for i in range(0, len(events), per_tx):
            async with container.database().transaction() as conn:
                await stage_events(conn, events[i:i + per_tx])
        relay: Any = container.resolve("outbox_relay")
        assert await wait_until(lambda: _true(relay.published >= len(events)), timeout=90)
    finally:
        await stop()
        await container.stop()


async def _true(value: bool) -> bool:
    return value


async def test_server_emits_worker_handles_server_never_does(arch_db: services.TestDatabase, prefix: str,
                                                             redis_client: aioredis.Redis, tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"src/subscribers/record.py": RECORD}, bus=BUS)
    worker = Proc(root, arch_db, prefix, "worker")
    server: Proc | None = None
    try:
        await worker.ready()
        server = Proc(root, arch_db, prefix, "server", {"ARCH_EMIT": "arch.proc:5"})
        await server.ready()
        assert await wait_until(lambda: _count(redis_client, prefix, 5), timeout=60)
        seen = await _seen(redis_client, prefix)
        assert {pid for _, pid in seen} == {worker.pid}
        assert len({eid for eid, _ in seen}) == 5
    finally:
        if server is not None:
            assert server.stop() == 0
        assert worker.stop() == 0


async def _count(r: aioredis.Redis, prefix: str, n: int, sub: str = "record") -> bool:
    return len(await _seen(r, prefix, sub)) >= n


async def test_two_workers_one_subscriber_each_event_once(arch_db: services.TestDatabase, prefix: str,
                                                          redis_client: aioredis.Redis, tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"src/subscribers/record.py": RECORD}, bus=BUS)
    workers = [Proc(root, arch_db, prefix, "worker") for _ in range(2)]
    try:
        for w in workers:
            await w.ready()
        events = [Event("arch.proc", {"i": i}) for i in range(1000)]
        await _emit(arch_db, prefix, events)
        assert await wait_until(lambda: _count(redis_client, prefix, 1000), timeout=90)
        await asyncio.sleep(0.5)  # would any duplicate still arrive?
        seen = await _seen(redis_client, prefix)
        assert len(seen) == 1000
        assert sorted(eid for eid, _ in seen) == sorted(e.id for e in events)
        assert {pid for _, pid in seen} <= {w.pid for w in workers}
    finally:
        assert stop_all(workers) == [0, 0]


async def test_worker_killed_mid_handler_other_worker_handles_same_event(
        arch_db: services.TestDatabase, prefix: str, redis_client: aioredis.Redis, tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"src/subscribers/record.py": RECORD}, bus=BUS)
    workers = [Proc(root, arch_db, prefix, "worker") for _ in range(2)]
    try:
        for w in workers:
            await w.ready()
        event = Event("arch.proc", {"block": True})
        await _emit(arch_db, prefix, [event])

        async def started_by() -> bool:
            return bool(await redis_client.lrange(f"{prefix}started", 0, -1))  # type: ignore[misc]

        assert await wait_until(started_by, timeout=45)
        first = (await redis_client.lrange(f"{prefix}started", 0, -1))[0].decode()  # type: ignore[misc]
        event_id, _, pid = first.partition("|")
        assert event_id == event.id
        victim = next(w for w in workers if w.pid == int(pid))
        survivor = next(w for w in workers if w is not victim)
        victim.kill()
        assert await wait_until(lambda: _count(redis_client, prefix, 1), timeout=60)
        assert await _seen(redis_client, prefix) == [(event.id, survivor.pid)]
    finally:
        for w in workers:
            w.stop()


async def test_failing_subscriber_dead_lettered_others_unaffected_cli_retry(
        arch_db: services.TestDatabase, prefix: str, redis_client: aioredis.Redis, tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"src/subscribers/record.py": RECORD, "src/subscribers/flaky.py": FLAKY},
                         bus=BUS)
    worker = Proc(root, arch_db, prefix, "worker")
    probe = RedisEventBus(services.redis_url(), prefix=prefix)
    try:
        await worker.ready()
        event = Event("arch.proc", {"n": 1})
        await _emit(arch_db, prefix, [event])

        async def dead() -> bool:
            return len(await probe.failed()) == 1

        assert await wait_until(dead, timeout=45)
        assert int(await redis_client.get(f"{prefix}flaky:calls") or 0) == 3
        assert await _seen(redis_client, prefix) == [(event.id, worker.pid)]
        env = {**os.environ, "DATABASE_URL": arch_db.dsn, "REDIS_URL": services.redis_url(), "REDIS_PREFIX": prefix,
               "JWT_SECRET": SECRET, "COOKIE_SECRET": SECRET, "EURYALE_ROOT": str(root), "PYTHONPATH": str(REPO)}
        cli = [sys.executable, "-c", "from euryale.cli.main import run; run()"]
        listed = subprocess.run([*cli, "events:failed"], env=env, capture_output=True, text=True, timeout=90)
        assert listed.returncode == 0, listed.stderr
        assert "flaky" in listed.stdout and event.id in listed.stdout and "1 failed deliveries" in listed.stdout
        await redis_client.set(f"{prefix}flaky:healed", "1")
        retried = subprocess.run([*cli, "events:retry"], env=env, capture_output=True, text=True, timeout=90)
        assert retried.returncode == 0 and "1 events re-queued" in retried.stdout, retried.stderr
        assert await wait_until(lambda: _count(redis_client, prefix, 1, "flaky"), timeout=45)
        assert [e.decode() for e in await redis_client.lrange(f"{prefix}seen:flaky", 0, -1)] == [event.id]  # type: ignore[misc]
        await asyncio.sleep(0.3)
        assert len(await _seen(redis_client, prefix)) == 1  # "record" did not get the replay
        assert await probe.failed() == []
    finally:
        await probe.stop()
        assert worker.stop() == 0
