"""Small SQL helpers shared by services and read paths."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import DateTime, Float, Numeric, Text, any_, bindparam, cast, func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement


def any_of(column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column = ANY($1)` with ONE array parameter, for page-sized id lists on hot reads.

    `column.in_(ids)` renders one bind parameter per id on every execution (SQLAlchemy expands the list each time)
    and makes a new prepared statement for each list length; an array parameter costs neither. Btree indexes serve
    both forms alike.
    """
    cond: ColumnElement[bool] = column == any_(literal(list(values), ARRAY(column.type)))
    return cond


def any_param(column: Any, name: str = "ids") -> ColumnElement[bool]:
    """`column = ANY($n)` with the array as the named bind parameter `name` (for compiled queries)."""
    cond: ColumnElement[bool] = column == any_(bindparam(name, type_=ARRAY(column.type)))
    return cond


# --- related rows as one JSON column ------------------------------------------------------------------------------
# A write that read a row, then its related rows, paid a round trip per relation, each costing the server more CPU
# (driver, event loop) than PostgreSQL spent. The statement that reads the row brings them as JSON arrays instead
# (the cart's relations, a variant's candidate prices, a country's tax rates). Values keep the types the row
# statements give: timestamps travel as UTC text, numerics as text.

def _json_key(name: str) -> Any:
    # a literal in the SQL, not a bind parameter: the cart row statement has ~150 keys, and each parameter is
    # processed and encoded on every execution
    return literal_column(f"'{name}'")


def _json_value(column: Any) -> Any:
    if isinstance(column.type, ARRAY) and isinstance(column.type.item_type, Numeric):
        return cast(column, ARRAY(Text))
    if isinstance(column.type, DateTime):
        return func.to_char(func.timezone(literal_column("'UTC'"), column),
                            literal_column("""'YYYY-MM-DD"T"HH24:MI:SS.US'"""))
    if isinstance(column.type, Numeric):
        return cast(column, Text)
    return column


def json_decoders(columns: list[Any]) -> list[tuple[str, Any]]:
    """(key, decode) for the columns whose JSON value is not the row value as is."""
    out: list[tuple[str, Any]] = []
    for c in columns:
        if isinstance(c.type, ARRAY) and isinstance(c.type.item_type, Numeric):
            out.append((c.key, lambda v: [None if x is None else Decimal(x) for x in v]))
        elif isinstance(c.type, DateTime):
            out.append((c.key, lambda v: datetime.fromisoformat(v).replace(tzinfo=UTC)))
        elif isinstance(c.type, Float):
            out.append((c.key, float))
        elif isinstance(c.type, Numeric):
            out.append((c.key, Decimal))
    return out


def json_rows(columns: list[Any], from_: Any, where: list[Any], order: list[Any]) -> Any:
    """A scalar subquery: the rows of `columns` FROM `from_` WHERE `where` as one JSON array ordered by `order`
    (in no particular order when empty); `json_decoded` with `json_decoders(columns)` gives back the rows."""
    obj = func.json_build_object(*(x for c in columns for x in (_json_key(c.key), _json_value(c))))
    agg = func.json_agg(aggregate_order_by(obj, *order)) if order else func.json_agg(obj)
    return (select(func.coalesce(agg, literal_column("'[]'::json")))
            .select_from(from_).where(*where).scalar_subquery())


def json_decoded(value: Any, decoders: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = orjson.loads(value) if isinstance(value, (str, bytes)) else list(value)
    for r in rows:
        for key, decode in decoders:
            if r[key] is not None:
                r[key] = decode(r[key])
    return rows
