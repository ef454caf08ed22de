"""Rows built as JSON by PostgreSQL, for the page-sized catalog reads.

Decoding a page's hundreds of variant and option-value rows column by column (asyncpg Records, then a dict per
row in Python, then a datetime per timestamp that orjson hands back to Python to format) cost more CPU than the
rest of a product page. PostgreSQL builds those objects in one pass instead (`json_build_object`, `json_agg`),
with timestamps already in Medusa's `YYYY-MM-DDTHH:MM:SS.sssZ` form and numerics without trailing zeros, and
`orjson.loads` turns the text into the same dicts the Python builders made: the response bytes stay identical
(key order is the order of the pairs; numbers decode as the int / float the wire encoder would have written).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import DateTime, Numeric, func, literal_column
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement

# Python's `isoformat(timespec="milliseconds")` truncates microseconds, as `MS` does
_TS_FORMAT: Any = literal_column("""'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'""")
EMPTY_ARRAY: Any = literal_column("'[]'::json")
_UTC: Any = literal_column("'UTC'")


def wire_value(col: Any) -> Any:
    """`col` as the wire encoder writes it: timestamps as UTC `...sssZ` text, numerics with their scale trimmed
    (`20.00` → `20`, an int; `20.50` → `20.5`, a float), anything else as is."""
    ctype = col.type
    if isinstance(ctype, DateTime):
        # naive timestamps are UTC already (the wire encoder reads them so)
        return func.to_char(func.timezone(_UTC, col) if ctype.timezone else col, _TS_FORMAT)
    if isinstance(ctype, Numeric) and ctype.asdecimal:
        return func.trim_scale(col)
    return col


def json_object(table: Any, names: Sequence[str], extra: Sequence[tuple[str, Any]] = ()) -> ColumnElement[Any]:
    """`json_build_object` of `table`'s columns `names` (in that order, those it has), then `extra` pairs."""
    args: list[Any] = []
    for name in names:
        if name in table.c:
            args += [literal_column(f"'{name}'"), wire_value(table.c[name])]
    for key, value in extra:
        args += [literal_column(f"'{key}'"), value]
    obj: ColumnElement[Any] = func.json_build_object(*args)
    return obj


def json_array(obj: Any, *order_by: Any) -> ColumnElement[Any]:
    """`json_agg(obj ORDER BY ...)`, `[]` when no row matches (for correlated subqueries)."""
    agg: ColumnElement[Any] = func.coalesce(func.json_agg(aggregate_order_by(obj, *order_by)), EMPTY_ARRAY)
    return agg


def loads(text: str | None) -> Any:
    """The decoded JSON text of a column (integers beyond 64 bits, which orjson refuses, through `json`)."""
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
