"""Small set-based row helpers over SQLAlchemy Core tables: insert/update/soft-delete/list with Medusa-style filters.

Services of several modules share these so that each one stays about domain rules, not statement plumbing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, Numeric, Table, func, insert, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from euryale.db.sql import any_of
from euryale.errors import invalid_data, not_found

Row = dict[str, Any]


def _coerce(table: Table, column: str, value: Any) -> Any:
    """A query-string value as the column's Python type (asyncpg needs real datetimes, ints...)."""
    if value is None or not isinstance(value, str):
        return value
    col_type = table.c[column].type
    try:
        if isinstance(col_type, DateTime):
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(col_type, Boolean):
            return value.lower() == "true"
        if isinstance(col_type, Integer):
            return int(value)
        if isinstance(col_type, Numeric):
            return Decimal(value)
    except (ValueError, InvalidOperation):
        raise invalid_data(f"Invalid request: Invalid value for field '{column}'") from None
    return value


_OPS = {"$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$like", "$ilike"}


def filter_conditions(table: Table, query: Mapping[str, Any], allowed: Iterable[str]) -> list[ColumnElement[bool]]:
    """`{name: "a"}`, `{id: ["a","b"]}`, `{created_at: {"$gte": "..."}}` → SQL conditions on allowed columns."""
    out: list[ColumnElement[bool]] = []
    for name in allowed:
        if name not in query or name not in table.c:
            continue
        value = query[name]
        col = table.c[name]
        if isinstance(value, dict):
            for op, raw in value.items():
                if op not in _OPS:
                    raise invalid_data(f"Invalid request: Unrecognized operator '{op}' for field '{name}'")
                if op in ("$in", "$nin"):
                    vals = [_coerce(table, name, v) for v in (raw if isinstance(raw, list) else str(raw).split(","))]
                    out.append(col.in_(vals) if op == "$in" else col.not_in(vals))
                    continue
                v = _coerce(table, name, raw)
                if op == "$eq":
                    out.append(col.is_(None) if v is None or v == "null" else col == v)
                elif op == "$ne":
                    out.append(col.is_not(None) if v is None or v == "null" else col != v)
                elif op == "$gt":
                    out.append(col > v)
                elif op == "$gte":
                    out.append(col >= v)
                elif op == "$lt":
                    out.append(col < v)
                elif op == "$lte":
                    out.append(col <= v)
                elif op == "$like":
                    out.append(col.like(v))
                else:
                    out.append(col.ilike(v))
        elif isinstance(value, list):
            out.append(col.in_([_coerce(table, name, v) for v in value]))
        elif value == "null":
            out.append(col.is_(None))
        else:
            out.append(col == _coerce(table, name, value))
    return out


def search_condition(table: Table, q: Any, columns: Sequence[str]) -> ColumnElement[bool] | None:
    """Free-text `q`: case-insensitive substring on any of the given columns."""
    if not q or not isinstance(q, str):
        return None
    like = f"%{q}%"
    return or_(*[table.c[c].ilike(like) for c in columns if c in table.c])


def order_clause(table: Table, order: str | None, default: str = "created_at") -> list[Any]:
    """Medusa's `order=-created_at` → ORDER BY; unknown columns are ignored rather than failing."""
    clauses: list[Any] = []
    for token in (order or "").split(","):
        token = token.strip()
        if not token:
            continue
        desc = token.startswith("-")
        name = token.lstrip("-+")
        if name in table.c:
            clauses.append(table.c[name].desc() if desc else table.c[name].asc())
    if not clauses and default in table.c:
        clauses.append(table.c[default].asc())
    if "id" in table.c:
        clauses.append(table.c.id.asc())
    return clauses


def _json_columns(table: Table) -> set[str]:
    return {c.name for c in table.c if isinstance(c.type, JSON)}


async def insert_rows(conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[Row]:
    """Insert rows and return them as dicts in the given order (server defaults included).

    A None for a JSON column is left out so the column is SQL NULL (not the JSON value `null`); rows are grouped
    by their key set because one executemany needs uniform keys.
    """
    if not rows:
        return []
    json_cols = _json_columns(table)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        clean = {k: v for k, v in r.items() if not (v is None and k in json_cols)}
        groups.setdefault(tuple(sorted(clean)), []).append(clean)
    by_id: dict[Any, Row] = {}
    out: list[Row] = []
    for batch in groups.values():
        result = await conn.execute(insert(table).returning(*table.c), batch)
        for got in result.mappings().all():
            by_id[got.get("id", len(by_id))] = dict(got)
            out.append(dict(got))
    if "id" in table.c and all("id" in r for r in rows):
        return [by_id[r["id"]] for r in rows]
    return out


async def insert_row(conn: AsyncConnection, table: Table, row: Mapping[str, Any]) -> Row:
    """Insert one row and return it."""
    return (await insert_rows(conn, table, [row]))[0]


async def update_row(conn: AsyncConnection, table: Table, row_id: str, values: Mapping[str, Any]) -> Row | None:
    """Update a live row by id (bumping `updated_at`); None when it does not exist."""
    json_cols = _json_columns(table)
    vals = {k: (null() if v is None and k in json_cols else v) for k, v in values.items() if k in table.c}
    if "updated_at" in table.c:
        vals["updated_at"] = func.now()
    cond = [table.c.id == row_id]
    if "deleted_at" in table.c:
        cond.append(table.c.deleted_at.is_(None))
    result = await conn.execute(update(table).where(*cond).values(**vals).returning(*table.c))
    row = result.mappings().first()
    return dict(row) if row else None


async def soft_delete(conn: AsyncConnection, table: Table, ids: Sequence[str]) -> list[str]:
    """Set `deleted_at` on live rows; returns the ids actually deleted."""
    if not ids:
        return []
    result = await conn.execute(
        update(table).where(table.c.id.in_(list(ids)), table.c.deleted_at.is_(None))
        .values(deleted_at=func.now()).returning(table.c.id))
    return [r[0] for r in result]


async def get_row(conn: AsyncConnection, table: Table, row_id: str, *, with_deleted: bool = False,
                  for_update: bool = False) -> Row | None:
    """One row by id (live rows only unless `with_deleted`)."""
    stmt = select(table).where(table.c.id == row_id)
    if not with_deleted and "deleted_at" in table.c:
        stmt = stmt.where(table.c.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def require_row(conn: AsyncConnection, table: Table, row_id: str, message: str, *,
                      for_update: bool = False) -> Row:
    """One live row by id, or 404 `not_found(message)` (each resource words its own message, as Medusa)."""
    row = await get_row(conn, table, row_id, for_update=for_update)
    if row is None:
        raise not_found(message)
    return row


async def rows_where(conn: AsyncConnection, table: Table, *conditions: ColumnElement[bool],
                     with_deleted: bool = False, order: Sequence[Any] | None = None) -> list[Row]:
    """All rows matching the conditions (live rows unless `with_deleted`)."""
    stmt = select(table).where(*conditions)
    if not with_deleted and "deleted_at" in table.c:
        stmt = stmt.where(table.c.deleted_at.is_(None))
    stmt = stmt.order_by(*(order if order is not None else order_clause(table, None)))
    return [dict(r) for r in (await conn.execute(stmt)).mappings().all()]


async def grouped_by(conn: AsyncConnection, table: Table, column: str, ids: Sequence[str], *,
                     order: Sequence[Any] = ()) -> dict[str, list[Row]]:
    """Live rows whose `column` is one of `ids`, grouped by it: a relation of many owners in one statement."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    if not ids:
        return grouped
    stmt = select(table).where(any_of(table.c[column], ids))
    if "deleted_at" in table.c:
        stmt = stmt.where(table.c.deleted_at.is_(None))
    for r in (await conn.execute(stmt.order_by(*order))).mappings():
        grouped[r[column]].append(dict(r))
    return grouped


async def list_page(conn: AsyncConnection, table: Table, *, conditions: Sequence[ColumnElement[bool]] = (),
                    limit: int = 50, offset: int = 0, order: str | None = None, with_deleted: bool = False,
                    default_order: str = "created_at") -> tuple[list[Row], int]:
    """A page of rows and the total count, as Medusa's list endpoints answer."""
    cond = list(conditions)
    if not with_deleted and "deleted_at" in table.c:
        cond.append(table.c.deleted_at.is_(None))
    total = int((await conn.execute(select(func.count()).select_from(table).where(*cond))).scalar_one())
    stmt = select(table).where(*cond).order_by(*order_clause(table, order, default_order)).limit(limit).offset(offset)
    rows = [dict(r) for r in (await conn.execute(stmt)).mappings().all()]
    return rows, total


def strip(row: Row, *names: str) -> Row:
    """The row without internal columns."""
    return {k: v for k, v in row.items() if k not in names}
