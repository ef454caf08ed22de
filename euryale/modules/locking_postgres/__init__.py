"""PostgreSQL locking provider: `execute` under transaction-scoped advisory locks; `acquire`/`release` as rows of
the `locking` table (key, owner, expiration), so a lock may outlive one connection and expire on its own."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from euryale.errors import MedusaError, MedusaErrorType
from euryale.locking import key_list

T = TypeVar("T")

_TAKE = text("""
    INSERT INTO locking (id, owner_id, expiration)
    VALUES (:key, :owner, CASE WHEN CAST(:expire AS double precision) > 0
            THEN clock_timestamp() + make_interval(secs => CAST(:expire AS double precision)) END)
    ON CONFLICT (id) DO UPDATE SET owner_id = EXCLUDED.owner_id, expiration = EXCLUDED.expiration
    WHERE locking.owner_id = EXCLUDED.owner_id
       OR (locking.expiration IS NOT NULL AND locking.expiration < clock_timestamp())
    RETURNING id""")


class PostgresLocking:
    """Implements `euryale.locking.Locking` with the database every process already shares."""

    def __init__(self, container: Any, *, wait_timeout: float = 5.0, default_expire: float = 0.0) -> None:
        self.container = container
        self.wait_timeout = wait_timeout
        self.default_expire = default_expire

    async def acquire(self, keys: str | Sequence[str], *, owner: str | None = None, expire: float | None = None,
                      timeout: float | None = None) -> None:
        me = owner or "anonymous"
        deadline = time.monotonic() + (self.wait_timeout if timeout is None else timeout)
        taken: list[str] = []
        delay = 0.005
        for key in key_list(keys):
            while True:
                async with self.container.database().transaction() as conn:
                    got = (await conn.execute(_TAKE, {"key": key, "owner": me,
                                                      "expire": float(expire or self.default_expire)})).first()
                if got is not None:
                    taken.append(key)
                    break
                if time.monotonic() >= deadline:
                    await self.release(taken, owner=me)
                    raise MedusaError(MedusaErrorType.CONFLICT, f"Timed-out acquiring lock on {key}")
                await asyncio.sleep(delay)
                delay = min(0.2, delay * 2)

    async def release(self, keys: str | Sequence[str], *, owner: str | None = None) -> bool:
        ks = key_list(keys)
        if not ks:
            return False
        async with self.container.database().transaction() as conn:
            result = await conn.execute(text("DELETE FROM locking WHERE id = ANY(:keys) AND owner_id = :owner"),
                                        {"keys": ks, "owner": owner or "anonymous"})
        return bool(result.rowcount)

    async def execute(self, keys: str | Sequence[str], job: Callable[[], Awaitable[T]], *,
                      timeout: float | None = None, expire: float | None = None) -> T:
        """Run `job` while this transaction holds an advisory lock per key (released by commit/rollback)."""
        wait = self.wait_timeout if timeout is None else timeout
        async with self.container.database().transaction() as conn:
            await conn.execute(text(f"SET LOCAL lock_timeout = '{int(wait * 1000)}ms'"))
            for key in key_list(keys):  # sorted: two multi-key holders never deadlock
                try:
                    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})
                except DBAPIError as exc:
                    raise MedusaError(MedusaErrorType.CONFLICT, f"Timed-out acquiring lock on {key}") from exc
            return await job()

    async def release_all(self, *, owner: str) -> None:
        async with self.container.database().transaction() as conn:
            await conn.execute(text("DELETE FROM locking WHERE owner_id = :owner"), {"owner": owner})

    def new_owner(self) -> str:
        return uuid.uuid4().hex


def load(container: Any, options: dict[str, Any]) -> PostgresLocking:
    return PostgresLocking(container, wait_timeout=float(options.get("wait_timeout", 5.0)))
