"""What one process runs, per worker mode (ARCHITECTURE.md "Processes").

- ``server``: the HTTP API (uvicorn on uvloop/httptools) and the outbox relay; no subscribers, jobs or workflow
  consumers.
- ``worker``: subscribers, scheduled jobs, workflow consumers and the outbox relay, plus an HTTP server on
  ``worker_health_port`` that answers only ``/health*`` (and ``/metrics`` when available): no public API port.
- ``shared``: both in one process.

Background parts are provided by other packages and started here when present, so this module does not depend
on them: each hook in :data:`BACKGROUND_HOOKS` names a module, the function names tried in order, and the modes it
runs in (today `euryale.runtime_hooks.start_background(container, mode)`). A start function takes the container
(and the mode when it accepts two arguments), sync or async, and may return nothing, a stop callable (sync or
async) or an object with a ``stop()``/``close()`` method; stops run in reverse order on shutdown, before the
container stops, so in-flight jobs drain first.

SIGTERM: uvicorn stops accepting connections, lets in-flight requests finish (at most ``shutdown_timeout_s``),
then the lifespan shutdown stops background parts and the container, and the process exits 0.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import math
import os
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import FastAPI

import euryale
from euryale.boot import build_container
from euryale.config import EuryaleConfig, load_config
from euryale.container import Container
from euryale.logging import configure_logging
from euryale.memory import return_large_allocations_to_os

log = structlog.get_logger("euryale.runtime")

ALL_MODES = ("server", "worker", "shared")
BACKGROUND_MODES = ("worker", "shared")


@dataclass(frozen=True)
class BackgroundHook:
    module: str
    functions: tuple[str, ...]
    modes: tuple[str, ...]
    name: str


# `euryale.runtime_hooks` (arch-modules) starts the outbox relay, subscribers, jobs and workflow recovery; more
# hooks can be appended here without touching the lifecycle below
BACKGROUND_HOOKS: tuple[BackgroundHook, ...] = (
    BackgroundHook("euryale.runtime_hooks", ("start_background",), ALL_MODES, "background (relay, subscribers, jobs)"),
)

Stop = Callable[[], Any]


def serves_api(mode: str) -> bool:
    """Whether a process in this mode opens the public API port."""
    return mode in ("server", "shared")


def runs_background(mode: str) -> bool:
    """Whether a process in this mode runs subscribers, jobs and workflow consumers."""
    return mode in BACKGROUND_MODES


def _as_stop(result: Any) -> Stop | None:
    if result is None:
        return None
    if callable(result):
        return result  # type: ignore[no-any-return]
    for name in ("stop", "close", "aclose"):
        method = getattr(result, name, None)
        if callable(method):
            return method  # type: ignore[no-any-return]
    return None


async def _maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


async def start_background(container: Container) -> list[Stop]:
    """Start the background parts this process's mode runs; returns their stops in start order."""
    mode = container.mode
    stops: list[Stop] = []
    for hook in BACKGROUND_HOOKS:
        if mode not in hook.modes:
            continue
        try:
            module = importlib.import_module(hook.module)
        except ModuleNotFoundError as exc:
            if exc.name and hook.module.startswith(exc.name):
                continue  # not provided (yet): nothing to run
            raise
        fn = next((getattr(module, f) for f in hook.functions if callable(getattr(module, f, None))), None)
        if fn is None:
            continue
        params = inspect.signature(fn).parameters
        result = await _maybe_await(fn(container, mode) if len(params) >= 2 else fn(container))
        stop = _as_stop(result)
        if stop is not None:
            stops.append(stop)
        log.info("background started", part=hook.name, mode=mode)
    return stops


async def stop_background(stops: list[Stop]) -> None:
    """Stop background parts in reverse order; one failing stop does not prevent the others."""
    for stop in reversed(stops):
        try:
            await _maybe_await(stop())
        except Exception:  # shutdown must go on
            log.exception("background stop failed")


def _install_lifecycle(app: FastAPI, container: Container) -> None:
    stops: list[Stop] = []

    async def on_startup() -> None:
        await container.start()
        stops.extend(await start_background(container))
        # everything imported and built at start-up lives as long as the process: move it out of the collector's
        # reach so full collections (frequent under load: a product page allocates ~10^5 objects) skip it
        gc.collect()
        gc.freeze()
        gc.enable()  # `euryale start` keeps the collector off while it imports and builds (see pause_gc_for_startup)
        log.info("process ready", mode=container.mode, api=serves_api(container.mode),
                 background=runs_background(container.mode), pid=os.getpid(), version=euryale.__version__)

    async def on_shutdown() -> None:
        log.info("process stopping", mode=container.mode, pid=os.getpid())
        await stop_background(stops)
        await container.stop()
        log.info("process stopped", mode=container.mode, pid=os.getpid())

    app.state.on_startup = on_startup
    app.state.on_shutdown = on_shutdown


def create_health_app(container: Container) -> FastAPI:
    """The worker's only HTTP surface: health (and metrics when the metrics router exists), no API routes."""
    from euryale.http import health

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await app.state.on_startup()
        yield
        await app.state.on_shutdown()

    app = FastAPI(title="Euryale worker", version=euryale.__version__, openapi_url=None, docs_url=None,
                  redoc_url=None, lifespan=lifespan)
    app.state.container = container
    app.include_router(health.router)
    try:
        metrics = importlib.import_module("euryale.http.metrics")
    except ModuleNotFoundError:
        metrics = None
    router = getattr(metrics, "router", None)
    if router is not None:
        app.include_router(router)
    return app


def build_app(config: EuryaleConfig) -> FastAPI:
    """The ASGI app for this process's mode, with container start/stop and background parts in its lifespan."""
    container = build_container(config)
    if serves_api(container.mode):
        from euryale.http.app import create_app

        app = create_app(container)
    else:
        app = create_health_app(container)
    app.state.serves_api = serves_api(container.mode)
    _install_lifecycle(app, container)
    return app


def pause_gc_for_startup() -> None:
    """Keep the cyclic collector off until the app is ready (its lifespan start-up collects, freezes and turns it
    back on): importing and building ~430 routes allocates a few million objects that all live as long as the
    process, and the collections they would trigger cost ~20% of start-up CPU (1.33 -> 0.99 s for the imports and
    `create_app`, measured in process)."""
    gc.disable()


def app_from_env() -> FastAPI:
    """uvicorn factory (`euryale.runtime:app_from_env`): each worker process loads the project's config itself."""
    pause_gc_for_startup()  # a forked or spawned worker process builds its own app
    return_large_allocations_to_os()
    config = load_config()
    configure_logging(json_logs=config.is_production, level=os.environ.get("LOG_LEVEL", "INFO"))
    return build_app(config)


def _uvicorn_impl() -> dict[str, Any]:
    opts: dict[str, Any] = {}
    try:
        importlib.import_module("uvloop")
        opts["loop"] = "uvloop"
    except ImportError:
        pass
    try:  # httptools with one socket write per response (needs httptools)
        from euryale.http.protocol import HttpProtocol

        opts["http"] = HttpProtocol
    except ImportError:
        pass
    return opts


def listen_address(config: EuryaleConfig, host: str | None = None, port: int | None = None) -> tuple[str, int]:
    """Where this process listens: the API port, or the health port in worker mode."""
    pc = config.project_config
    if serves_api(pc.worker_mode):
        return host or pc.host, port if port is not None else pc.port
    return host or pc.host, pc.worker_health_port


def _after_graceful_shutdown(signum: int, frame: Any) -> None:
    log.info("shutdown complete", signal=signal.Signals(signum).name)


def serve(config: EuryaleConfig, *, host: str | None = None, port: int | None = None, workers: int = 1,
          reload: bool = False, reload_dirs: list[str] | None = None) -> None:
    """Run the process (blocks until SIGTERM/SIGINT); `workers` > 1 forks processes sharing the socket."""
    import uvicorn

    bind_host, bind_port = listen_address(config, host, port)
    mode = config.project_config.worker_mode
    log.info("euryale starting", mode=mode, version=euryale.__version__, environment=config.env_name,
             listen=f"{bind_host}:{bind_port}", serves=("api" if serves_api(mode) else "health only"),
             workers=workers, background=runs_background(mode))
    # uvicorn re-raises the signal it handled once it has shut down gracefully; with a no-op handler in place that
    # re-raise returns here and the process exits 0 (what orchestrators expect after a clean drain)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _after_graceful_shutdown)
    # children (workers, reloader) rebuild the app from cwd + env, so they must see the same project root
    os.environ.setdefault("EURYALE_ROOT", str(config.root))
    uvicorn.run(
        "euryale.runtime:app_from_env",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=None if reload else max(1, workers),
        reload=reload,
        reload_dirs=reload_dirs,
        lifespan="on",
        access_log=False,
        log_config=None,
        proxy_headers=True,
        # at least one second: 0 would mean "wait forever" to uvicorn
        timeout_graceful_shutdown=max(1, math.ceil(config.project_config.shutdown_timeout_s)),
        **_uvicorn_impl(),
    )
