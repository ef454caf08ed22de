"""Plain store listings of products: their `count` kept between the writes that can change it, and first pages
with their LIMIT written in. Shared by the store documents path and the ordinary one (`euryale.query.products`).

Kept counts (migration links_0002): a listing's count (products published in the key's channels) is kept per set
of channels in `product_listing_count` with the listing version it was counted at, and served while that version
is current. The version is the sum of `product_listing_change.weight`, which triggers raise with every write that
may change a listing, in the writing transaction. A page statement reads the kept count, the version and (only when
no count is kept) the count with one snapshot; a miss keeps its count under the version it read, so a reader that
raced a write keeps a count that is never served.

First pages: PostgreSQL plans a `LIMIT $n` for 10% of the products; the page's per-product subqueries made that
generic plan ten times dearer than the custom ones, so a page statement was planned again on every execution
(~0.4 ms at 2,000 products). A first page of one of the first few page sizes has its own statement with the LIMIT
written in, whose generic plan PostgreSQL keeps after five executions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, Text, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.links.models import product_listing_change, product_listing_count

FIRST_PAGE_SIZES = 16  # a bound on the statements (and prepared plans per connection) clients can make us keep
_first_page_sizes: set[int] = set()
COUNT_COLUMNS = ("__count__", "__kept_count__", "__listing_version__")


def first_page(limit: int, offset: int) -> int | None:
    """`limit` when the page is a first page whose statement has its LIMIT written in; None otherwise."""
    if offset != 0:
        return None
    if limit not in _first_page_sizes:
        if len(_first_page_sizes) >= FIRST_PAGE_SIZES:
            return None
        _first_page_sizes.add(limit)
    return limit


def paged(query: Select[Any], first: int | None) -> Select[Any]:
    """`query` limited to the page: `limit`/`offset` parameters, or the first `first` rows written in."""
    if first is None:
        return query.limit(bindparam("limit")).offset(bindparam("offset"))
    return query.limit(literal_column(str(int(first))))


def paging(limit: int, offset: int, first: int | None) -> dict[str, int]:
    """The parameters a statement built by `paged(..., first)` takes for this page."""
    return {} if first is not None else {"limit": limit, "offset": offset}


def count_columns(count: Any) -> list[Any]:
    """The page statement's count columns (`COUNT_COLUMNS`), `count` being the counting scalar subquery: it runs
    only when no count is kept (COALESCE stops at the kept one; an uncorrelated subquery is an init plan). The
    listing version and the kept count are read once, in a CTE the three columns share."""
    c = product_listing_count
    version = select(func.coalesce(func.sum(product_listing_change.c.weight), 0).label("version")).subquery("v")
    listing = select(version.c.version, select(c.c.count).where(
        c.c.channels == bindparam("channel_key", type_=ARRAY(Text)), c.c.version == version.c.version)
        .scalar_subquery().label("kept")).cte("listing")
    kept = select(listing.c.kept).scalar_subquery()
    return [func.coalesce(kept, count).label("__count__"), kept.label("__kept_count__"),
            select(listing.c.version).scalar_subquery().label("__listing_version__")]


def channel_key(channels: list[str]) -> list[str]:
    """The kept count's key for the channels `channels` (bound as `channel_key`)."""
    return sorted(set(channels))


async def count_of(conn: AsyncConnection, container: Any, row: Mapping[str, Any], channels: list[str]) -> int:
    """The listing count of a page statement's `row`, kept for the next reads when it was counted (a count kept
    at a newer version is not replaced: versions only grow)."""
    count = int(row["__count__"])
    if row["__kept_count__"] is None:
        c = product_listing_count
        stmt = insert(c).values(channels=channel_key(channels), version=int(row["__listing_version__"]),
                                count=count)
        stmt = stmt.on_conflict_do_update(index_elements=[c.c.channels],
                                          set_={"version": stmt.excluded.version, "count": stmt.excluded.count},
                                          where=c.c.version < stmt.excluded.version)
        async with container.database().write_aside(conn) as writer:
            await writer.execute(stmt)
    return count
