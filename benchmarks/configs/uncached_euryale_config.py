"""The image's project config (deploy/euryale_config.py) without the cache module: `benchmarks.run --uncached`.

Redis still carries the event bus, locking and the workflow engine (a server and a worker are separate
processes); catalog answers are computed on every request.
"""

import os

from euryale.config import define_config

REDIS_URL = os.environ.get("REDIS_URL") or None
REDIS_MODULES = ("event_bus_redis", "locking_redis", "workflow_engine_redis")

config = define_config(
    modules=[{"resolve": f"euryale.modules.{name}", "options": {"redis_url": REDIS_URL}} for name in REDIS_MODULES]
    if REDIS_URL else [],
)
