"""Assemble a process: config → database → container with its modules, for a given worker mode."""

from __future__ import annotations

from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.db import Database
from euryale.db.engine import DEFAULT_POOL_MAX


def build_database(config: EuryaleConfig) -> Database | None:
    pc = config.project_config
    if not pc.database_url:
        return None
    pool = dict(pc.database_driver_options.get("pool") or {})
    return Database(
        pc.database_url,
        read_url=pc.database_read_url,
        read_max_lag=pc.database_read_max_lag,
        schema=pc.database_schema,
        echo=pc.database_logging,
        pool_size=int(pool.get("max", DEFAULT_POOL_MAX)),
        max_overflow=int(pool.get("overflow", 0)),
        statement_cache=bool(pc.database_driver_options.get("statement_cache", True)),
        driver_options=pc.database_driver_options,
    )


def build_container(config: EuryaleConfig) -> Container:
    """A container with the database and every configured module loaded (not yet started)."""
    container = Container(config, build_database(config))
    container.load_modules()
    return container
