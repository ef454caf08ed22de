"""The cart path's compiled statements stay small enough for asyncpg to keep them prepared.

asyncpg caches a prepared statement only when its text is at most `max_cacheable_statement_size` long (15 KiB by
default, 64 KiB as `euryale.db.engine` connects); a longer one is prepared again on every execution (a round trip
and a plan each time). The cart row statements carry the cart's relations as JSON (`read.relations_columns`, and
for an add the variant: `mutations._LOCKED_CART_WITH_VARIANTS`, ~17.5 KB) and grow with every column added to a
cart table; over the limit, line item adds got slower than with one statement more.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

from euryale.container import Container
from euryale.db import direct
from euryale.db.compiled import CompiledQuery
from euryale.flows.cart import complete, mutations, read


async def test_cart_statements_fit_asyncpg_statement_cache(container: Container) -> None:
    async with container.database().read() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        limit: int = driver._config.max_cacheable_statement_size  # what the application's connections keep
    dialect = asyncpg_dialect.dialect()
    queries = {f"{module.__name__}.{name}": value for module in (mutations, read, complete, direct)
               for name, value in vars(module).items() if isinstance(value, CompiledQuery)}
    assert "euryale.flows.cart.mutations._LOCKED_CART_WITH_VARIANTS" in queries and len(queries) > 10
    sizes = {name: len(str(q._build().compile(dialect=dialect))) for name, q in queries.items()}
    # a margin, so that one more column somewhere does not silently cost every cart write a prepare
    too_long = {name: size for name, size in sizes.items() if size > limit * 0.75}
    assert not too_long, (limit, too_long)
