"""Event bus interface: producers emit `{name, data, metadata}` messages; subscribers handle them by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from euryale.ids import generate_id


@dataclass
class Event:
    """One message on the bus; `id` is unique so handlers can deduplicate under at-least-once delivery."""

    name: str
    data: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: generate_id("evt"))


Handler = Callable[[Event], Awaitable[None]]


class EventBus(Protocol):
    async def emit(self, events: Event | Sequence[Event], *, group_id: str | None = None) -> None: ...

    async def release_group(self, group_id: str) -> None: ...

    async def clear_group(self, group_id: str) -> None: ...

    def subscribe(self, names: str | Sequence[str], handler: Handler, *, subscriber_id: str | None = None) -> None: ...
