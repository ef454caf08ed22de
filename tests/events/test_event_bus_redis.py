"""Redis event bus + outbox relay in one process, on real Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import uuid
from collections import Counter
from typing import Any

import pytest
import redis.asyncio as aioredis

from euryale.background import start_background
from euryale.events import Event
from euryale.events.bus_metrics import refresh_event_bus
from euryale.events.outbox import stage_events
from euryale.metrics import render
from euryale.modules.event_bus_redis import RedisEventBus
from tests.support import services
from tests.support.arch import arch_config, started, wait_until


def _name() -> str:
    return f"arch.{uuid.uuid4().hex[:8]}"


async def test_committed_events_delivered_rolled_back_never(arch_db: services.TestDatabase, prefix: str) -> None:
    container = await started(arch_config(arch_db, prefix=prefix, redis=True))
    bus: RedisEventBus = container.resolve("event_bus")
    name = _name()
    seen: list[Event] = []

    async def record(event: Event) -> None:
        seen.append(event)

    bus.subscribe(name, record, subscriber_id="record")
    stop = await start_background(container, include_core=False)
    try:
        with pytest.raises(RuntimeError):
            async with container.database().transaction() as conn:
                await stage_events(conn, Event(name, {"which": "rolled-back"}))
                raise RuntimeError("abort")
        committed = Event(name, {"which": "committed"})
        async with container.database().transaction() as conn:
            await stage_events(conn, committed)
        assert await wait_until(lambda: _async(bool(seen)))
        await asyncio.sleep(0.3)
        assert [(e.id, e.data["which"]) for e in seen] == [(committed.id, "committed")]
    finally:
        await stop()
        await container.stop()


async def test_failing_handler_retried_then_dead_lettered_and_replayed(arch_db: services.TestDatabase, prefix: str) -> None:
    container = await started(arch_config(arch_db, prefix=prefix, redis=True,
                                          bus={"max_attempts": 3, "backoff_ms": 10}))
    bus: RedisEventBus = container.resolve("event_bus")
    name = _name()
    calls: Counter[str] = Counter()
    healed = asyncio.Event()

    async def flaky(event: Event) -> None:
        calls["flaky"] += 1
        if not healed.is_set():
            raise ValueError("downstream is down")

    async def steady(event: Event) -> None:
        calls["steady"] += 1

    bus.subscribe(name, flaky, subscriber_id="flaky")
    bus.subscribe(name, steady, subscriber_id="steady")
    stop = await start_background(container, include_core=False)
    try:
        await bus.emit(Event(name, {"n": 1}))
        assert await wait_until(lambda: _async(calls["flaky"] == 3 and calls["steady"] == 1))
        assert await wait_until(lambda: _dead_count(bus, 1))
        failed = await bus.failed()
        assert [(f["subscriber"], f["name"], f["attempts"]) for f in failed] == [("flaky", name, "3")]
        assert "downstream is down" in failed[0]["error"]
        stats = await bus.stats()
        assert stats["dead_letters"] == 1
        assert stats["streams"]["events"]["subscribers"]["steady"]["pending"] == 0
        await refresh_event_bus(container)
        scraped = (await render(None)).decode()
        assert "euryale_event_dead_letters 1.0" in scraped
        assert 'euryale_event_backlog{stream="events",subscriber="flaky"}' in scraped
        healed.set()
        assert await bus.retry() == 1
        assert await wait_until(lambda: _async(calls["flaky"] == 4))
        await asyncio.sleep(0.2)
        assert calls["steady"] == 1  # the replay goes to the failed subscriber only
        assert await bus.failed() == []
    finally:
        await stop()
        await container.stop()


async def test_grouped_events_wait_for_release(arch_db: services.TestDatabase, prefix: str) -> None:
    container = await started(arch_config(arch_db, prefix=prefix, redis=True))
    bus: RedisEventBus = container.resolve("event_bus")
    name = _name()
    seen: list[str] = []

    async def record(event: Event) -> None:
        seen.append(event.data["g"])

    bus.subscribe(name, record, subscriber_id="record")
    stop = await start_background(container, include_core=False)
    try:
        await bus.emit(Event(name, {"g": "kept"}), group_id="g1")
        await bus.emit(Event(name, {"g": "dropped"}), group_id="g2")
        await asyncio.sleep(0.2)
        assert seen == []
        await bus.clear_group("g2")
        await bus.release_group("g1")
        assert await wait_until(lambda: _async(seen == ["kept"]))
    finally:
        await stop()
        await container.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _redis_server(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server binary not available")
    return subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_events_emitted_while_redis_is_down_are_delivered_later(arch_db: services.TestDatabase, prefix: str) -> None:
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = _redis_server(port)
    ping = aioredis.from_url(url)
    try:
        assert await wait_until(lambda: _pings(ping))
        cfg = arch_config(arch_db, prefix=prefix, redis=True, bus={"redis_url": url, "block_ms": 200})
        container = await started(cfg)
        bus: RedisEventBus = container.resolve("event_bus")
        name = _name()
        seen: list[int] = []

        async def record(event: Event) -> None:
            seen.append(event.data["i"])

        bus.subscribe(name, record, subscriber_id="record")
        stop = await start_background(container, include_core=False)
        try:
            server.terminate()
            server.wait(10)
            for i in range(5):
                async with container.database().transaction() as conn:
                    await stage_events(conn, Event(name, {"i": i}))
            await asyncio.sleep(0.5)
            assert seen == []
            server = _redis_server(port)  # Redis is back (empty: no persistence)
            assert await wait_until(lambda: _async(sorted(seen) == list(range(5))), timeout=20)
        finally:
            await stop()
            await container.stop()
    finally:
        await ping.aclose()
        server.terminate()
        server.wait(10)


async def _async(value: bool) -> bool:
    return value


async def _dead_count(bus: RedisEventBus, n: int) -> bool:
    return len(await bus.failed()) == n


async def _pings(client: Any) -> bool:
    try:
        return bool(await client.ping())
    except Exception:
        return False


def _count_xacks(bus: RedisEventBus) -> list[int]:
    """The number of message ids of each XACK `bus` sends from now on."""
    acks: list[int] = []
    xack = bus.redis.xack

    async def counting_xack(stream: str, group: str, *ids: Any) -> Any:
        acks.append(len(ids))
        return await xack(stream, group, *ids)

    bus.redis.xack = counting_xack
    return acks


async def test_events_a_subscriber_does_not_handle_are_acked_together(prefix: str) -> None:
    """Every consumer group reads every event of its stream: the ones its subscriber does not handle are
    acknowledged in one XACK per read, without a task and a round trip each (a worker's CPU per checkout)."""
    bus = RedisEventBus(services.redis_url(), prefix=prefix, mode="worker", block_ms=50)
    handled: list[str] = []

    async def record(event: Event) -> None:
        handled.append(event.name)

    bus.subscribe("picked.event", record, subscriber_id="picky")
    await bus.emit([Event("other.event", {"n": n}) for n in range(20)] + [Event("picked.event", {})])
    acks = _count_xacks(bus)
    await bus.start_consumers()
    try:
        assert await wait_until(lambda: _async(sum(acks) == 21))
        info = await bus.redis.xinfo_groups(bus.stream_key())
    finally:
        await bus.stop()
    assert handled == ["picked.event"] and sorted(acks) == [1, 20]
    assert [int(g["pending"]) for g in info] == [0]


async def test_handled_events_are_acknowledged_together(prefix: str) -> None:
    """A consumer acknowledges the messages its handlers finished while its previous XACK was on its way in one
    XACK (one round trip per message was ~40% of a busy consumer's CPU): each handled once, none left pending."""
    bus = RedisEventBus(services.redis_url(), prefix=prefix, mode="worker", block_ms=50, concurrency=50)
    handled: Counter[int] = Counter()
    release = asyncio.Event()

    async def record(event: Event) -> None:
        if len(handled) >= 49:
            release.set()
        handled[event.data["n"]] += 1
        await release.wait()  # the first 50 finish together

    bus.subscribe("busy.event", record, subscriber_id="busy")
    await bus.emit([Event("busy.event", {"n": n}) for n in range(200)])
    acks = _count_xacks(bus)
    await bus.start_consumers()
    try:
        assert await wait_until(lambda: _async(sum(acks) == 200))
        info = await bus.redis.xinfo_groups(bus.stream_key())
    finally:
        await bus.stop()
    assert sorted(handled) == list(range(200)) and set(handled.values()) == {1}
    assert [int(g["pending"]) for g in info] == [0]
    assert len(acks) < 20 and max(acks) >= 40, acks
