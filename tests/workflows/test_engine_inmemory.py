"""Workflow engine (in-memory flavour) against the run's PostgreSQL: compensation order, idempotency, events."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from euryale.container import Container
from euryale.errors import MedusaError
from euryale.events.outbox import event_outbox
from euryale.workflows import (
    StepContext,
    StepResponse,
    WorkflowEngine,
    WorkflowFailed,
    hook,
    parallel,
    step,
    when,
    workflow,
)
from tests.support.sql_capture import captured_statements

CALLS: dict[str, list[str]] = {}


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def _three_step_workflow(name: str, *, fail_third: bool) -> None:
    log = CALLS.setdefault(name, [])

    @step(f"{name}-one")
    async def one(ctx: StepContext, inp: Any) -> StepResponse:
        log.append("invoke:1")
        return StepResponse({"n": 1}, compensate_input="c1")

    @one.compensate
    async def _c1(ctx: StepContext, data: Any) -> None:
        log.append(f"compensate:1:{data}")

    @step(f"{name}-two")
    async def two(ctx: StepContext, inp: Any) -> StepResponse:
        log.append("invoke:2")
        ctx.emit("test.two_done", {"id": ctx.transaction_id})
        return StepResponse({"n": 2}, compensate_input="c2")

    @two.compensate
    async def _c2(ctx: StepContext, data: Any) -> None:
        log.append(f"compensate:2:{data}")

    @step(f"{name}-three")
    async def three(ctx: StepContext, inp: Any) -> dict[str, Any]:
        log.append("invoke:3")
        if fail_third:
            raise MedusaError("not_allowed", "third step refuses")
        return {"total": ctx.results[f"{name}-one"]["n"] + ctx.results[f"{name}-two"]["n"]}

    workflow(name, steps=[one, two, three])


def engine(container: Container) -> WorkflowEngine:
    wf: WorkflowEngine = container.resolve("workflows")
    return wf


async def test_third_step_fails_compensates_two_then_one(container: Container) -> None:
    name = f"wf-fail-{_uid()}"
    _three_step_workflow(name, fail_third=True)
    with pytest.raises(MedusaError, match="third step refuses"):
        await engine(container).run(name, input={}, transaction_id=f"tx_{_uid()}")
    assert CALLS[name] == ["invoke:1", "invoke:2", "invoke:3", "compensate:2:c2", "compensate:1:c1"]


async def test_failed_run_stored_reverted_and_events_dropped(container: Container) -> None:
    name = f"wf-fail-{_uid()}"
    _three_step_workflow(name, fail_third=True)
    tx = f"tx_{_uid()}"
    result = await engine(container).run(name, input={}, transaction_id=tx, throw_on_error=False)
    assert result.state == "reverted"
    assert result.errors[0]["action"] == f"{name}-three"
    row = await engine(container).get(name, tx)
    assert row is not None and row["state"] == "reverted" and row["id"].startswith("wf_exec_")
    async with container.database().read() as conn:
        names = (await conn.execute(select(event_outbox.c.name).where(
            event_outbox.c.data["id"].astext == tx))).scalars().all()
    assert names == []


async def test_same_transaction_id_runs_once(container: Container) -> None:
    name = f"wf-ok-{_uid()}"
    _three_step_workflow(name, fail_third=False)
    tx = f"tx_{_uid()}"
    first, second = await asyncio.gather(engine(container).run(name, input={}, transaction_id=tx),
                                         engine(container).run(name, input={}, transaction_id=tx))
    third = await engine(container).run(name, input={}, transaction_id=tx)
    assert first.result == second.result == third.result == {"total": 3}
    assert CALLS[name] == ["invoke:1", "invoke:2", "invoke:3"]
    async with container.database().read() as conn:
        rows = (await conn.execute(select(event_outbox.c.name, event_outbox.c.held, event_outbox.c.metadata).where(
            event_outbox.c.data["id"].astext == tx))).all()
    assert [(r.name, r.held) for r in rows] == [("test.two_done", False)]
    assert rows[0].metadata["eventGroupId"]


async def test_new_execution_costs_one_insert_and_a_checkpoint_per_step_but_the_last(container: Container) -> None:
    name = f"wf-ok-{_uid()}"
    _three_step_workflow(name, fail_third=False)
    tx = f"tx_{_uid()}"
    with captured_statements(container) as seen:
        result = await engine(container).run(name, input={"k": [1]}, transaction_id=tx)
    assert result.result == {"total": 3}
    writes = [sql.split("(")[0].split(" SET")[0].strip() for sql, _ in seen if "workflow_execution" in sql]
    # the row is inserted `invoking` (no reload, no `invoking` checkpoint); steps one and two are checkpointed
    # (by an engine that checkpoints steps: the Redis one), the last one is recorded with the outcome
    checkpoints = 2 if engine(container).checkpoint_steps else 0
    assert writes == ["INSERT INTO workflow_execution", *["UPDATE workflow_execution"] * (checkpoints + 1)], writes
    row = await engine(container).get(name, tx)
    assert row is not None and row["state"] == "done" and row["context"]["data"]["input"] == {"k": [1]}
    assert {k: v["state"] for k, v in row["execution"]["steps"].items()} == {
        f"{name}-one": "done", f"{name}-two": "done", f"{name}-three": "done"}


async def test_success_releases_held_events_only_when_there_can_be_some(container: Container) -> None:
    """A run that staged nothing ends with its final checkpoint alone (no transaction, no release of an empty group);
    one whose step staged a held event, or run in a caller's group, releases the group with it."""
    from euryale.events import Event
    from euryale.events.outbox import stage_events

    name = f"wf-quiet-{_uid()}"

    @step(f"{name}-only")
    async def only(ctx: StepContext, inp: Any) -> dict[str, Any]:
        if inp.get("stage"):
            async with ctx.container.database().transaction() as conn:
                await ctx.stage(conn, "test.staged", {"id": ctx.transaction_id})
        return {"ok": True}

    workflow(name, steps=[only])
    wf = engine(container)

    async def outbox(tx: str) -> list[tuple[str, bool]]:
        async with container.database().read() as conn:
            rows = (await conn.execute(select(event_outbox.c.name, event_outbox.c.held).where(
                event_outbox.c.data["id"].astext == tx))).all()
        return [(r.name, r.held) for r in rows]

    quiet = f"tx_{_uid()}"
    with captured_statements(container) as seen:
        assert (await wf.run(name, input={}, transaction_id=quiet)).result == {"ok": True}
    assert not [sql for sql, _ in seen if "event_outbox" in sql], "nothing staged: no release"
    assert [sql.split(" SET")[0] for sql, _ in seen if "workflow_execution" in sql][-1] == "UPDATE workflow_execution"
    assert (await wf.get(name, quiet) or {})["state"] == "done"

    staged = f"tx_{_uid()}"
    await wf.run(name, input={"stage": True}, transaction_id=staged)
    assert await outbox(staged) == [("test.staged", False)], "the held event was released with the outcome"

    group, outside = f"evgrp_{_uid()}", f"tx_{_uid()}"
    async with container.database().transaction() as conn:  # staged by the caller, in the group it passes
        await stage_events(conn, Event("test.outside", {"id": outside}), group_id=group, hold=True)
    assert await outbox(outside) == [("test.outside", True)]
    await wf.run(name, input={}, transaction_id=f"tx_{_uid()}", event_group_id=group)
    assert await outbox(outside) == [("test.outside", False)], "a caller's group is released too"


async def test_rerun_failed_retires_a_reverted_execution(container: Container) -> None:
    name = f"wf-rerun-{_uid()}"
    outcome = {"fail": True}

    @step(f"{name}-only")
    async def only(ctx: StepContext, inp: Any) -> str:
        if outcome["fail"]:
            raise MedusaError("not_allowed", "declined")
        return "placed"

    workflow(name, steps=[only])
    tx = f"tx_{_uid()}"
    with pytest.raises(MedusaError, match="declined"):
        await engine(container).run(name, input={}, transaction_id=tx)
    outcome["fail"] = False
    # without `rerun_failed` the stored outcome answers; with it the workflow runs again, once
    with pytest.raises(MedusaError, match="declined"):
        await engine(container).run(name, input={}, transaction_id=tx)
    assert (await engine(container).run(name, input={}, transaction_id=tx, rerun_failed=True)).result == "placed"
    assert (await engine(container).run(name, input={}, transaction_id=tx, rerun_failed=True)).result == "placed"
    row = await engine(container).get(name, tx)
    assert row is not None and row["state"] == "done"


async def test_parallel_when_hook_and_retries(container: Container) -> None:
    name = f"wf-compose-{_uid()}"
    seen: list[str] = []
    attempts = {"flaky": 0}

    @step(f"{name}-a")
    async def a(ctx: StepContext, inp: Any) -> int:
        await asyncio.sleep(0.02)
        seen.append("a")
        return 1

    @step(f"{name}-b")
    async def b(ctx: StepContext, inp: Any) -> int:
        seen.append("b")
        return 2

    @step(f"{name}-flaky", max_retries=2, retry_interval=0.01)
    async def flaky(ctx: StepContext, inp: Any) -> str:
        attempts["flaky"] += 1
        if attempts["flaky"] < 3:
            raise RuntimeError("transient")
        return "ok"

    @step(f"{name}-never")
    async def never(ctx: StepContext, inp: Any) -> None:
        seen.append("never")

    wf = workflow(name, steps=[
        parallel(a, b),
        hook("validate", input=lambda inp, res: res[f"{name}-a"] + res[f"{name}-b"]),
        flaky,
        when("skip-me", lambda inp, res: bool(inp["run_never"]), never),
    ], result=lambda inp, res: {"sum": res[f"{name}-a"] + res[f"{name}-b"], "flaky": res[f"{name}-flaky"]})

    @wf.hook("validate")
    async def validate(ctx: StepContext, total: int) -> None:
        seen.append(f"hook:{total}")

    result = await engine(container).run(name, input={"run_never": False})
    assert result.result == {"sum": 3, "flaky": "ok"}
    assert sorted(seen[:2]) == ["a", "b"] and seen[2] == "hook:3" and "never" not in seen
    assert attempts["flaky"] == 3


async def test_async_step_completed_from_outside(container: Container) -> None:
    name = f"wf-async-{_uid()}"

    @step(f"{name}-wait", is_async=True)
    async def wait(ctx: StepContext, inp: Any) -> None:
        return None

    @step(f"{name}-after")
    async def after(ctx: StepContext, inp: Any) -> str:
        return f"paid:{ctx.results[f'{name}-wait']['ref']}"

    workflow(name, steps=[wait, after])
    tx = f"tx_{_uid()}"
    pending = await engine(container).run(name, transaction_id=tx)
    assert pending.state == "invoking"
    done = await engine(container).set_step_success(tx, f"{name}-wait", {"ref": "R1"})
    assert done.state == "done" and done.result == "paid:R1"


async def test_timeout_fails_step(container: Container) -> None:
    name = f"wf-timeout-{_uid()}"

    @step(f"{name}-slow", timeout=0.05)
    async def slow(ctx: StepContext, inp: Any) -> None:
        await asyncio.sleep(1)

    workflow(name, steps=[slow])
    with pytest.raises(TimeoutError):
        await engine(container).run(name)
    result = await engine(container).run(name, throw_on_error=False)
    assert result.state == "reverted"
    _ = WorkflowFailed
