"""`search-ingestion` (Medusa 2.21's subscriber of the same id): keeps the search indexes' documents in sync with
the events their definitions declare (product and variant writes, product-channel links, sales channel deletion)."""

from __future__ import annotations

from typing import Any

from euryale.events import Event
from euryale.modules.search import DEFAULT_INDEXES, index_definition

# read off the default definitions (a subscriber's config is read at import, before there is a container)
config = {
    "event": list(dict.fromkeys(e.name for path in DEFAULT_INDEXES for e in index_definition(path).events)),
    "subscriber_id": "search-ingestion",
}


def _ids(data: dict[str, Any]) -> list[str]:
    raw = data.get("id", data.get("ids"))
    if isinstance(raw, str):
        return [raw]
    return [str(i) for i in raw] if isinstance(raw, list) else []


async def handler(event: Event, container: Any) -> None:
    """Re-sync the touched documents in one transaction (idempotent: a redelivery rewrites the same rows)."""
    if not container.has("search"):
        return
    ids = _ids(event.data)
    if not ids:
        return
    async with container.database().transaction() as conn:
        await container.resolve("search").ingest(conn, event.name, ids)
