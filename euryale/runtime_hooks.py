"""Hook found by `euryale.runtime` (BACKGROUND_HOOKS): starts this process's background work per worker mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from euryale.background import start_background as _start


async def start_background(container: Any, mode: str) -> Callable[[], Awaitable[None]]:
    """Relay in every mode; subscribers, jobs and workflow recovery in worker/shared (see euryale.background)."""
    return await _start(container)
