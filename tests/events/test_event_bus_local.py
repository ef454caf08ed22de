"""The in-memory flavour in one process: outbox relay → local bus; rollback emits nothing; groups; isolation."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from euryale.background import start_background
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.modules.event_bus_local import LocalEventBus
from tests.support import services
from tests.support.arch import arch_config, started, wait_until


async def _true(value: bool) -> bool:
    return value


async def test_local_bus_outbox_rollback_groups_and_failing_subscriber(arch_db: services.TestDatabase,
                                                                       prefix: str) -> None:
    container = await started(arch_config(arch_db, prefix=prefix, redis=False))
    bus: LocalEventBus = container.resolve("event_bus")
    name = f"arch.local.{uuid.uuid4().hex[:6]}"
    seen: list[str] = []

    async def record(event: Event) -> None:
        seen.append(event.data["which"])

    async def broken(event: Event) -> None:
        raise RuntimeError("broken subscriber")

    globbed: list[str] = []

    async def by_glob(event: Event) -> None:
        globbed.append(event.data["which"])

    bus.subscribe(name, record, subscriber_id="record")
    bus.subscribe(name, broken, subscriber_id="broken")
    bus.subscribe("arch.local.*", by_glob, subscriber_id="glob")
    stop = await start_background(container, include_core=False)
    try:
        with pytest.raises(RuntimeError):
            async with container.database().transaction() as conn:
                await stage_events(conn, Event(name, {"which": "rolled-back"}))
                raise RuntimeError("abort")
        async with container.database().transaction() as conn:
            await stage_events(conn, Event(name, {"which": "committed"}))
        assert await wait_until(lambda: _true(seen == ["committed"]))
        await bus.emit(Event(name, {"which": "grouped"}), group_id="g")
        await bus.emit(Event(name, {"which": "cleared"}), group_id="h")
        await bus.clear_group("h")
        await asyncio.sleep(0.05)
        assert seen == ["committed"]
        await bus.release_group("g")
        await bus.drain()
        assert seen == ["committed", "grouped"]  # the broken subscriber affected nobody
        assert globbed == ["committed", "grouped"]
    finally:
        await stop()
        await container.stop()


async def test_server_mode_local_bus_never_runs_handlers(arch_db: services.TestDatabase, prefix: str) -> None:
    container = await started(arch_config(arch_db, prefix=prefix, redis=False, mode="server"))
    bus: LocalEventBus = container.resolve("event_bus")
    name = f"arch.local.{uuid.uuid4().hex[:6]}"
    seen: list[Event] = []

    async def record(event: Event) -> None:
        seen.append(event)

    bus.subscribe(name, record)
    stop = await start_background(container, include_core=False)
    try:
        async with container.database().transaction() as conn:
            await stage_events(conn, Event(name, {}))
        relay = container.resolve("outbox_relay")
        assert await wait_until(lambda: _true(relay.published >= 1))
        await bus.drain()
        assert seen == []
    finally:
        await stop()
        await container.stop()
