"""In-process event bus (the default): delivers to this process's subscribers only; nothing survives a restart."""

from __future__ import annotations

import asyncio
import fnmatch
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import structlog

from euryale.events import Event, Handler

log = structlog.get_logger("euryale.events")


class LocalEventBus:
    """Events are handed to subscribers on the event loop; grouped events wait for release."""

    def __init__(self, *, deliver: bool = True) -> None:
        self._subscribers: dict[str, list[tuple[str, Handler]]] = defaultdict(list)
        self._groups: dict[str, list[Event]] = defaultdict(list)
        self._tasks: set[asyncio.Task[None]] = set()
        self.deliver = deliver

    def subscribe(self, names: str | Sequence[str], handler: Handler, *, subscriber_id: str | None = None) -> None:
        for name in [names] if isinstance(names, str) else names:
            self._subscribers[name].append((subscriber_id or str(getattr(handler, "__qualname__", "handler")), handler))

    async def emit(self, events: Event | Sequence[Event], *, group_id: str | None = None) -> None:
        batch = [events] if isinstance(events, Event) else list(events)
        if group_id:
            self._groups[group_id].extend(batch)
            return
        for event in batch:
            self._dispatch(event)

    async def release_group(self, group_id: str) -> None:
        for event in self._groups.pop(group_id, []):
            self._dispatch(event)

    async def clear_group(self, group_id: str) -> None:
        self._groups.pop(group_id, None)

    def _dispatch(self, event: Event) -> None:
        if not self.deliver:
            return
        targets = [*self._subscribers.get(event.name, []), *self._subscribers.get("*", [])]
        for pattern, subs in self._subscribers.items():  # globs such as "order.*"
            if pattern != "*" and pattern != event.name and "*" in pattern and fnmatch.fnmatchcase(event.name,
                                                                                                  pattern):
                targets.extend(subs)
        for sub_id, handler in targets:
            task = asyncio.get_running_loop().create_task(self._run(sub_id, handler, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, sub_id: str, handler: Handler, event: Event) -> None:
        try:
            await handler(event)
        except Exception:
            log.exception("subscriber failed", subscriber=sub_id, event_name=event.name, event_id=event.id)

    async def drain(self) -> None:
        """Wait for in-flight handlers (used on shutdown and by tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        await self.drain()


def load(container: Any, options: dict[str, Any]) -> LocalEventBus:
    return LocalEventBus(deliver=container.mode != "server")
