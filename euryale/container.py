"""The dependency container: configured modules resolved by registration key (`"event_bus"`, `"product"`, ...)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

import structlog

from euryale.config import ConfigError, EuryaleConfig
from euryale.db import Database

log = structlog.get_logger("euryale.container")


class Container:
    """Holds the config, the database and one service per module key; modules are swapped by config alone."""

    def __init__(self, config: EuryaleConfig, db: Database | None = None) -> None:
        self.config = config
        self.db = db
        self._services: dict[str, Any] = {}
        self._stop_hooks: list[Callable[[], Any]] = []

    @property
    def mode(self) -> str:
        return self.config.project_config.worker_mode

    def register(self, key: str, service: Any) -> None:
        self._services[key] = service

    def resolve(self, key: str) -> Any:
        try:
            return self._services[key]
        except KeyError:
            raise KeyError(f"module {key!r} is not registered (configured: {sorted(self._services)})") from None

    def has(self, key: str) -> bool:
        return key in self._services

    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("no database configured: set DATABASE_URL")
        return self.db

    def load_modules(self) -> None:
        """Import each configured module package and call its `load(container, options)`."""
        for entry in self.config.modules.values():
            try:
                package = importlib.import_module(entry.resolve)
            except ImportError as exc:
                raise ConfigError(f"modules[{entry.key}].resolve", None, f"cannot import {entry.resolve!r} ({exc})",
                                  "name an installed module package") from exc
            loader = getattr(package, "load", None)
            if loader is None:
                raise ConfigError(f"modules[{entry.key}].resolve", None, f"{entry.resolve!r} has no load()",
                                  "a module package exposes load(container, options)")
            self.register(entry.key, loader(self, entry.options))

    def on_stop(self, hook: Callable[[], Any]) -> None:
        self._stop_hooks.append(hook)

    async def start(self) -> None:
        """Start every service that has an async `start()` (connections, consumers...)."""
        for key, service in list(self._services.items()):
            start = getattr(service, "start", None)
            if start is not None and inspect.iscoroutinefunction(start):
                await start()
                log.debug("module started", module=key)

    async def stop(self) -> None:
        """Stop services in reverse order, then dispose of the database pool."""
        for hook in reversed(self._stop_hooks):
            result = hook()
            if inspect.isawaitable(result):
                await result
        for service in reversed(list(self._services.values())):
            stop = getattr(service, "stop", None)
            if stop is not None and inspect.iscoroutinefunction(stop):
                await stop()
        if self.db is not None:
            await self.db.dispose()
