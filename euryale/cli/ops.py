"""Operations commands: `jobs:list`, `events:failed`, `events:retry`, `workflows:stuck`, `workflows:retry-step`,
`workflows:skip-step`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import typer

from euryale.cli.main import app, config_or_exit
from euryale.config import EuryaleConfig

T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg="red", err=True)
    return typer.Exit(1)


def _with_container(config: EuryaleConfig, fn: Callable[[Any], Awaitable[T]]) -> T:
    """Run `fn(container)` with the configured modules started (no background work)."""
    from euryale.boot import build_container

    async def go() -> T:
        container = build_container(config)
        await container.start()
        try:
            return await fn(container)
        finally:
            await container.stop()

    try:
        return asyncio.run(go())
    except typer.Exit:
        raise
    except Exception as exc:  # unreachable Redis/PostgreSQL: one clear line, no traceback
        raise _fail(f"{type(exc).__name__}: {exc}") from None


@app.command("jobs:list")
def jobs_list(runs: int = typer.Option(3, help="How many upcoming runs to show per job")) -> None:
    """List the project's scheduled jobs (src/jobs) with their next runs and last outcome."""
    from euryale.jobs import discover_jobs, last_runs

    config = config_or_exit()
    try:
        jobs = discover_jobs(config.root)
    except Exception as exc:
        raise _fail(f"cannot load src/jobs: {type(exc).__name__}: {exc}") from None
    if not jobs:
        typer.echo("no scheduled jobs (src/jobs/*.py)")
        return
    last: dict[str, dict[str, Any]] = {}
    if config.project_config.database_url:
        try:
            last = _with_container(config, lambda c: last_runs(c, [j.name for j in jobs]))
        except typer.Exit:
            last = {}
    now = datetime.now(UTC)
    for job in jobs:
        schedule = job.schedule if isinstance(job.schedule, str) else f"every {job.schedule['interval']} ms"
        upcoming = ", ".join(t.isoformat(timespec="seconds") for t in job.next_ticks(now, runs))
        limit = f" (max {job.number_of_executions} runs)" if job.number_of_executions else ""
        typer.echo(f"{job.name}\t{schedule}{limit}\tnext: {upcoming}")
        if job.name in last:
            r = last[job.name]
            typer.echo(f"\tlast: {r['tick_at'].isoformat(timespec='seconds')} {r['status']} "
                       f"{r['duration_ms'] if r['duration_ms'] is not None else '-'} ms"
                       + (f" error: {r['error']}" if r.get("error") else ""))


def _bus_op(container: Any, op: str) -> Any:
    bus = container.resolve("event_bus")
    fn = getattr(bus, op, None)
    if fn is None:
        raise _fail("the configured event bus keeps no dead letters (use euryale.modules.event_bus_redis)")
    return fn


@app.command("events:failed")
def events_failed(limit: int = typer.Option(100, help="At most this many"),
                  as_json: bool = typer.Option(False, "--json", help="One JSON object per line")) -> None:
    """List dead-lettered event deliveries (a subscriber failed every attempt)."""
    config = config_or_exit()
    rows: list[dict[str, Any]] = _with_container(config, lambda c: _bus_op(c, "failed")(limit))
    for r in rows:
        if as_json:
            typer.echo(json.dumps(r))
        else:
            typer.echo(f"{r['dead_id']}\t{r['subscriber']}\t{r['name']}\t{r['id']}\tattempts={r['attempts']}\t"
                       f"{r['error']}")
    if not as_json:
        typer.echo(f"{len(rows)} failed deliveries")


@app.command("events:retry")
def events_retry(dead_ids: list[str] = typer.Argument(None, help="Dead-letter ids (default: all)")) -> None:
    """Re-deliver dead-lettered events to the subscriber that failed them."""
    config = config_or_exit()
    n: int = _with_container(config, lambda c: _bus_op(c, "retry")(dead_ids or None))
    typer.echo(f"{n} events re-queued")


@app.command("workflows:stuck")
def workflows_stuck(older_than: float = typer.Option(60.0, help="Not updated for this many seconds")) -> None:
    """List unfinished workflow executions that have not moved for a while."""
    config = config_or_exit()
    rows: list[dict[str, Any]] = _with_container(
        config, lambda c: c.resolve("workflows").list_stuck(older_than=older_than))
    for r in rows:
        steps = (r.get("execution") or {}).get("steps", {})
        current = [sid for sid, st in steps.items() if st.get("state") not in ("done", "skipped", "reverted")]
        typer.echo(f"{r['workflow_id']}\t{r['transaction_id']}\t{r['state']}\t"
                   f"{r['updated_at'].isoformat(timespec='seconds')}\tsteps: {', '.join(current) or '-'}")
    typer.echo(f"{len(rows)} stuck executions")


@app.command("workflows:retry-step")
def workflows_retry_step(workflow_id: str, transaction_id: str, step_id: str) -> None:
    """Run a step of an execution again, then continue it (the workflow must be importable here)."""
    config = config_or_exit()
    _load_project_workflows(config)
    res = _with_container(config, lambda c: c.resolve("workflows").retry_step(workflow_id, transaction_id, step_id))
    typer.echo(f"{workflow_id} {transaction_id}: {res.state}")


@app.command("workflows:skip-step")
def workflows_skip_step(workflow_id: str, transaction_id: str, step_id: str) -> None:
    """Mark a step of an execution done without running it, then continue it."""
    config = config_or_exit()
    _load_project_workflows(config)
    res = _with_container(config, lambda c: c.resolve("workflows").skip_step(workflow_id, transaction_id, step_id))
    typer.echo(f"{workflow_id} {transaction_id}: {res.state}")


def _load_project_workflows(config: EuryaleConfig) -> None:
    from euryale.background import load_project_workflows

    load_project_workflows(config.root)
