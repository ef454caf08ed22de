"""In-process locking (the default): asyncio locks per key with owners and expiry."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from euryale.errors import MedusaError, MedusaErrorType
from euryale.locking import key_list

T = TypeVar("T")


class InMemoryLocking:
    def __init__(self) -> None:
        self._owners: dict[str, tuple[str, float]] = {}
        self._changed = asyncio.Condition()

    def _free(self, key: str, owner: str) -> bool:
        held = self._owners.get(key)
        return held is None or held[0] == owner or held[1] < time.monotonic()

    async def acquire(self, keys: str | Sequence[str], *, owner: str | None = None, expire: float | None = None,
                      timeout: float | None = None) -> None:
        ks = key_list(keys)
        me = owner or str(id(asyncio.current_task()))
        deadline = None if timeout is None else time.monotonic() + timeout
        async with self._changed:
            while not all(self._free(k, me) for k in ks):
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise MedusaError(MedusaErrorType.CONFLICT, f"Timed out waiting for lock on {', '.join(ks)}")
                try:
                    await asyncio.wait_for(self._changed.wait(), timeout=min(remaining or 0.5, 0.5))
                except TimeoutError:
                    pass
            until = time.monotonic() + (expire if expire else 3600 * 24)
            for k in ks:
                self._owners[k] = (me, until)

    async def release(self, keys: str | Sequence[str], *, owner: str | None = None) -> bool:
        ks = key_list(keys)
        me = owner or str(id(asyncio.current_task()))
        released = False
        async with self._changed:
            for k in ks:
                held = self._owners.get(k)
                if held is not None and held[0] == me:
                    del self._owners[k]
                    released = True
            self._changed.notify_all()
        return released

    async def execute(self, keys: str | Sequence[str], job: Callable[[], Awaitable[T]], *,
                      timeout: float | None = None, expire: float | None = None) -> T:
        owner = f"exec-{id(job)}-{time.monotonic_ns()}"
        await self.acquire(keys, owner=owner, timeout=timeout, expire=expire)
        try:
            return await job()
        finally:
            await self.release(keys, owner=owner)


def load(container: Any, options: dict[str, Any]) -> InMemoryLocking:
    return InMemoryLocking()
