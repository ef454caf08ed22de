"""The one entry point the runtime calls to start a process's background work.

| mode   | outbox relay | subscribers | scheduled jobs | workflow recovery sweeper |
|--------|--------------|-------------|----------------|---------------------------|
| server | yes          | no          | no             | no                        |
| worker | yes          | yes         | yes            | yes                       |
| shared | yes          | yes         | yes            | yes                       |

Producers always publish (the relay runs everywhere); handlers only run in worker/shared processes.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import structlog

from euryale.events import bus_metrics  # noqa: F401  (registers the event-bus gauges' refresher)
from euryale.events.relay import OutboxRelay
from euryale.jobs import JobScheduler, JobSpec, discover_jobs, validate_schedule
from euryale.subscribers import discover_subscribers, import_file, register_subscribers
from euryale.workflows.sdk import registered_workflows

log = structlog.get_logger("euryale.background")

Stop = Callable[[], Awaitable[None]]


def load_project_workflows(root: Path | None) -> int:
    """Import `<root>/src/workflows/*.py` so their workflows are registered (any process may resume them)."""
    folder = root / "src" / "workflows" if root is not None else None
    if folder is None or not folder.is_dir():
        return 0
    count = 0
    for path in sorted(folder.iterdir()):
        if path.suffix == ".py" and not path.name.startswith(("_", ".")):
            import_file(path, "euryale_project.workflows")
            count += 1
    return count


def scheduled_workflow_jobs(container: Any) -> list[JobSpec]:
    """A job per registered workflow declaring a `schedule`: each tick (won once across replicas) runs it."""
    if not container.has("workflows"):
        return []
    specs: list[JobSpec] = []
    for wf in registered_workflows().values():
        if wf.schedule is None:
            continue

        async def run(c: Any, _wf_id: str = wf.id) -> None:
            await c.resolve("workflows").run(_wf_id, input={}, throw_on_error=True)

        specs.append(JobSpec(f"workflow:{wf.id}", run, validate_schedule(wf.schedule, wf.id),
                             wf.number_of_executions, source=f"workflow {wf.id}"))
    return specs


async def start_background(container: Any, *, root: Path | None = None, include_core: bool = True) -> Stop:
    """Start the relay (all modes) and subscribers, jobs, workflow recovery (worker/shared); return `stop()`.

    `stop()` drains: it stops taking new work, waits for running handlers and job ticks, then publishes what
    they staged before returning.
    """
    stops: list[Callable[[], Any]] = []
    mode = container.mode
    root = root if root is not None else getattr(container.config, "root", None)
    bus = container.resolve("event_bus") if container.has("event_bus") else None
    load_project_workflows(root)
    from euryale.flows.registry import load_core_workflows

    load_core_workflows()  # a worker serves no API routes: it must still know (resume, schedule) core workflows

    relay: OutboxRelay | None = None
    if container.db is not None and bus is not None:
        relay = OutboxRelay(container.db, bus)
        relay.start()
        container.register("outbox_relay", relay)

    if mode != "server":
        if bus is not None:
            register_subscribers(container, discover_subscribers(root, production=container.config.is_production,
                                                                 include_core=include_core))
            start_consumers = getattr(bus, "start_consumers", None)
            if start_consumers is not None:
                await start_consumers()
                stops.append(bus.stop_consumers)
            elif hasattr(bus, "drain"):
                stops.append(bus.drain)
        if container.db is not None:
            jobs = discover_jobs(root) + scheduled_workflow_jobs(container)
            if jobs:
                scheduler = JobScheduler(container, jobs)
                scheduler.start()
                container.register("job_scheduler", scheduler)
                stops.append(scheduler.stop)
        if container.has("workflows"):
            engine = container.resolve("workflows")
            if hasattr(engine, "start_sweeper"):
                engine.start_sweeper()
                stops.append(engine.stop_sweeper)
    log.info("background started", mode=mode, relay=relay is not None)

    async def stop() -> None:
        for fn in reversed(stops):
            try:
                result = fn()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("background stop step failed")
        if relay is not None:
            await relay.stop()  # last: publishes what the drained handlers staged

    return stop
