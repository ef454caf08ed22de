"""Workflow SDK: steps (invoke + compensate), composition (sequence, parallel, when, hooks) and the registry.

A workflow is a static tree of nodes, so any process that imported its definition can resume an execution from
the per-step state stored in `workflow_execution` (see `euryale.workflows.engine`).
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from euryale.workflows.engine import StepContext

InputFn = Callable[[Any, dict[str, Any]], Any]
"""Maps (workflow input, outputs of completed steps by step id) to a step's input."""
Predicate = Callable[[Any, dict[str, Any]], bool]
InvokeFn = Callable[["StepContext", Any], Awaitable[Any]]
CompensateFn = Callable[["StepContext", Any], Awaitable[None]]

_UNSET: Any = object()


@dataclass
class StepResponse:
    """What an invoke returns: its output and, optionally, a different input for its compensation."""

    output: Any = None
    compensate_input: Any = _UNSET


class PermanentFailure(Exception):
    """Raise from a step to fail it at once, without the retries it declares."""


@dataclass
class Step:
    """One unit of work with an optional compensation; `bind()` reuses it with another input or id."""

    id: str
    invoke: InvokeFn
    compensation: CompensateFn | None = None
    max_retries: int = 0
    retry_interval: float = 0.0
    timeout: float | None = None
    is_async: bool = False
    input_fn: InputFn | None = None

    def compensate(self, fn: CompensateFn) -> CompensateFn:
        """Decorator: register the compensation, called with the invoke's `compensate_input` on rollback."""
        self.compensation = fn
        return fn

    def bind(self, *, input: InputFn | None = None, id: str | None = None) -> Step:
        """The same step with an input mapper `(workflow_input, results) -> step_input` and/or another id."""
        clone = copy.copy(self)
        if input is not None:
            clone.input_fn = input
        if id is not None:
            clone.id = id
        return clone


def step(step_id: str, *, max_retries: int = 0, retry_interval: float = 0.0, timeout: float | None = None,
         is_async: bool = False, input: InputFn | None = None) -> Callable[[InvokeFn], Step]:
    """Decorator turning `async def fn(ctx, input)` into a :class:`Step`.

    `max_retries` extra attempts `retry_interval` seconds apart; `timeout` seconds per attempt; `is_async` steps
    wait after their invoke until `engine.set_step_success/failure` completes them from outside.
    """
    def wrap(fn: InvokeFn) -> Step:
        return Step(step_id, fn, None, max_retries, retry_interval, timeout, is_async, input)
    return wrap


@dataclass
class Parallel:
    branches: list[list[Node]]


@dataclass
class When:
    key: str
    predicate: Predicate
    nodes: list[Node]


@dataclass
class Hook:
    name: str
    input_fn: InputFn | None = None

    @property
    def id(self) -> str:
        return f"hook:{self.name}"


Node = Step | Parallel | When | Hook


def parallel(*branches: Node | Sequence[Node]) -> Parallel:
    """Run branches concurrently (each a node or a list of nodes run in sequence)."""
    return Parallel([[b] if isinstance(b, (Step, Parallel, When, Hook)) else list(b) for b in branches])


def when(key: str, predicate: Predicate, *nodes: Node) -> When:
    """Run `nodes` only if `predicate(input, results)`; the decision is stored under `key` so resumes agree."""
    return When(key, predicate, list(nodes))


def hook(name: str, *, input: InputFn | None = None) -> Hook:
    """A point where user code attaches handlers (`@wf.hook(name)`); a no-op when none are attached."""
    return Hook(name, input)


@dataclass
class HookHandler:
    invoke: InvokeFn
    compensation: CompensateFn | None = None


@dataclass
class Workflow:
    """A named tree of steps; `result(input, results)` shapes the return value (default: last step's output)."""

    id: str
    nodes: list[Node]
    result_fn: InputFn | None = None
    retention_time: int | None = None
    hooks: dict[str, list[HookHandler]] = field(default_factory=dict)
    schedule: str | dict[str, Any] | None = None
    number_of_executions: int | None = None

    def hook(self, name: str, *, compensate: CompensateFn | None = None) -> Callable[[InvokeFn], InvokeFn]:
        """Decorator: attach `async def handler(ctx, input)` to the hook `name` of this workflow."""
        if name not in {n.name for n in walk(self.nodes) if isinstance(n, Hook)}:
            raise ValueError(f"workflow {self.id!r} has no hook {name!r}")

        def wrap(fn: InvokeFn) -> InvokeFn:
            self.hooks.setdefault(name, []).append(HookHandler(fn, compensate))
            return fn
        return wrap

    def step_ids(self) -> list[str]:
        return [n.id for n in walk(self.nodes) if isinstance(n, (Step, Hook))]


def walk(nodes: Sequence[Node]) -> Iterator[Node]:
    """Every node of a tree, depth first, in declaration order."""
    for node in nodes:
        if isinstance(node, Parallel):
            for branch in node.branches:
                yield from walk(branch)
        elif isinstance(node, When):
            yield node
            yield from walk(node.nodes)
        else:
            yield node


_REGISTRY: dict[str, Workflow] = {}


def workflow(workflow_id: str, steps: Sequence[Node], *, result: InputFn | None = None,
             retention_time: int | None = None, schedule: str | dict[str, Any] | None = None,
             number_of_executions: int | None = None) -> Workflow:
    """Define and register a workflow (re-defining an id replaces it, which keeps module reloads harmless).

    With `schedule` (cron or `{"interval": ms}`) worker processes run it on that schedule, once per tick across
    replicas (as a scheduled job named `workflow:<id>`).
    """
    wf = Workflow(workflow_id, list(steps), result, retention_time, schedule=schedule,
                  number_of_executions=number_of_executions)
    ids = wf.step_ids()
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"workflow {workflow_id!r}: duplicate step ids {sorted(dupes)} (use step.bind(id=...))")
    _REGISTRY[workflow_id] = wf
    return wf


def get_workflow(workflow_id: str) -> Workflow:
    try:
        return _REGISTRY[workflow_id]
    except KeyError:
        raise KeyError(f"workflow {workflow_id!r} is not defined in this process") from None


def registered_workflows() -> dict[str, Workflow]:
    return dict(_REGISTRY)


def unregister_workflow(workflow_id: str) -> None:
    """Forget a definition (tests, plugin reloads)."""
    _REGISTRY.pop(workflow_id, None)
