"""Event-bus gauges refreshed at scrape time: dead letters, per-subscriber backlog and oldest pending age."""

from __future__ import annotations

from typing import Any

from prometheus_client import Gauge

from euryale.metrics import EVENT_DEAD_LETTERS, REGISTRY, register_refresher

EVENT_BACKLOG = Gauge("euryale_event_backlog", "Events in a stream not yet read by a subscriber group",
                      ["stream", "subscriber"], registry=REGISTRY)
EVENT_PENDING = Gauge("euryale_event_pending", "Events read by a subscriber but not yet acknowledged",
                      ["stream", "subscriber"], registry=REGISTRY)
EVENT_OLDEST_PENDING = Gauge("euryale_event_oldest_pending_age_seconds",
                             "Age of the oldest unacknowledged event per subscriber", ["stream", "subscriber"],
                             registry=REGISTRY)


async def refresh_event_bus(container: Any) -> None:
    """Read `stats()` of the configured bus (the Redis bus has one; the local bus keeps nothing to report)."""
    if not container.has("event_bus"):
        return
    stats = getattr(container.resolve("event_bus"), "stats", None)
    if stats is None:
        return
    data = await stats()
    EVENT_DEAD_LETTERS.set(float(data["dead_letters"]))
    for stream, info in data["streams"].items():
        for sub, s in info["subscribers"].items():
            EVENT_BACKLOG.labels(stream=stream, subscriber=sub).set(s["backlog"])
            EVENT_PENDING.labels(stream=stream, subscriber=sub).set(s["pending"])
            EVENT_OLDEST_PENDING.labels(stream=stream, subscriber=sub).set(s["oldest_pending_age_s"])


register_refresher(refresh_event_bus)
