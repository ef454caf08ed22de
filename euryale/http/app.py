"""The ASGI application: route groups, CORS per group, request ids, errors in Medusa's shape."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import structlog
from fastapi import APIRouter, FastAPI, Request

from euryale import tracing
from euryale.config import parse_cors
from euryale.container import Container
from euryale.http import errors, health, routing
from euryale.http import metrics as http_metrics
from euryale.http.auth import UnauthorizedError
from euryale.http.json import JSONResponse
from euryale.http.middleware import RequestMiddleware

log = structlog.get_logger("euryale.http")
API_PACKAGES = ("euryale.api.store", "euryale.api.admin", "euryale.api.auth", "euryale.api.hooks", "euryale.api.cloud")


def discover_routers(package: str) -> list[APIRouter]:
    """Every `router` defined by a module of `package` (recursively), so adding a route file needs no registry."""
    routers: list[APIRouter] = []
    try:
        pkg = importlib.import_module(package)
    except ModuleNotFoundError:
        return routers
    direct = getattr(pkg, "router", None)
    if isinstance(direct, APIRouter):
        routers.append(direct)
    paths = getattr(pkg, "__path__", None)
    if not paths:
        return routers
    for info in sorted(pkgutil.walk_packages(paths, prefix=package + "."), key=lambda i: i.name):
        module = importlib.import_module(info.name)
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter) and router not in routers:
            routers.append(router)
    return routers


def user_routers(root: Path) -> list[APIRouter]:
    """Routers from the project's `src/api/**.py` (each file may define `router`)."""
    api_dir = root / "src" / "api"
    if not api_dir.is_dir():
        return []
    out: list[APIRouter] = []
    for path in sorted(api_dir.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        name = ".".join(rel.parts)
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        module = importlib.import_module(name)
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            out.append(router)
    return out


def create_app(container: Container) -> FastAPI:
    """Build the HTTP application bound to a started-or-startable container."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        starter = getattr(app.state, "on_startup", None)
        if starter is not None:
            await starter()
        yield
        stopper = getattr(app.state, "on_shutdown", None)
        if stopper is not None:
            await stopper()

    app = FastAPI(
        title="Euryale",
        version="0.1.0",
        description="Medusa v2 compatible commerce API",
        default_response_class=JSONResponse,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.container = container
    http = container.config.project_config.http
    errors.install(app)

    @app.exception_handler(UnauthorizedError)
    async def unauthorized(request: Request, exc: UnauthorizedError) -> JSONResponse:
        return JSONResponse({"message": exc.message}, 401)

    app.include_router(health.router)  # /health, /health/ready, /health/details
    app.include_router(http_metrics.router)  # /metrics (Prometheus)
    for package in API_PACKAGES:
        for router in discover_routers(package):
            app.include_router(router)
    for router in user_routers(container.config.root):
        app.include_router(router)
    if not routing.install(app):
        log.warning("route index not installed: the application router has middleware or form limits")
    if tracing.configure_from_env() and container.db is not None:  # EURYALE_TRACING; off by default
        tracing.instrument_database(container.db)
    # request id, CORS per group, metrics, tracing and the access log in one layer (see euryale.http.middleware)
    app.add_middleware(RequestMiddleware, cors_groups={
        "/store": parse_cors(http.store_cors, key="http.store_cors", env="STORE_CORS"),
        "/admin": parse_cors(http.admin_cors, key="http.admin_cors", env="ADMIN_CORS"),
        "/auth": parse_cors(http.auth_cors, key="http.auth_cors", env="AUTH_CORS"),
    })
    return app
