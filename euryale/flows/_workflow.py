"""Existing transactional flows as named workflows (Medusa's workflow ids), with one generic mechanism.

`@flow_workflow("create-products")` turns `async def flow(container, *args, **kwargs)` (a flow opening its own
transaction) into a function with the same signature that runs the flow as the single step of a registered
workflow; `@transaction_workflow("add-to-cart")` does the same for `async def fn(conn, *args, **kwargs)`, the step
opening the transaction and the wrapper taking the container instead of the connection.

Why one step and a no-op compensation: the flow's writes and its events commit in ONE PostgreSQL transaction, so
a failure rolls everything back; there is nothing left to undo (flows with side effects across several
transactions or outside the database - CSV import, payments, uploads - have real multi-step workflows instead).
Events the flow stages with `stage_events` are held under the execution's event group (see
`euryale.events.outbox.holding_events`) and released with the final checkpoint: published exactly once on
success, never on failure.

Retention: like Medusa (which stores only executions with a retention time), these executions are kept for a
short while - a day for admin writes, an hour for store writes - so `/admin/workflows-executions` shows recent
changes; `delete-expired-workflow-executions` (scheduled every 10 minutes) deletes finished executions past
their retention.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import and_, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.events.outbox import holding_events
from euryale.ids import generate_id
from euryale.workflows import StepContext, StepResponse, step, workflow
from euryale.workflows.engine import FINISHED, workflow_execution

P = ParamSpec("P")
R = TypeVar("R")

ADMIN_RETENTION = 24 * 3600
"""Seconds an admin write's execution stays listed at /admin/workflows-executions."""
STORE_RETENTION = 3600
"""Store writes (carts, customer accounts) are frequent: kept an hour, for debugging only."""

_TAGS = ("$decimal", "$datetime", "$date")


def encode(value: Any) -> Any:
    """A flow's arguments as JSON (the workflow input is stored): Decimals and datetimes keep their type."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [encode(v) for v in value]
    # anything else would be stringified silently by the JSON column: refuse it where the bug is
    raise TypeError(f"workflow input of type {type(value).__name__} is not JSON-serialisable")


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, raw), = value.items()
            if key in _TAGS and isinstance(raw, str):
                if key == "$decimal":
                    return Decimal(raw)
                return datetime.fromisoformat(raw) if key == "$datetime" else date.fromisoformat(raw)
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _call_input(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"args": encode(args), "kwargs": encode(kwargs)}


def _call_of(input: Any) -> tuple[list[Any], dict[str, Any]]:
    data = decode(input) or {}
    return list(data.get("args") or []), dict(data.get("kwargs") or {})


# results a step kept out of the stored execution (`redact`), handed to the caller in this process
_LOCAL_RESULTS: dict[str, Any] = {}


async def run_workflow(container: Any, workflow_id: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run `workflow_id` with a call's arguments; the flow's own exception (MedusaError...) propagates as is."""
    tx = generate_id("tx")
    try:
        outcome = await container.resolve("workflows").run(workflow_id, input=_call_input(args, kwargs),
                                                            transaction_id=tx)
    finally:
        local = _LOCAL_RESULTS.pop(tx, _MISSING)
    return outcome.result if local is _MISSING else local


_MISSING = object()


def _output(ctx: StepContext, out: Any, redact: Callable[[Any], Any] | None) -> StepResponse:
    # compensation: none needed, the step's transaction is atomic (see the module docstring)
    if redact is None:
        return StepResponse(out, compensate_input=None)
    _LOCAL_RESULTS[ctx.transaction_id] = out
    return StepResponse(redact(out), compensate_input=None)


def flow_workflow(workflow_id: str, *, retention_time: int | None = ADMIN_RETENTION,
                  redact: Callable[[Any], Any] | None = None) -> Callable[[Callable[Concatenate[Any, P], Awaitable[R]]],
                                Callable[Concatenate[Any, P], Awaitable[R]]]:
    """Decorator: `async def flow(container, ...)` (own transaction) runs as the one step of `workflow_id`.

    The decorated name keeps its signature; the undecorated flow stays reachable as `.flow` (for callers that
    already run inside a workflow step). `redact(result)` is what the execution stores instead of a result that
    must not be persisted (a new API key's token); the caller still gets the full result.
    """
    def wrap(fn: Callable[Concatenate[Any, P], Awaitable[R]]) -> Callable[Concatenate[Any, P], Awaitable[R]]:
        @step(f"{workflow_id}-step")
        async def invoke(ctx: StepContext, input: Any) -> StepResponse:
            args, kwargs = _call_of(input)
            with holding_events(ctx.event_group_id):
                out = await fn(ctx.container, *args, **kwargs)
            return _output(ctx, out, redact)

        workflow(workflow_id, steps=[invoke], retention_time=retention_time)

        async def run(container: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
            result: R = await run_workflow(container, workflow_id, args, kwargs)
            return result

        functools.update_wrapper(run, fn)
        run.workflow_id = workflow_id  # type: ignore[attr-defined]
        run.flow = fn  # type: ignore[attr-defined]
        return run
    return wrap


def transaction_workflow(workflow_id: str, *, retention_time: int | None = ADMIN_RETENTION,
                         redact: Callable[[Any], Any] | None = None) -> Callable[[Callable[Concatenate[AsyncConnection, P], Awaitable[R]]],
                                       Callable[Concatenate[Any, P], Awaitable[R]]]:
    """Decorator: `async def fn(conn, ...)` runs in one transaction as the one step of `workflow_id`; the result
    is called with the container instead of the connection."""
    def wrap(fn: Callable[Concatenate[AsyncConnection, P], Awaitable[R]]
             ) -> Callable[Concatenate[Any, P], Awaitable[R]]:
        @step(f"{workflow_id}-step")
        async def invoke(ctx: StepContext, input: Any) -> StepResponse:
            args, kwargs = _call_of(input)
            with holding_events(ctx.event_group_id):
                async with ctx.container.database().transaction() as conn:
                    out = await fn(conn, *args, **kwargs)
            return _output(ctx, out, redact)

        workflow(workflow_id, steps=[invoke], retention_time=retention_time)

        async def run(container: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
            result: R = await run_workflow(container, workflow_id, args, kwargs)
            return result

        functools.update_wrapper(run, fn)
        run.workflow_id = workflow_id  # type: ignore[attr-defined]
        run.flow = fn  # type: ignore[attr-defined]
        return run
    return wrap


async def delete_expired_executions(conn: AsyncConnection, *, limit: int = 5000) -> int:
    """Delete finished executions older than their retention time (those without one are kept)."""
    expired = select(workflow_execution.c.id).where(
        workflow_execution.c.state.in_(FINISHED), workflow_execution.c.retention_time.is_not(None),
        and_(workflow_execution.c.updated_at
             < func.now() - workflow_execution.c.retention_time * text("interval '1 second'"))).limit(limit)
    result = await conn.execute(delete(workflow_execution).where(workflow_execution.c.id.in_(expired.scalar_subquery())))
    return int(result.rowcount or 0)


@step("delete-expired-workflow-executions-step")
async def _purge(ctx: StepContext, input: Any) -> StepResponse:
    async with ctx.container.database().transaction() as conn:
        return StepResponse({"deleted": await delete_expired_executions(conn)})


workflow("delete-expired-workflow-executions", steps=[_purge], retention_time=ADMIN_RETENTION,
         schedule="*/10 * * * *")
