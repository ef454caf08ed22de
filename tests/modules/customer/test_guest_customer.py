"""The guest customer of an email: found or created in one statement, one row whatever the concurrency."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select

from euryale.container import Container
from euryale.modules.customer import service as customers
from euryale.modules.customer.models import customer
from tests.support.sql_capture import captured_statements


async def test_first_use_creates_then_finds_in_one_statement(container: Container) -> None:
    email = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    db = container.database()
    with captured_statements(container) as seen:
        async with db.transaction() as conn:
            created, was_created = await customers.find_or_create_guest_customer(conn, email=email)
    assert was_created is True
    assert created["email"] == email and created["has_account"] is False and created["id"].startswith("cus_")
    assert len([s for s, _ in seen if "customer" in s]) == 1
    async with db.transaction() as conn:
        found, was_created = await customers.find_or_create_guest_customer(conn, email=email)
    assert (found["id"], was_created) == (created["id"], False)
    assert set(found) == {c.name for c in customer.c}


async def test_rolled_back_with_the_callers_transaction(container: Container) -> None:
    email = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    db = container.database()
    try:
        async with db.transaction() as conn:
            await customers.find_or_create_guest_customer(conn, email=email)
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).where(customer.c.email == email))).scalar() == 0


async def test_concurrent_first_uses_share_one_customer(container: Container) -> None:
    """Two transactions see no guest for the email; the unique index makes the second wait, insert nothing and
    read the first one's row (before: an IntegrityError for one of them)."""
    email = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    db = container.database()
    first_inserted = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> tuple[dict, bool]:  # type: ignore[type-arg]
        async with db.transaction() as conn:
            result = await customers.find_or_create_guest_customer(conn, email=email)
            first_inserted.set()
            await release_first.wait()
            return result

    async def second() -> tuple[dict, bool]:  # type: ignore[type-arg]
        await first_inserted.wait()
        async with db.transaction() as conn:
            task = asyncio.ensure_future(customers.find_or_create_guest_customer(conn, email=email))
            await asyncio.sleep(0.2)
            assert not task.done()  # waits on the uncommitted row of the first
            release_first.set()
            return await task

    (a, a_created), (b, b_created) = await asyncio.gather(first(), second())
    assert a["id"] == b["id"] and (a_created, b_created) == (True, False)
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).where(customer.c.email == email))).scalar() == 1
