"""Prometheus metrics of one process (server or worker), and the hooks other parts feed them through.

The metric objects are module globals so any part of Euryale can update them without plumbing:

- HTTP (fed by :class:`euryale.http.metrics.MetricsMiddleware`): ``euryale_http_requests_total`` and
  ``euryale_http_request_duration_seconds`` by method, route *template* (``/store/products/{id}``, never the raw
  path: bounded cardinality) and status; ``euryale_http_requests_in_flight``.
- Database: ``euryale_db_pool_connections{engine,state}`` read from every :func:`track_database` pool at scrape;
  with a read replica, ``euryale_db_replica_usable`` and ``euryale_db_replica_lag_bytes`` (`euryale.db.replica`).
- Event bus (fed by the relay / bus / subscribers): :data:`EVENTS_PUBLISHED`, :data:`EVENTS_PROCESSED`,
  :data:`EVENT_DEAD_LETTERS` (gauge: current size of the dead-letter set), :data:`EVENT_BUS_LAG` (seconds the
  oldest unpublished outbox row has waited; refreshed at scrape from the outbox table) and :data:`OUTBOX_PENDING`.
- Jobs: :data:`JOB_RUNS` by job and outcome, :data:`JOB_DURATION`.
- Workflows: :data:`WORKFLOW_EXECUTIONS` by workflow and final state (``done``, ``failed``, ``reverted``...),
  :data:`WORKFLOW_STEP_DURATION`.
- Cache: ``euryale_cache_near_hits_total``, ``euryale_cache_near_invalidations_total`` and
  ``euryale_cache_near_live`` of the Redis cache's near cache (:func:`track_near_cache`).

Async values that need a query are computed at scrape time by refreshers registered with
:func:`register_refresher` (``async def fn(container) -> None`` that sets gauges).
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from euryale.container import Container
    from euryale.db import Database

log = structlog.get_logger("euryale.metrics")

# a registry of our own (not prometheus_client's global one) so tests and embedded uses never collide on names
REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

BUILD_INFO = Gauge("euryale_build_info", "Version and worker mode of this process (always 1)",
                   ["version", "mode"], registry=REGISTRY)
PROCESS_START = Gauge("euryale_process_start_time_seconds", "Unix time the process started", registry=REGISTRY)
PROCESS_START.set(time.time())

HTTP_REQUESTS = Counter("euryale_http_requests_total", "HTTP requests answered",
                        ["method", "route", "status"], registry=REGISTRY)
HTTP_LATENCY = Histogram("euryale_http_request_duration_seconds", "HTTP request duration (to the last body byte)",
                         ["method", "route"], buckets=_LATENCY_BUCKETS, registry=REGISTRY)
HTTP_IN_FLIGHT = Gauge("euryale_http_requests_in_flight", "HTTP requests being processed", registry=REGISTRY)

EVENTS_PUBLISHED = Counter("euryale_events_published_total", "Events handed to the event bus", ["event"],
                           registry=REGISTRY)
EVENTS_PROCESSED = Counter("euryale_events_processed_total", "Subscriber invocations",
                           ["event", "subscriber", "outcome"], registry=REGISTRY)
EVENT_DEAD_LETTERS = Gauge("euryale_event_dead_letters", "Events in the dead-letter set (failed every attempt)",
                           registry=REGISTRY)
EVENT_BUS_LAG = Gauge("euryale_event_bus_lag_seconds",
                      "Age of the oldest committed event not yet published by the outbox relay", registry=REGISTRY)
OUTBOX_PENDING = Gauge("euryale_outbox_pending_events", "Committed events waiting in the outbox", registry=REGISTRY)

JOB_RUNS = Counter("euryale_job_runs_total", "Scheduled job runs", ["job", "outcome"], registry=REGISTRY)
JOB_DURATION = Histogram("euryale_job_duration_seconds", "Scheduled job run duration", ["job"],
                         buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300), registry=REGISTRY)

WORKFLOW_EXECUTIONS = Counter("euryale_workflow_executions_total", "Workflow executions by final state",
                              ["workflow", "state"], registry=REGISTRY)
WORKFLOW_STEP_DURATION = Histogram("euryale_workflow_step_duration_seconds", "Workflow step duration",
                                   ["workflow", "step"], buckets=_LATENCY_BUCKETS, registry=REGISTRY)

# read from the stores at scrape time, so they are right whichever process did the work
EVENT_SUBSCRIBER_BACKLOG = Gauge("euryale_event_subscriber_backlog", "Events not yet read by a subscriber group",
                                 ["stream", "subscriber"], registry=REGISTRY)
EVENT_SUBSCRIBER_PENDING = Gauge("euryale_event_subscriber_pending", "Events read but not acknowledged",
                                 ["stream", "subscriber"], registry=REGISTRY)
EVENT_SUBSCRIBER_OLDEST = Gauge("euryale_event_subscriber_oldest_pending_seconds",
                                "Age of the oldest unacknowledged event per subscriber", ["stream", "subscriber"],
                                registry=REGISTRY)
JOB_RUNS_RECORDED = Gauge("euryale_job_runs_recorded", "Job runs recorded in job_run by job and status",
                          ["job", "status"], registry=REGISTRY)
WORKFLOW_EXECUTIONS_STORED = Gauge("euryale_workflow_executions_by_state",
                                   "Stored workflow executions by workflow and state", ["workflow", "state"],
                                   registry=REGISTRY)

Refresher = Callable[["Container"], Awaitable[None]]
_refreshers: list[Refresher] = []
_databases: weakref.WeakValueDictionary[str, Database] = weakref.WeakValueDictionary()


class _PoolCollector(Collector):
    """Connection-pool usage of every tracked Database, read at scrape time (no background polling)."""

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily("euryale_db_pool_connections", "Database pool connections by state",
                                   labels=["engine", "state"])
        for name, db in list(_databases.items()):
            engines = [("primary", db.engine)]
            if db.read_engine is not db.engine:
                engines.append(("read", db.read_engine))
            for kind, engine in engines:
                pool: Any = engine.pool
                label = f"{name}:{kind}"
                for state, getter in (("checked_out", "checkedout"), ("idle", "checkedin"),
                                      ("overflow", "overflow"), ("size", "size")):
                    fn = getattr(pool, getter, None)
                    if fn is not None:
                        family.add_metric([label, state], float(fn()))
        yield family
        usable = GaugeMetricFamily("euryale_db_replica_usable",
                                   "1 while store catalog reads go to the read replica", labels=["engine"])
        lag = GaugeMetricFamily("euryale_db_replica_lag_bytes",
                                "WAL bytes the read replica had not replayed at its last sample", labels=["engine"])
        for name, db in list(_databases.items()):
            if db.replica is not None:
                usable.add_metric([name], float(db.replica.usable))
                if db.replica.lag_bytes is not None:
                    lag.add_metric([name], float(db.replica.lag_bytes))
        yield from (usable, lag)


_POOL_COLLECTOR = _PoolCollector()
REGISTRY.register(_POOL_COLLECTOR)
_near_caches: weakref.WeakSet[Any] = weakref.WeakSet()


class _NearCacheCollector(Collector):
    """The Redis cache's near caches (`euryale.modules.cache_redis.near`), read at scrape time: their counters are
    plain integers bumped on the hot path, not metric objects."""

    def collect(self) -> Iterable[Metric]:
        caches = list(_near_caches)
        hits = CounterMetricFamily("euryale_cache_near_hits", "Cache reads answered from the process's near cache")
        hits.add_metric([], float(sum(c.hits for c in caches)))
        invalidations = CounterMetricFamily("euryale_cache_near_invalidations",
                                            "Invalidations the near cache applied (pushed by Redis or own writes)")
        invalidations.add_metric([], float(sum(c.generation for c in caches)))
        live = GaugeMetricFamily("euryale_cache_near_live", "1 while Redis tracks the near cache's keys")
        live.add_metric([], float(any(c.live for c in caches)))
        yield from (hits, invalidations, live)


REGISTRY.register(_NearCacheCollector())


def track_near_cache(cache: Any) -> None:
    """Report `cache` (a NearCache) in the ``euryale_cache_near_*`` metrics (weakly held)."""
    _near_caches.add(cache)


def track_database(db: Database, name: str = "main") -> None:
    """Report this database's pool in ``euryale_db_pool_connections`` (weakly held: no lifetime extension)."""
    _databases[name] = db


def set_process_info(version: str, mode: str) -> None:
    """Label this process in ``euryale_build_info`` (called once at start)."""
    BUILD_INFO.labels(version=version, mode=mode).set(1)


def register_refresher(fn: Refresher) -> None:
    """Run ``fn(container)`` before each scrape to update gauges that need an async query."""
    if fn not in _refreshers:
        _refreshers.append(fn)


async def refresh_outbox(container: Container) -> None:
    """Outbox backlog and lag (the event-bus lag as seen from PostgreSQL)."""
    if container.db is None:
        return
    from sqlalchemy import text

    async with container.db.read() as conn:
        row = (await conn.execute(text(
            "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM event_outbox "
            "WHERE published_at IS NULL AND held = false"
        ))).one()
    OUTBOX_PENDING.set(float(row[0]))
    EVENT_BUS_LAG.set(float(row[1]))


async def refresh_event_bus(container: Container) -> None:
    """Dead letters and per-subscriber backlog from an event bus that exposes `stats()` (the Redis Streams bus)."""
    if not container.has("event_bus"):
        return
    stats_fn = getattr(container.resolve("event_bus"), "stats", None)
    if stats_fn is None:
        return
    stats: dict[str, Any] = await stats_fn()
    EVENT_DEAD_LETTERS.set(float(stats.get("dead_letters", 0)))
    for stream, info in (stats.get("streams") or {}).items():
        for sub, g in (info.get("subscribers") or {}).items():
            EVENT_SUBSCRIBER_BACKLOG.labels(stream=stream, subscriber=sub).set(float(g.get("backlog", 0)))
            EVENT_SUBSCRIBER_PENDING.labels(stream=stream, subscriber=sub).set(float(g.get("pending", 0)))
            EVENT_SUBSCRIBER_OLDEST.labels(stream=stream, subscriber=sub).set(float(g.get("oldest_pending_age_s", 0)))


async def refresh_jobs_and_workflows(container: Container) -> None:
    """Job runs by status and workflow executions by state, as stored in PostgreSQL."""
    if container.db is None:
        return
    from sqlalchemy import text

    async with container.db.read() as conn:
        jobs = (await conn.execute(text("SELECT name, status, count(*) FROM job_run GROUP BY 1, 2"))).all()
        flows = (await conn.execute(text(
            "SELECT workflow_id, state, count(*) FROM workflow_execution GROUP BY 1, 2"))).all()
    for name, status, n in jobs:
        JOB_RUNS_RECORDED.labels(job=name, status=status).set(float(n))
    for workflow, state, n in flows:
        WORKFLOW_EXECUTIONS_STORED.labels(workflow=workflow, state=state).set(float(n))


register_refresher(refresh_outbox)
register_refresher(refresh_event_bus)
register_refresher(refresh_jobs_and_workflows)


async def render(container: Container | None) -> bytes:
    """The exposition text: refreshers first (each failure logged, never fatal to the scrape)."""
    if container is not None:
        for fn in list(_refreshers):
            try:
                await fn(container)
            except Exception as exc:  # a missing table or a down DB must not break the scrape
                log.debug("metrics refresher failed", refresher=getattr(fn, "__name__", repr(fn)), error=str(exc))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # `euryale start --workers N`: aggregate what every worker process wrote (prometheus_client multiprocess)
        from prometheus_client import multiprocess

        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        # the metric objects write their values to the shared files; only the pool (read live) is per process
        local = CollectorRegistry()
        local.register(_POOL_COLLECTOR)
        return generate_latest(merged) + generate_latest(local)
    return generate_latest(REGISTRY)
