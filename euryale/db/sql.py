"""Small SQL helpers shared by services and read paths."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import any_, bindparam, literal
from sqlalchemy.dialects.postgresql import ARRAY
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
