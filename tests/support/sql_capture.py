"""Capture the SQL statements (with their parameters) an HTTP request runs: query budgets and EXPLAIN checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from euryale.container import Container
from euryale.db.compiled import observe_statements


@contextmanager
def captured_statements(container: Container) -> Iterator[list[tuple[str, Any]]]:
    """Every statement run on the primary and read engines inside the block, as `(sql, parameters)` (compiled
    queries run on the asyncpg connection included)."""
    db = container.database()
    engines = list({id(e): e.sync_engine for e in (db.engine, db.read_engine)}.values())
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    for e in engines:
        event.listen(e, "before_cursor_execute", record)
    stop_observing = observe_statements(lambda statement, args: seen.append((statement, args)))
    try:
        yield seen
    finally:
        stop_observing()
        for e in engines:
            event.remove(e, "before_cursor_execute", record)


def selects(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [(s, p) for s, p in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
