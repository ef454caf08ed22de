"""Project config baked into the container image: everything from env vars (see docs/deploy.md).

With REDIS_URL set, the event bus, cache, locking and workflow engine use Redis so separate server and worker
processes (and replicas) share events, locks and timers; without it a single `shared` process keeps in-memory ones.
"""

import os

from euryale.config import define_config

REDIS_URL = os.environ.get("REDIS_URL") or None
REDIS_MODULES = ("event_bus_redis", "cache_redis", "locking_redis", "workflow_engine_redis")

config = define_config(
    modules=[{"resolve": f"euryale.modules.{name}", "options": {"redis_url": REDIS_URL}} for name in REDIS_MODULES]
    if REDIS_URL else [],
)
