"""Subscriber discovery: core subscribers (`euryale/core_subscribers/`) and the project's `src/subscribers/*.py`.

A subscriber file defines `async def handler(event, container)` and
`config = {"event": "order.placed" | [...], "subscriber_id": "optional-id"}` (Medusa's
`config.context.subscriberId` is accepted too). The id defaults to the file name in kebab case; each id is one
consumer group on the Redis bus, so it sees every event once across worker replicas.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from euryale.events import Event

log = structlog.get_logger("euryale.subscribers")

SubscriberFn = Callable[[Event, Any], Awaitable[None]]
CORE_DIR = Path(__file__).resolve().parent / "core_subscribers"


@dataclass
class SubscriberSpec:
    subscriber_id: str
    events: list[str]
    handler: SubscriberFn
    source: str


def _ignored(path: Path) -> bool:
    return path.name.startswith(("_", ".")) or path.stem == "index" or path.suffix != ".py"


def import_file(path: Path, namespace: str) -> Any:
    """Import a user file as module `<namespace>.<stem>` (kept in sys.modules so pickling/introspection work)."""
    name = f"{namespace}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _spec_from_module(module: Any, path: Path, *, production: bool) -> SubscriberSpec | None:
    handler = getattr(module, "handler", None) or getattr(module, "default", None)
    config = getattr(module, "config", None)
    if handler is None or not isinstance(config, dict):
        log.warning("subscriber skipped: needs `async def handler(event, container)` and a `config` dict",
                    file=str(path))
        return None
    events = config.get("event")
    if not events:
        if production:
            raise ValueError(f"subscriber {path} has no config['event']")
        log.warning("subscriber skipped: config has no 'event'", file=str(path))
        return None
    sub_id = config.get("subscriber_id") or (config.get("context") or {}).get("subscriberId") \
        or path.stem.replace("_", "-")
    return SubscriberSpec(str(sub_id), [events] if isinstance(events, str) else list(events), handler, str(path))


def discover_subscribers(root: Path | None, *, production: bool = False, include_core: bool = True
                         ) -> list[SubscriberSpec]:
    """Core subscribers then `<root>/src/subscribers/*.py`; duplicate ids on one event are an error."""
    specs: list[SubscriberSpec] = []
    dirs = ([(CORE_DIR, "euryale.core_subscribers")] if include_core else [])
    if root is not None:
        dirs.append((root / "src" / "subscribers", "euryale_project.subscribers"))
    for folder, namespace in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if _ignored(path):
                continue
            spec = _spec_from_module(import_file(path, namespace), path, production=production)
            if spec is not None:
                specs.append(spec)
    seen: set[tuple[str, str]] = set()
    for spec in specs:
        for name in spec.events:
            if (spec.subscriber_id, name) in seen:
                raise ValueError(f"duplicate subscriber id {spec.subscriber_id!r} for event {name!r} ({spec.source})")
            seen.add((spec.subscriber_id, name))
    return specs


def register_subscribers(container: Any, specs: list[SubscriberSpec]) -> None:
    """Subscribe each spec on the container's event bus, binding the container into the handler call."""
    bus = container.resolve("event_bus")
    for spec in specs:
        def bound(event: Event, _fn: SubscriberFn = spec.handler) -> Awaitable[None]:
            return _fn(event, container)
        bus.subscribe(spec.events, bound, subscriber_id=spec.subscriber_id)
        log.info("subscriber registered", subscriber=spec.subscriber_id, events=spec.events)
