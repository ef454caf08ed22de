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
success, never on failure. A `transaction_workflow` goes further (`WorkflowEngine.run_in_transaction`): its
execution row is inserted, `done`, in the step's own transaction, next to its writes and its (un-held) events, so
it costs one INSERT instead of claims and four checkpoint commits; there is nothing to resume or compensate.

Retention: like Medusa (which stores only executions with a retention time), these executions are kept for a
short while - a day for admin writes, an hour for store writes - so `/admin/workflows-executions` shows recent
changes; `delete-expired-workflow-executions` (scheduled every 10 minutes) deletes finished executions past
their retention.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.events.outbox import holding_events
from euryale.ids import generate_id
from euryale.workflows import PermanentFailure, StepContext, StepResponse, registered_workflows, step, workflow
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


def _ephemeral_async_commit(container: Any) -> bool:
    return bool(container.config.project_config.ephemeral_async_commit)


def transaction_workflow(workflow_id: str, *, retention_time: int | None = ADMIN_RETENTION,
                         redact: Callable[[Any], Any] | None = None, ephemeral: bool = False
                         ) -> Callable[[Callable[Concatenate[AsyncConnection, P], Awaitable[R]]],
                                       Callable[Concatenate[Any, P], Awaitable[R]]]:
    """Decorator: `async def fn(conn, ...)` runs in one transaction as the one step of `workflow_id`; the result
    is called with the container instead of the connection.

    `ephemeral`: the write is to state a shopper can redo (a cart), so it commits asynchronously when the
    project's `ephemeral_async_commit` is on (the default): see `WorkflowEngine.run_in_transaction`."""
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
            # the step is one transaction: the engine records the execution inside it (no claims, no checkpoints)
            result: R = await container.resolve("workflows").run_in_transaction(
                workflow_id, input=_call_input(args, kwargs), body=lambda conn: fn(conn, *args, **kwargs),
                stored_output=redact, async_commit=ephemeral and _ephemeral_async_commit(container))
            return result

        functools.update_wrapper(run, fn)
        run.workflow_id = workflow_id  # type: ignore[attr-defined]
        run.flow = fn  # type: ignore[attr-defined]
        return run
    return wrap


# transaction id -> (the step's connection, handed to the request; the request block's outcome)
_BLOCKS: dict[str, tuple[asyncio.Future[AsyncConnection], asyncio.Future[None]]] = {}
_BLOCK_WORKFLOWS: set[str] = set()


def block_workflow(workflow_id: str, *, retention_time: int | None = ADMIN_RETENTION) -> None:
    """Register `workflow_id` as a request-block workflow (see :func:`workflow_transaction`); idempotent."""
    if workflow_id in _BLOCK_WORKFLOWS and workflow_id in registered_workflows():
        return

    @step(f"{workflow_id}-step")
    async def invoke(ctx: StepContext, input: Any) -> StepResponse:
        handoff = _BLOCKS.get(ctx.transaction_id)
        if handoff is None:
            # resumed by another process: the request that ran the block died, and its transaction with it
            raise PermanentFailure("The request running this transaction is gone; its transaction rolled back")
        conn_future, done = handoff
        async with ctx.container.database().transaction() as conn:
            conn_future.set_result(conn)
            await done  # the request's block runs on `conn`; its exception rolls the transaction back
        return StepResponse(None, compensate_input=None)

    workflow(workflow_id, steps=[invoke], retention_time=retention_time)
    _BLOCK_WORKFLOWS.add(workflow_id)


@asynccontextmanager
async def workflow_transaction(container: Any, workflow_id: str, input: Any = None, *,
                               retention_time: int | None = ADMIN_RETENTION) -> AsyncIterator[AsyncConnection]:
    """`async with workflow_transaction(container, "create-tax-rates", body) as conn:` runs the block as the step
    of a recorded `workflow_id` execution: the block's connection is the step's transaction, events it stages are
    held for the workflow, its exception fails (and reverts) the execution and propagates unchanged.

    For handlers whose write is written inline; a function (`transaction_workflow`) is preferable when the work
    can be named, as only then can another process re-run it.
    """
    block_workflow(workflow_id, retention_time=retention_time)
    loop = asyncio.get_running_loop()
    tx, group = generate_id("tx"), generate_id("evgrp")
    conn_future: asyncio.Future[AsyncConnection] = loop.create_future()
    done: asyncio.Future[None] = loop.create_future()
    _BLOCKS[tx] = (conn_future, done)
    runner = asyncio.ensure_future(container.resolve("workflows").run(
        workflow_id, input=encode(input), transaction_id=tx, event_group_id=group))
    try:
        await asyncio.wait({conn_future, runner}, return_when=asyncio.FIRST_COMPLETED)
        if not conn_future.done():
            await runner  # the execution failed before its step opened the transaction: raises why
            raise RuntimeError(f"workflow {workflow_id} finished without running its step")
        with holding_events(group):
            try:
                yield conn_future.result()
            except BaseException as exc:
                # a cancelled request reverts the execution like any failure (the engine handles Exceptions)
                done.set_exception(exc if isinstance(exc, Exception) else PermanentFailure("The request was cancelled"))
                try:
                    await runner
                except BaseException as failure:
                    if failure is not exc:
                        raise
                raise
        done.set_result(None)
        await runner  # commit, release of the held events, final checkpoint; a commit error raises here
    finally:
        _BLOCKS.pop(tx, None)
        if not done.done():
            done.set_exception(PermanentFailure("The request was cancelled"))
        if not runner.done():
            await asyncio.gather(runner, return_exceptions=True)


DEFAULT_RETENTION_S = 7 * 24 * 3600  # finished executions of workflows that declare no retention


async def delete_expired_executions(conn: AsyncConnection, *, limit: int = 5000,
                                    default_retention_s: int = DEFAULT_RETENTION_S) -> int:
    """Delete finished executions older than their retention time (a week when the workflow declares none).

    Running executions are never purged, so recovery of a crashed worker is unaffected; the default bound keeps
    the table from growing without limit (Medusa users saw millions of finished executions pile up).
    """
    retention = func.coalesce(workflow_execution.c.retention_time, default_retention_s)
    expired = select(workflow_execution.c.id).where(
        workflow_execution.c.state.in_(FINISHED),
        workflow_execution.c.updated_at < func.now() - retention * text("interval '1 second'")).limit(limit)
    result = await conn.execute(delete(workflow_execution).where(workflow_execution.c.id.in_(expired.scalar_subquery())))
    return int(result.rowcount or 0)


@step("delete-expired-workflow-executions-step")
async def _purge(ctx: StepContext, input: Any) -> StepResponse:
    async with ctx.container.database().transaction() as conn:
        return StepResponse({"deleted": await delete_expired_executions(conn)})


workflow("delete-expired-workflow-executions", steps=[_purge], retention_time=ADMIN_RETENTION,
         schedule="*/10 * * * *")
