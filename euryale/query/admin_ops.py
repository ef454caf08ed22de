"""Admin read side of operations: sent notifications and workflow executions (with their step states)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from euryale.errors import not_found
from euryale.modules.notification.models import notification
from euryale.workflows.engine import workflow_execution

NOTIFICATION_FILTERS = ("id", "to", "channel", "template", "status", "resource_id", "resource_type", "receiver_id",
                        "provider_id", "trigger_type")
EXECUTION_LIST_KEYS = ("id", "workflow_id", "transaction_id", "state", "created_at", "updated_at", "deleted_at")


async def list_notifications(conn: AsyncConnection, *, filters: Mapping[str, Sequence[str]], limit: int,
                             offset: int) -> tuple[list[dict[str, Any]], int]:
    """Notifications, newest first, filtered by any of NOTIFICATION_FILTERS."""
    n = notification
    cond: list[ColumnElement[bool]] = [n.c.deleted_at.is_(None)]
    for key in NOTIFICATION_FILTERS:
        if filters.get(key):
            cond.append(n.c[key].in_(list(filters[key])))
    count = int((await conn.execute(select(func.count()).select_from(n).where(*cond))).scalar_one())
    rows = await conn.execute(select(n).where(*cond).order_by(n.c.created_at.desc(), n.c.id.desc())
                              .limit(limit).offset(offset))
    return [dict(r) for r in rows.mappings()], count


async def retrieve_notification(conn: AsyncConnection, *, notification_id: str) -> dict[str, Any]:
    n = notification
    row = (await conn.execute(select(n).where(n.c.id == notification_id, n.c.deleted_at.is_(None)))).mappings().first()
    if row is None:
        raise not_found(f"Notification with id: {notification_id} was not found")
    return dict(row)


def _execution(row: Mapping[str, Any], *, full: bool) -> dict[str, Any]:
    out = {k: row[k] for k in EXECUTION_LIST_KEYS}
    if full:
        out["execution"] = row["execution"]
        out["context"] = row["context"]
    return out


async def list_workflow_executions(conn: AsyncConnection, *, filters: Mapping[str, Sequence[str]],
                                   q: str | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Workflow executions, newest first, by workflow_id / transaction_id / state or a search on both ids."""
    w = workflow_execution
    cond: list[ColumnElement[bool]] = [w.c.deleted_at.is_(None)]
    for key in ("id", "workflow_id", "transaction_id", "state"):
        if filters.get(key):
            cond.append(w.c[key].in_(list(filters[key])))
    if q:
        cond.append(w.c.workflow_id.ilike(f"%{q}%") | w.c.transaction_id.ilike(f"%{q}%"))
    count = int((await conn.execute(select(func.count()).select_from(w).where(*cond))).scalar_one())
    rows = await conn.execute(select(w).where(*cond).order_by(w.c.created_at.desc(), w.c.id.desc())
                              .limit(limit).offset(offset))
    return [_execution(dict(r), full=False) for r in rows.mappings()], count


async def retrieve_workflow_execution(conn: AsyncConnection, *, execution_id: str | None = None,
                                      workflow_id: str | None = None,
                                      transaction_id: str | None = None) -> dict[str, Any]:
    """One execution with its `execution` (step states) and `context`; by id or by workflow + transaction."""
    w = workflow_execution
    cond: list[ColumnElement[bool]] = [w.c.deleted_at.is_(None)]
    if execution_id is not None:
        cond.append(w.c.id == execution_id)
    else:
        cond.extend([w.c.workflow_id == (workflow_id or ""), w.c.transaction_id == (transaction_id or "")])
    row = (await conn.execute(select(w).where(*cond).order_by(w.c.created_at.desc()).limit(1))).mappings().first()
    if row is None:
        raise not_found(f"Workflow execution with id: {execution_id or transaction_id} was not found")
    return _execution(dict(row), full=True)
