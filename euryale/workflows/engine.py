"""Workflow engine: runs a workflow's steps, checkpoints per-step state in `workflow_execution`, compensates.

One engine class; the in-memory and Redis modules differ only in their :class:`Claims` (who may advance an
execution) and in whether a sweeper resumes executions whose claim expired (a killed worker).

Guarantees:
- idempotent by (workflow_id, transaction_id): a second run returns the stored result (or waits for the first);
- a failed step compensates the completed steps in reverse completion order (state `reverted`, or `failed` if
  a compensation raised);
- events emitted by steps (`ctx.emit`, `ctx.stage`) reach the outbox un-held only when the workflow succeeds.
"""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
import structlog
from sqlalchemy import Column, DateTime, Integer, Table, Text, and_, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import direct
from euryale.db.engine import _json_dumps
from euryale.db.schema import metadata
from euryale.errors import MedusaError
from euryale.events import Event
from euryale.events.outbox import (
    clear_group,
    deferring_events,
    event_outbox,
    holding_events,
    release_group,
    stage_events,
)
from euryale.ids import generate_id
from euryale.workflows.sdk import (
    _UNSET,
    Hook,
    Node,
    Parallel,
    PermanentFailure,
    Step,
    StepResponse,
    Workflow,
    get_workflow,
    walk,
)

log = structlog.get_logger("euryale.workflows")

workflow_execution = Table(
    "workflow_execution",
    metadata,
    Column("id", Text, nullable=False, unique=True),
    Column("workflow_id", Text, primary_key=True),
    Column("transaction_id", Text, primary_key=True),
    Column("run_id", Text, primary_key=True),
    Column("execution", JSONB, nullable=True),
    Column("context", JSONB, nullable=True),
    Column("state", Text, nullable=False),
    Column("retention_time", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

FINISHED = ("done", "reverted", "failed")

# built once and run with the row as parameters: building an INSERT/UPDATE with `.values()` and its cache key on
# every execution cost more CPU than the statement's round trip (several per checkout: every workflow writes one)
_INSERT_EXECUTION = insert(workflow_execution)
# a one-step transaction workflow's execution row (and, the usual case, the one event its step staged), compiled
# once and run straight on asyncpg inside the step's transaction (`euryale.db.direct`): SQLAlchemy's execution of
# the INSERT cost ~0.4 ms of CPU, a tenth of a cart write's
_EXECUTION_KEYS = ("id", "workflow_id", "transaction_id", "run_id", "state", "retention_time", "execution", "context")
_EVENT_KEYS = ("id", "name", "data", "metadata", "group_id", "held")


# `SET LOCAL synchronous_commit = off` riding in the transaction's last statement (no round trip of its own): the
# execution row is inserted once, so its RETURNING runs the setting once, for this transaction only
_ASYNC_COMMIT = func.set_config("synchronous_commit", "off", True)


def _execution_values() -> dict[str, Any]:
    """An execution row's columns as bind parameters named after them (statements compiled once)."""
    return {k: bindparam(k, type_=workflow_execution.c[k].type) for k in _EXECUTION_KEYS}


def _record_execution(with_event: bool, async_commit: bool) -> Any:
    statement = insert(workflow_execution).values(_execution_values())
    if with_event:
        statement = statement.add_cte(insert(event_outbox).values(
            {k: bindparam(f"event_{k}", type_=event_outbox.c[k].type) for k in _EVENT_KEYS}).cte("staged_events"))
    if async_commit:
        statement = statement.returning(_ASYNC_COMMIT)
    return statement


def _record_query(with_event: bool, async_commit: bool, writes: list[direct.DeferredWrite]
                  ) -> tuple[direct.WriteQuery, dict[str, Any]]:
    """The statement recording an execution (with the one event the step staged, the asynchronous commit), carrying
    the step's queued writes (`direct.update_later`) as data-modifying CTEs: they cost no round trip of their own;
    and the writes' parameters."""
    return direct.carrying(("record_execution", with_event, async_commit),
                           functools.partial(_record_execution, with_event, async_commit), writes)


# the two statements every engine-driven workflow runs (a new execution, a checkpoint per step), compiled once and
# run straight on asyncpg (`euryale.db.direct`): SQLAlchemy's execution of each cost ~60 us more CPU than the
# statement itself. On a connection with no transaction begun, asyncpg runs them on their own (autocommit).
_NEW_EXECUTION = direct.WriteQuery(lambda: pg_insert(workflow_execution).values(_execution_values())
                                   .on_conflict_do_nothing().returning(workflow_execution.c.id))
_CHECKPOINT = direct.WriteQuery(lambda: update(workflow_execution).where(
    workflow_execution.c.id == bindparam("row_id", type_=Text)).values(
    {k: bindparam(k, type_=workflow_execution.c[k].type) for k in ("execution", "context", "state")}
    | {"updated_at": func.now()}))


class Claims(Protocol):
    """Exclusive, expiring ownership of a key (one process advances a given execution at a time)."""

    async def claim(self, key: str, ttl_ms: int) -> str | None: ...

    async def renew(self, key: str, token: str, ttl_ms: int) -> bool: ...

    async def release(self, key: str, token: str) -> None: ...


class MemoryClaims:
    """Claims for one process."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[str, float]] = {}

    async def claim(self, key: str, ttl_ms: int) -> str | None:
        held = self._held.get(key)
        if held is not None and held[1] > time.monotonic():
            return None
        token = uuid.uuid4().hex
        self._held[key] = (token, time.monotonic() + ttl_ms / 1000)
        return token

    async def renew(self, key: str, token: str, ttl_ms: int) -> bool:
        held = self._held.get(key)
        if held is None or held[0] != token:
            return False
        self._held[key] = (token, time.monotonic() + ttl_ms / 1000)
        return True

    async def release(self, key: str, token: str) -> None:
        held = self._held.get(key)
        if held is not None and held[0] == token:
            del self._held[key]


class WorkflowFailed(Exception):
    """A workflow ended `reverted`/`failed`; `errors` as stored, `cause` the original exception if in-process."""

    def __init__(self, workflow_id: str, transaction_id: str, errors: list[dict[str, Any]],
                 cause: BaseException | None = None) -> None:
        first = errors[0]["error"]["message"] if errors else "workflow failed"
        super().__init__(f"{workflow_id} ({transaction_id}): {first}")
        self.workflow_id = workflow_id
        self.transaction_id = transaction_id
        self.errors = errors
        self.cause = cause


@dataclass
class WorkflowResult:
    """Outcome of a run: `state` is `done`, `reverted`, `failed`, or `invoking` (waiting on an async step)."""

    result: Any
    errors: list[dict[str, Any]]
    state: str
    transaction_id: str
    workflow_id: str


class _Suspend(Exception):
    """An async step waits for set_step_success/failure: stop advancing, keep the execution open."""


class _StepFailed(Exception):
    def __init__(self, step_id: str, cause: BaseException) -> None:
        super().__init__(step_id)
        self.step_id = step_id
        self.cause = cause


@dataclass
class _Execution:
    workflow: Workflow
    transaction_id: str
    row_id: str
    input: Any
    state: str
    steps: dict[str, dict[str, Any]]
    decisions: dict[str, bool]
    events: list[dict[str, Any]]
    event_group_id: str
    seq: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    cause: BaseException | None = None
    # whether held events may exist in the group: unknown (True) unless this run made the group and staged nothing
    staged: bool = True

    def execution_json(self) -> dict[str, Any]:
        return {"steps": self.steps, "decisions": self.decisions, "events": self.events,
                "event_group_id": self.event_group_id, "seq": self.seq}

    def context_json(self, result: Any = None) -> dict[str, Any]:
        return {"data": {"input": self.input, "result": result}, "errors": self.errors}


class StepContext:
    """What a step sees: the container, ids, the workflow input, earlier outputs, and event emission."""

    def __init__(self, engine: WorkflowEngine, exe: _Execution, step_id: str, attempt: int) -> None:
        self.engine = engine
        self.container = engine.container
        self.workflow_id = exe.workflow.id
        self.transaction_id = exe.transaction_id
        self.step_id = step_id
        self.attempt = attempt
        self.input = exe.input
        self.results = exe.results
        self._exe = exe

    @property
    def event_group_id(self) -> str:
        """The run's event group. A step that reads it may stage held events in it (`stage`, `holding_events`):
        the workflow's success then releases the group in its final transaction."""
        self._exe.staged = True
        return self._exe.event_group_id

    @property
    def idempotency_key(self) -> str:
        """Medusa's step key `<workflow>:<transaction>:<step>:invoke`, e.g. for a payment provider call."""
        return f"{self.workflow_id}:{self.transaction_id}:{self.step_id}:invoke"

    def emit(self, name: str, data: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
        """Emit an event when (and only if) the workflow succeeds."""
        self._exe.events.append({"id": generate_id("evt"), "name": name, "data": data,
                                 "metadata": {**(metadata or {}), "eventGroupId": self.event_group_id}})

    async def stage(self, conn: AsyncConnection, name: str, data: dict[str, Any]) -> None:
        """Stage an event in the step's own transaction, held until the workflow succeeds."""
        await stage_events(conn, Event(name, data), group_id=self.event_group_id, hold=True)


Listener = Callable[[dict[str, Any]], Any]


class WorkflowEngine:
    """Runs registered workflows; `container.resolve("workflows")` is one of these."""

    def __init__(self, container: Any, claims: Claims | None = None, *, claim_ttl_ms: int = 30_000,
                 poll_interval: float = 0.02, sweep_interval: float | None = None,
                 checkpoint_steps: bool = True) -> None:
        self.container = container
        # per-step checkpoints let another process resume a dead worker's execution; a single-process engine
        # only needs the start and the outcome (plus suspensions and retries, which are always saved)
        self.checkpoint_steps = checkpoint_steps
        self.claims: Claims = claims or MemoryClaims()
        self.claim_ttl_ms = claim_ttl_ms
        self.poll_interval = poll_interval
        self.sweep_interval = sweep_interval
        self._sweeper: asyncio.Task[None] | None = None
        self._listeners: list[Listener] = []

    # ---------------------------------------------------------------- public API

    async def run(self, workflow_id: str, *, input: Any = None, transaction_id: str | None = None,
                  throw_on_error: bool = True, event_group_id: str | None = None,
                  rerun_failed: bool = False) -> WorkflowResult:
        """Run (or return the stored outcome of) `workflow_id` under `transaction_id` (default: a new id).

        `rerun_failed`: a stored `reverted`/`failed` execution of the same transaction id is retired (soft-deleted)
        and the workflow runs again, instead of answering that outcome (a declined payment may be retried)."""
        wf = get_workflow(workflow_id)
        tx = transaction_id or generate_id("tx")
        outcome = await self._run_claimed(wf, tx, input, event_group_id, rerun_failed)
        if outcome is None:  # another process holds the execution: wait for it as any repeated run does
            await self._ensure_row(wf, tx, input, event_group_id)
            outcome = await self._advance(wf.id, tx, lambda exe: self._drive(exe))
        return self._finish(outcome, throw_on_error)

    async def _run_claimed(self, wf: Workflow, tx: str, input: Any, event_group_id: str | None,
                           rerun_failed: bool) -> _Execution | None:
        """Claim first, then insert the execution already `invoking`: a new execution costs one INSERT (no
        `not_started` row to reload and checkpoint again). None when the claim is held elsewhere."""
        key = f"wf:{wf.id}:{tx}"
        token = await self.claims.claim(key, self.claim_ttl_ms)
        if token is None:
            return None
        heartbeat = asyncio.get_running_loop().create_task(self._heartbeat(key, token))
        try:
            exe = await self._insert_running(wf, tx, input, event_group_id, rerun_failed)
            if exe is None:  # it exists: resume it, or answer its outcome (the claim makes us its only driver)
                async with self.container.database().read() as conn:
                    loaded = await self._load(conn, wf.id, tx)
                if loaded is None:
                    raise MedusaError("not_found", f"Workflow execution {wf.id}/{tx} was not found")
                exe = loaded
                if exe.state in FINISHED:
                    return exe
            await self._drive(exe)
            return exe
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            await self.claims.release(key, token)

    async def _insert_running(self, wf: Workflow, tx: str, input: Any, event_group_id: str | None,
                              rerun_failed: bool) -> _Execution | None:
        """Insert `(wf, tx)` in state `invoking` (the caller holds its claim); None when a live row exists (and was
        not a failed one retired because of `rerun_failed`)."""
        group = event_group_id or generate_id("evgrp")
        execution = {"steps": {}, "decisions": {}, "events": [], "seq": 0, "event_group_id": group}
        row_id = generate_id("wf_exec")
        row = dict(id=row_id, workflow_id=wf.id, transaction_id=tx, run_id=generate_id("run"), state="invoking",
                   retention_time=wf.retention_time, execution=execution,
                   context={"data": {"input": input, "result": None}, "errors": []})
        async with self.container.database().engine.connect() as c:
            # single statements: autocommit saves the BEGIN/COMMIT round trips
            inserted = await _NEW_EXECUTION.fetch(c, **row)
            if not inserted and rerun_failed:
                auto = await c.execution_options(isolation_level="AUTOCOMMIT")
                retired = (await auto.execute(update(workflow_execution).where(
                    workflow_execution.c.workflow_id == wf.id, workflow_execution.c.transaction_id == tx,
                    workflow_execution.c.deleted_at.is_(None), workflow_execution.c.state.in_(("reverted", "failed"))
                ).values(deleted_at=func.now()).returning(workflow_execution.c.id))).first()
                if retired is not None:
                    inserted = await _NEW_EXECUTION.fetch(c, **row)
        if not inserted:
            return None
        # the input as a stored execution gives it back (what a resumed run would see)
        stored_input = orjson.loads(_json_dumps(input)) if input is not None else None
        exe = _Execution(wf, tx, row_id, stored_input, "invoking", {}, {}, [], group)
        exe.results["__result__"] = None
        exe.staged = event_group_id is not None  # a caller's group may hold events staged outside this run
        return exe

    async def run_in_transaction(self, workflow_id: str, *, input: Any,
                                 body: Callable[[AsyncConnection], Awaitable[Any]],
                                 stored_output: Callable[[Any], Any] | None = None,
                                 async_commit: bool = False) -> Any:
        """Run a workflow whose single step is `body(conn)`, one database transaction, and return its result.

        The execution is recorded by one INSERT in the step's own transaction, state `done` (with the input,
        the output - `stored_output(result)` when given - and the event group of the events the body staged).
        Why no claim, no `invoking` checkpoint and no held events, unlike :meth:`run`: the step's writes, its
        events and the execution row commit together or not at all. A process dying mid-step loses the
        transaction with it, so there is nothing to resume; nothing is left to compensate; a new transaction id
        cannot run twice. A failure (the transaction rolled back) is recorded as a `reverted` execution in one
        autocommit statement and its exception propagates unchanged, as with :meth:`run`.

        `async_commit`: the transaction commits with `synchronous_commit = off` (PostgreSQL's asynchronous
        commit): the answer does not wait for the flush of the commit's WAL to disk. Only a PostgreSQL crash (not
        a process crash) within ~3 × `wal_writer_delay` of the commit can lose the write, with its events and
        record; the database stays consistent, and a later synchronous commit (an order) flushes it first.
        """
        wf = get_workflow(workflow_id)
        step_id = wf.step_ids()[0]
        tx, group = generate_id("tx"), generate_id("evgrp")
        started = time.perf_counter()
        try:
            async with self.container.database().transaction() as conn:
                with holding_events(group, hold=False), deferring_events(conn) as staged:
                    result = await body(conn)
                output = stored_output(result) if stored_output is not None else result
                record = _execution_row(wf, tx, group, "done", input, output, step={
                    "state": "done", "attempts": 1, "output": output, "compensate_input": None, "seq": 1})
                # the step's events ride with the execution row: one statement, still in the step's transaction
                if len(staged) <= 1:
                    query, write_params = _record_query(bool(staged), async_commit, direct.take_later(conn))
                    await direct.fetch(conn, query, **record, **write_params,
                                       **({f"event_{k}": staged[0][k] for k in _EVENT_KEYS} if staged else {}))
                else:
                    statement = insert(workflow_execution).values(record).add_cte(
                        insert(event_outbox).values(staged).cte("staged_events"))
                    await conn.execute(statement.returning(_ASYNC_COMMIT) if async_commit else statement)
        except Exception as exc:
            err: dict[str, Any] = {"message": str(exc) or type(exc).__name__, "name": type(exc).__name__}
            if isinstance(exc, MedusaError):
                err["type"] = exc.type
            row = _execution_row(wf, tx, group, "reverted", input, None,
                                 step={"state": "failed", "attempts": 1, "error": err["message"]},
                                 errors=[{"action": step_id, "handler_type": "invoke", "error": err}])
            try:
                async with self.container.database().engine.connect() as c:
                    auto = await c.execution_options(isolation_level="AUTOCOMMIT")
                    await auto.execute(_INSERT_EXECUTION, row)
            except Exception:  # the record of a failure never hides the failure itself
                log.exception("could not record the failed execution", workflow=wf.id, transaction=tx)
            _count_execution(wf.id, "reverted")
            self._notify({"event_type": "onFinish", "workflow_id": wf.id, "transaction_id": tx, "state": "reverted"})
            raise
        _observe_step(wf.id, step_id, time.perf_counter() - started)
        _count_execution(wf.id, "done")
        self._notify({"event_type": "onStepSuccess", "workflow_id": wf.id, "transaction_id": tx, "step_id": step_id})
        self._notify({"event_type": "onFinish", "workflow_id": wf.id, "transaction_id": tx, "state": "done"})
        return result

    async def set_step_success(self, transaction_id: str, step_id: str, response: Any = None, *,
                               workflow_id: str | None = None, throw_on_error: bool = False) -> WorkflowResult:
        """Complete an async step with `response` as its output, then continue the workflow."""
        wf_id = workflow_id or await self._workflow_of(transaction_id)

        async def go(exe: _Execution) -> None:
            st = exe.steps.setdefault(step_id, {})
            if st.get("state") != "waiting_response":
                raise MedusaError("not_allowed", f"Step {step_id} of {transaction_id} is not waiting for a response")
            exe.seq += 1
            st.update(state="done", output=response, compensate_input=response, seq=exe.seq)
            await self._drive(exe)

        return self._finish(await self._advance(wf_id, transaction_id, go), throw_on_error)

    async def set_step_failure(self, transaction_id: str, step_id: str, error: Any = None, *,
                               workflow_id: str | None = None, throw_on_error: bool = False) -> WorkflowResult:
        """Fail an async step from outside: the completed steps are compensated."""
        wf_id = workflow_id or await self._workflow_of(transaction_id)

        async def go(exe: _Execution) -> None:
            st = exe.steps.setdefault(step_id, {})
            if st.get("state") != "waiting_response":
                raise MedusaError("not_allowed", f"Step {step_id} of {transaction_id} is not waiting for a response")
            cause = Exception(str(error) if error is not None else f"step {step_id} failed")
            st.update(state="failed", error=str(cause))
            await self._fail(exe, _StepFailed(step_id, cause))

        return self._finish(await self._advance(wf_id, transaction_id, go), throw_on_error)

    async def retry_step(self, workflow_id: str, transaction_id: str, step_id: str) -> WorkflowResult:
        """Operations: run a stuck or failed step again, then continue the workflow."""
        async def go(exe: _Execution) -> None:
            exe.steps[step_id] = {"state": "not_started", "attempts": 0}
            exe.state = "invoking"
            await self._drive(exe)
        return self._finish(await self._advance(workflow_id, transaction_id, go, reopen=True), False)

    async def skip_step(self, workflow_id: str, transaction_id: str, step_id: str, output: Any = None
                        ) -> WorkflowResult:
        """Operations: mark a step done (with `output`) without running it, then continue the workflow."""
        async def go(exe: _Execution) -> None:
            exe.seq += 1
            exe.steps[step_id] = {"state": "done", "output": output, "compensate_input": None, "seq": exe.seq,
                                  "skipped_by_operator": True}
            exe.state = "invoking"
            await self._drive(exe)
        return self._finish(await self._advance(workflow_id, transaction_id, go, reopen=True), False)

    async def resume(self, workflow_id: str, transaction_id: str) -> WorkflowResult:
        """Continue an unfinished execution (a killed worker's), compensating it if it was failing."""
        return self._finish(await self._advance(workflow_id, transaction_id, self._drive), False)

    async def get(self, workflow_id: str, transaction_id: str) -> dict[str, Any] | None:
        """The stored execution row (as a dict), or None."""
        async with self.container.database().read() as conn:
            row = (await conn.execute(select(workflow_execution).where(
                workflow_execution.c.workflow_id == workflow_id,
                workflow_execution.c.transaction_id == transaction_id,
                workflow_execution.c.deleted_at.is_(None)))).mappings().first()
        return dict(row) if row else None

    async def list_stuck(self, older_than: float = 60.0, limit: int = 100) -> list[dict[str, Any]]:
        """Unfinished executions not updated for `older_than` seconds (killed worker, waiting async step...)."""
        async with self.container.database().read() as conn:
            rows = (await conn.execute(select(
                workflow_execution.c.id, workflow_execution.c.workflow_id, workflow_execution.c.transaction_id,
                workflow_execution.c.state, workflow_execution.c.execution, workflow_execution.c.updated_at,
            ).where(workflow_execution.c.state.notin_(FINISHED), workflow_execution.c.deleted_at.is_(None),
                    workflow_execution.c.updated_at < func.now() - text(f"interval '{float(older_than)} seconds'"))
                .order_by(workflow_execution.c.updated_at).limit(limit))).mappings().all()
        return [dict(r) for r in rows]

    def subscribe(self, listener: Listener) -> None:
        """Called with `{event_type, workflow_id, transaction_id, step_id?, state?}` on step/finish events."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Nothing by default; `start_sweeper()` runs from the worker background (see euryale.background)."""

    def start_sweeper(self) -> None:
        """Resume executions whose claim expired (their worker died): only meaningful with shared claims."""
        if self.sweep_interval and self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_loop())

    async def stop_sweeper(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None

    async def stop(self) -> None:
        await self.stop_sweeper()

    # ---------------------------------------------------------------- storage

    async def _ensure_row(self, wf: Workflow, tx: str, input: Any, event_group_id: str | None) -> None:
        # a concurrent or repeated run of the same transaction id finds the existing row (idempotency)
        async with self.container.database().transaction() as conn:
            await conn.execute(pg_insert(workflow_execution).values(
                id=generate_id("wf_exec"), workflow_id=wf.id, transaction_id=tx, run_id=generate_id("run"),
                state="not_started", retention_time=wf.retention_time,
                execution={"steps": {}, "decisions": {}, "events": [], "seq": 0,
                           "event_group_id": event_group_id or generate_id("evgrp")},
                context={"data": {"input": input, "result": None}, "errors": []},
            ).on_conflict_do_nothing())

    async def _load(self, conn: AsyncConnection, workflow_id: str, tx: str) -> _Execution | None:
        row = (await conn.execute(select(workflow_execution).where(
            workflow_execution.c.workflow_id == workflow_id, workflow_execution.c.transaction_id == tx,
            workflow_execution.c.deleted_at.is_(None)))).mappings().first()
        if row is None:
            return None
        ex = row["execution"] or {}
        ctx = row["context"] or {}
        exe = _Execution(get_workflow(workflow_id), tx, row["id"], (ctx.get("data") or {}).get("input"),
                         row["state"], ex.get("steps", {}), ex.get("decisions", {}), ex.get("events", []),
                         ex.get("event_group_id") or generate_id("evgrp"), int(ex.get("seq", 0)),
                         list(ctx.get("errors") or []))
        exe.results = {sid: st.get("output") for sid, st in exe.steps.items() if st.get("state") == "done"}
        exe.results["__result__"] = (ctx.get("data") or {}).get("result")
        return exe

    async def _checkpoint(self, exe: _Execution, conn: AsyncConnection | None = None, result: Any = None) -> None:
        params = {"row_id": exe.row_id, "execution": exe.execution_json(), "context": exe.context_json(result),
                  "state": exe.state}
        if conn is not None:
            await direct.fetch(conn, _CHECKPOINT, **params)
            return
        async with self.container.database().engine.connect() as c:
            # one statement: autocommit saves the BEGIN/COMMIT round trips
            await _CHECKPOINT.fetch(c, **params)

    async def _workflow_of(self, transaction_id: str) -> str:
        async with self.container.database().read() as conn:
            wf_id = (await conn.execute(select(workflow_execution.c.workflow_id).where(
                workflow_execution.c.transaction_id == transaction_id,
                workflow_execution.c.deleted_at.is_(None)))).scalar()
        if wf_id is None:
            raise MedusaError("not_found", f"Workflow execution with transaction id {transaction_id} was not found")
        return str(wf_id)

    # ---------------------------------------------------------------- claim + drive

    async def _advance(self, workflow_id: str, tx: str, action: Callable[[_Execution], Awaitable[None]], *,
                       reopen: bool = False) -> _Execution:
        """Claim the execution, reload it, apply `action` unless it already finished; else wait for the owner."""
        key = f"wf:{workflow_id}:{tx}"
        while True:
            token = await self.claims.claim(key, self.claim_ttl_ms)
            if token is not None:
                break
            async with self.container.database().read() as conn:
                exe = await self._load(conn, workflow_id, tx)
            if exe is not None and exe.state in FINISHED and not reopen:
                return exe
            await asyncio.sleep(self.poll_interval)
        heartbeat = asyncio.get_running_loop().create_task(self._heartbeat(key, token))
        try:
            async with self.container.database().read() as conn:
                loaded = await self._load(conn, workflow_id, tx)
            if loaded is None:
                raise MedusaError("not_found", f"Workflow execution {workflow_id}/{tx} was not found")
            exe = loaded
            if exe.state not in FINISHED or reopen:
                await action(exe)
            return exe
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            await self.claims.release(key, token)

    async def _heartbeat(self, key: str, token: str) -> None:
        while True:
            await asyncio.sleep(self.claim_ttl_ms / 3000)
            if not await self.claims.renew(key, token, self.claim_ttl_ms):
                log.warning("workflow claim lost", key=key)
                return

    async def _drive(self, exe: _Execution) -> None:
        if exe.state in ("compensating", "waiting_to_compensate"):
            await self._compensate(exe)
            return
        if exe.state == "not_started":
            exe.state = "invoking"
            if self.checkpoint_steps:
                await self._checkpoint(exe)
        try:
            await self._run_nodes(exe, exe.workflow.nodes)
        except _Suspend:
            await self._checkpoint(exe)
            return
        except _StepFailed as failure:
            await self._fail(exe, failure)
            return
        await self._succeed(exe)

    async def _succeed(self, exe: _Execution) -> None:
        wf = exe.workflow
        result = wf.result_fn(exe.input, exe.results) if wf.result_fn else self._last_output(exe)
        exe.state = "done"
        if not exe.events and not exe.staged:
            # nothing to publish or release: the final checkpoint alone, one autocommit statement
            await self._checkpoint(exe, None, result)
        else:
            async with self.container.database().transaction() as conn:
                # the final checkpoint, the step events and the release of held events commit together
                await stage_events(conn, [Event(e["name"], e["data"], e.get("metadata") or {}, e["id"])
                                          for e in exe.events], group_id=exe.event_group_id)
                await release_group(conn, exe.event_group_id)
                await self._checkpoint(exe, conn, result)
        exe.results["__result__"] = result
        _count_execution(wf.id, "done")
        self._notify({"event_type": "onFinish", "workflow_id": wf.id, "transaction_id": exe.transaction_id,
                      "state": "done"})

    def _last_output(self, exe: _Execution) -> Any:
        for node in reversed(exe.workflow.nodes):
            if isinstance(node, (Step, Hook)):
                return exe.results.get(node.id)
            if isinstance(node, Parallel):
                return [exe.results.get(b[-1].id) for b in node.branches if b and isinstance(b[-1], (Step, Hook))]
        return None

    async def _fail(self, exe: _Execution, failure: _StepFailed) -> None:
        cause = failure.cause
        err: dict[str, Any] = {"message": str(cause) or type(cause).__name__, "name": type(cause).__name__}
        if isinstance(cause, MedusaError):
            err["type"] = cause.type
        exe.errors.append({"action": failure.step_id, "handler_type": "invoke", "error": err})
        exe.cause = cause
        exe.state = "compensating"
        await self._checkpoint(exe)
        await self._compensate(exe)

    async def _compensate(self, exe: _Execution) -> None:
        nodes = {n.id: n for n in walk(exe.workflow.nodes) if isinstance(n, (Step, Hook))}
        done = sorted(((st.get("seq", 0), sid) for sid, st in exe.steps.items()
                       if st.get("state") in ("done", "compensating")), reverse=True)
        failed = False
        for _, sid in done:
            node = nodes.get(sid)
            st = exe.steps[sid]
            st["state"] = "compensating"
            try:
                ctx = StepContext(self, exe, sid, 1)
                data = st.get("compensate_input")
                if isinstance(node, Step) and node.compensation is not None:
                    await node.compensation(ctx, data)
                elif isinstance(node, Hook):
                    for handler in exe.workflow.hooks.get(node.name, []):
                        if handler.compensation is not None:
                            await handler.compensation(ctx, data)
                st["state"] = "reverted"
            except Exception as exc:  # a compensation that fails leaves the execution `failed` for operators
                log.exception("compensation failed", workflow=exe.workflow.id, transaction=exe.transaction_id,
                              step=sid)
                st["state"] = "failed"
                st["error"] = str(exc)
                exe.errors.append({"action": sid, "handler_type": "compensate",
                                   "error": {"message": str(exc), "name": type(exc).__name__}})
                failed = True
            self._notify({"event_type": "onCompensateStep", "workflow_id": exe.workflow.id,
                          "transaction_id": exe.transaction_id, "step_id": sid, "state": st["state"]})
            await self._checkpoint(exe)
        exe.state = "failed" if failed else "reverted"
        exe.events = []
        async with self.container.database().transaction() as conn:
            await clear_group(conn, exe.event_group_id)
            await self._checkpoint(exe, conn)
        _count_execution(exe.workflow.id, exe.state)
        self._notify({"event_type": "onFinish", "workflow_id": exe.workflow.id,
                      "transaction_id": exe.transaction_id, "state": exe.state})

    async def _run_nodes(self, exe: _Execution, nodes: list[Node]) -> None:
        for node in nodes:
            if isinstance(node, (Step, Hook)):
                await self._run_step(exe, node)
            elif isinstance(node, Parallel):
                outcomes = await asyncio.gather(*[self._run_nodes(exe, b) for b in node.branches],
                                                return_exceptions=True)
                errors = [o for o in outcomes if isinstance(o, BaseException)]
                for e in errors:
                    if isinstance(e, _StepFailed):
                        raise e
                for e in errors:
                    raise e
            else:
                decision = exe.decisions.get(node.key)
                if decision is None:
                    decision = bool(node.predicate(exe.input, exe.results))
                    exe.decisions[node.key] = decision
                if decision:
                    await self._run_nodes(exe, node.nodes)
                else:
                    for inner in walk(node.nodes):
                        if isinstance(inner, (Step, Hook)):
                            exe.steps.setdefault(inner.id, {"state": "skipped"})

    async def _run_step(self, exe: _Execution, node: Step | Hook) -> None:
        st = exe.steps.setdefault(node.id, {"state": "not_started", "attempts": 0})
        if st["state"] in ("done", "skipped"):
            exe.results[node.id] = st.get("output")
            return
        if st["state"] == "waiting_response":
            raise _Suspend()
        step_input = node.input_fn(exe.input, exe.results) if node.input_fn else exe.input
        max_retries = node.max_retries if isinstance(node, Step) else 0
        while True:
            st["attempts"] = int(st.get("attempts", 0)) + 1
            st["state"] = "invoking"
            ctx = StepContext(self, exe, node.id, st["attempts"])
            started = time.perf_counter()
            try:
                if isinstance(node, Step):
                    coro = node.invoke(ctx, step_input)
                    out = await (asyncio.wait_for(coro, node.timeout) if node.timeout else coro)
                else:
                    out = None
                    for handler in exe.workflow.hooks.get(node.name, []):
                        out = await handler.invoke(ctx, step_input)
                _observe_step(exe.workflow.id, node.id, time.perf_counter() - started)
                break
            except Exception as exc:
                timed_out = isinstance(exc, TimeoutError)
                if not isinstance(exc, (PermanentFailure, MedusaError)) and not timed_out \
                        and st["attempts"] <= max_retries:
                    log.info("step retry", workflow=exe.workflow.id, step=node.id, attempt=st["attempts"])
                    await self._checkpoint(exe)
                    if isinstance(node, Step) and node.retry_interval:
                        await asyncio.sleep(node.retry_interval)
                    continue
                st["state"] = "timeout" if timed_out else "failed"
                st["error"] = str(exc) or type(exc).__name__
                raise _StepFailed(node.id, exc if not timed_out else TimeoutError(
                    f"Step {node.id} timed out after {getattr(node, 'timeout', None)}s")) from exc
        output, comp = (out.output, out.compensate_input) if isinstance(out, StepResponse) else (out, _UNSET)
        st["output"] = output
        st["compensate_input"] = output if comp is _UNSET else comp
        if isinstance(node, Step) and node.is_async:
            st["state"] = "waiting_response"
            self._notify({"event_type": "onStepAwaiting", "workflow_id": exe.workflow.id,
                          "transaction_id": exe.transaction_id, "step_id": node.id})
            raise _Suspend()
        exe.seq += 1
        st["seq"] = exe.seq
        st["state"] = "done"
        exe.results[node.id] = output
        # the workflow's last step is recorded by `_succeed`'s final checkpoint, which follows at once: a crash
        # between its commit and that checkpoint re-runs it on resume, as it would in the gap before a per-step one
        if self.checkpoint_steps and not (exe.workflow.nodes and exe.workflow.nodes[-1] is node):
            await self._checkpoint(exe)
        self._notify({"event_type": "onStepSuccess", "workflow_id": exe.workflow.id,
                      "transaction_id": exe.transaction_id, "step_id": node.id})

    def _notify(self, message: dict[str, Any]) -> None:
        for listener in self._listeners:
            try:
                listener(message)
            except Exception:
                log.exception("workflow listener failed")

    def _finish(self, exe: _Execution, throw_on_error: bool) -> WorkflowResult:
        if exe.state in ("reverted", "failed") and throw_on_error:
            if exe.cause is not None:
                raise exe.cause
            err = exe.errors[0]["error"] if exe.errors else {}
            if err.get("type"):
                raise MedusaError(err["type"], err.get("message", ""))
            raise WorkflowFailed(exe.workflow.id, exe.transaction_id, exe.errors)
        return WorkflowResult(exe.results.get("__result__"), list(exe.errors), exe.state, exe.transaction_id,
                              exe.workflow.id)

    # ---------------------------------------------------------------- recovery

    async def _sweep_loop(self) -> None:
        assert self.sweep_interval is not None
        while True:
            await asyncio.sleep(self.sweep_interval)
            try:
                await self.sweep_once()
            except Exception:
                log.exception("workflow sweep failed")

    async def sweep_once(self) -> int:
        """Resume unfinished executions that nobody holds (claim expired); returns how many were advanced."""
        stale = self.claim_ttl_ms / 1000
        async with self.container.database().read() as conn:
            rows = (await conn.execute(select(workflow_execution.c.workflow_id, workflow_execution.c.transaction_id)
                    .where(workflow_execution.c.state.in_(("invoking", "compensating", "not_started")),
                           workflow_execution.c.deleted_at.is_(None),
                           workflow_execution.c.updated_at < func.now() - text(f"interval '{stale} seconds'"),
                           and_(text("NOT (execution::text LIKE '%\"waiting_response\"%')")))
                    .limit(50))).all()
        advanced = 0
        for wf_id, tx in rows:
            try:
                get_workflow(wf_id)
            except KeyError:
                continue  # defined by another deployment / not imported here
            key = f"wf:{wf_id}:{tx}"
            probe = await self.claims.claim(key, 1)
            if probe is None:
                continue  # its worker is alive and heartbeating
            await self.claims.release(key, probe)
            log.warning("resuming abandoned workflow execution", workflow=wf_id, transaction=tx)
            await self.resume(wf_id, tx)
            advanced += 1
        return advanced


def _execution_row(wf: Workflow, tx: str, group: str, state: str, input: Any, result: Any, *,
                   step: dict[str, Any], errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A finished one-step execution as the engine's final checkpoint stores it."""
    return {"id": generate_id("wf_exec"), "workflow_id": wf.id, "transaction_id": tx, "run_id": generate_id("run"),
            "state": state, "retention_time": wf.retention_time,
            "execution": {"steps": {wf.step_ids()[0]: step}, "decisions": {}, "events": [], "event_group_id": group,
                          "seq": 1 if state == "done" else 0},
            "context": {"data": {"input": input, "result": result}, "errors": errors or []}}


def _count_execution(workflow_id: str, state: str) -> None:
    try:
        from euryale.metrics import WORKFLOW_EXECUTIONS

        WORKFLOW_EXECUTIONS.labels(workflow=workflow_id, state=state).inc()
    except Exception:  # metrics never break a workflow
        pass


def _observe_step(workflow_id: str, step_id: str, seconds: float) -> None:
    try:
        from euryale.metrics import WORKFLOW_STEP_DURATION

        WORKFLOW_STEP_DURATION.labels(workflow=workflow_id, step=step_id).observe(seconds)
    except Exception:  # metrics never break a workflow
        pass
