"""The cart path's compiled statements stay small enough for asyncpg to keep them prepared.

asyncpg caches a prepared statement only when its text is at most `max_cacheable_statement_size` long (15 KiB by
default); a longer one is prepared again on every execution (a round trip and a plan each time). The cart row
statements carry the cart's relations as JSON (`read.relations_columns`) and grow with every column added to a
cart table: a prototype that also carried the added variant reached 20 KB and made line item adds slower.
"""

from __future__ import annotations

import inspect

import asyncpg
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

from euryale.db.compiled import CompiledQuery
from euryale.flows.cart import complete, mutations, read
from euryale.modules.cart import sql as cart_sql


def _cacheable_size() -> int:
    size: int = inspect.signature(asyncpg.connect).parameters["max_cacheable_statement_size"].default
    return size


def test_cart_statements_fit_asyncpg_statement_cache() -> None:
    dialect = asyncpg_dialect.dialect()
    queries = {f"{module.__name__}.{name}": value for module in (mutations, read, complete, cart_sql)
               for name, value in vars(module).items() if isinstance(value, CompiledQuery)}
    assert "euryale.flows.cart.mutations._LOCKED_CART" in queries and len(queries) > 10
    limit = _cacheable_size()
    sizes = {name: len(str(q._build().compile(dialect=dialect))) for name, q in queries.items()}
    # a margin, so that one more column somewhere does not silently cost every cart write a prepare
    too_long = {name: size for name, size in sizes.items() if size > limit * 0.9}
    assert not too_long, (limit, too_long)
