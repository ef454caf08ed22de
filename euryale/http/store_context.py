"""The `/store` request context: the publishable API key (and its sales channels) and the request locale.

Every store route depends on :func:`store_context`. Key lookups are cached briefly in the shared (Redis) cache
when one is configured; revoking a key or changing its sales channels calls :func:`forget_publishable_key` so the
change is seen at once by every process. The same round trip reads the catalog version, which the response cache
of catalog routes (`euryale.query.cache`) needs next: one Redis round trip per cached catalog read instead of two,
and none while the Redis cache holds both in process (its near cache, coherent through Redis's invalidations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.cache import PUBLISHABLE_KEY_PREFIX
from euryale.db.compiled import CompiledQuery
from euryale.errors import invalid_data, not_allowed
from euryale.links.models import publishable_api_key_sales_channel as pksc
from euryale.modules.api_key.models import api_key
from euryale.modules.sales_channel.models import sales_channel
from euryale.query.cache import VERSION_KEY

KEY_HEADER = "x-publishable-api-key"
LOCALE_HEADER = "x-medusa-locale"
CACHE_TTL = 30
MISSING_KEY = ("Publishable API key required in the request header: x-publishable-api-key. "
               "You can manage your keys in settings in the dashboard.")
INVALID_KEY = "A valid publishable key is required to proceed with the request"
NO_CHANNEL = "Publishable key needs to have a sales channel configured"


@dataclass
class StoreContext:
    """What a store handler knows about its caller before any customer auth."""

    publishable_key_id: str
    sales_channel_ids: list[str] = field(default_factory=list)
    locale: str | None = None

    def require_sales_channels(self) -> list[str]:
        """The key's channels; store catalog routes refuse keys without any (400 invalid_data)."""
        if not self.sales_channel_ids:
            raise invalid_data(NO_CHANNEL)
        return self.sales_channel_ids


def _cache_key(token: str) -> str:
    return PUBLISHABLE_KEY_PREFIX + token


def _key_lookup_query() -> Any:
    channels = (
        select(func.coalesce(func.array_agg(pksc.c.sales_channel_id), []))
        .select_from(pksc.join(sales_channel, sales_channel.c.id == pksc.c.sales_channel_id))
        .where(pksc.c.publishable_key_id == api_key.c.id, pksc.c.deleted_at.is_(None),
               sales_channel.c.deleted_at.is_(None))
        .scalar_subquery()
    )
    return (select(api_key.c.id, api_key.c.revoked_at, channels.label("channels"))
            .where(api_key.c.token == bindparam("token"), api_key.c.type == "publishable"))


# every store request without a shared cache runs it: compiled once
_KEY_LOOKUP = CompiledQuery(_key_lookup_query)


async def lookup_publishable_key(conn: AsyncConnection, token: str) -> dict[str, Any] | None:
    """The key's id, revocation time and live sales channel ids (one statement), or None when unknown."""
    found = await _KEY_LOOKUP.fetch(conn, token=token)
    if not found:
        return None
    row = found[0]
    revoked = row["revoked_at"].timestamp() if row["revoked_at"] is not None else None
    return {"id": row["id"], "revoked_at": revoked, "sales_channel_ids": sorted(row["channels"] or [])}


def _cache(request: Request) -> Any | None:
    """The shared cache, if any. A per-process (in-memory) cache is not used: another worker process revoking a
    key could not invalidate it, and revocation must apply at once everywhere."""
    container = request.app.state.container
    if not container.has("cache"):
        return None
    cache = container.resolve("cache")
    return None if type(cache).__name__ == "InMemoryCache" else cache


async def forget_publishable_key(container: Any, token: str) -> None:
    """Drop a cached key lookup (after revoke, delete or a sales-channel change)."""
    if container.has("cache"):
        await container.resolve("cache").invalidate(_cache_key(token))


def request_locale(request: Request) -> str | None:
    """`?locale=` wins over the `x-medusa-locale` header; an empty value means no locale."""
    if "locale" in request.query_params:
        return request.query_params.get("locale") or None
    return request.headers.get(LOCALE_HEADER) or None


async def store_context(request: Request) -> StoreContext:
    """FastAPI dependency: validate `x-publishable-api-key` (400 not_allowed) and read the locale."""
    existing = getattr(request.state, "store_context", None)
    if isinstance(existing, StoreContext):
        return existing
    token = request.headers.get(KEY_HEADER, "").strip()
    if not token:
        raise not_allowed(MISSING_KEY)
    cache = _cache(request)
    info: dict[str, Any] | None = None
    if cache is not None:
        get_many = getattr(cache, "get_many", None)
        if get_many is not None:
            info, version = await get_many([_cache_key(token), VERSION_KEY])
            if isinstance(version, str):  # read in this request: what cached_json would read next
                request.state.catalog_version = version
        else:
            info = await cache.get(_cache_key(token))
    if info is None:
        # a read (GET) keeps the connection for the page it reads next: one pool checkout per request, not two
        # (writes return it: they may wait on other services before their transaction)
        keep = request.method in ("GET", "HEAD")
        async with request.app.state.container.database().read(keep=keep) as conn:
            info = await lookup_publishable_key(conn, token)
        if info is None:
            raise not_allowed(INVALID_KEY)
        if cache is not None:
            await cache.set(_cache_key(token), info, CACHE_TTL)
    # a key is revoked once revoked_at <= now (a revocation may be scheduled in the future)
    if info["revoked_at"] is not None and info["revoked_at"] <= datetime.now(UTC).timestamp():
        raise not_allowed(INVALID_KEY)
    ctx = StoreContext(publishable_key_id=info["id"], sales_channel_ids=list(info["sales_channel_ids"]),
                       locale=request_locale(request))
    request.state.store_context = ctx
    return ctx
