"""Locking interface: run code while holding one or more keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Locking(Protocol):
    async def acquire(self, keys: str | Sequence[str], *, owner: str | None = None, expire: float | None = None,
                      timeout: float | None = None) -> None: ...

    async def release(self, keys: str | Sequence[str], *, owner: str | None = None) -> bool: ...

    async def execute(self, keys: str | Sequence[str], job: Callable[[], Awaitable[T]], *,
                      timeout: float | None = None, expire: float | None = None) -> T: ...


def key_list(keys: str | Sequence[str]) -> list[str]:
    """Keys sorted so every caller locks in the same order (no deadlock between two multi-key holders)."""
    return sorted({keys} if isinstance(keys, str) else set(keys))


__all__ = ["Locking", "key_list", "Any"]
