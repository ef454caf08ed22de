"""Health endpoints: `/health` (liveness, text `OK` as Medusa), `/health/ready` (database + Redis), `/health/details`."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import redis.asyncio as aioredis
from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import PlainTextResponse

import euryale
from euryale.container import Container
from euryale.http.json import JSONResponse

router = APIRouter(include_in_schema=False)
READY_TIMEOUT_S = 2.0
STARTED_AT = time.time()


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


@router.get("/health")
async def health() -> PlainTextResponse:
    """Liveness: answers while the process serves, with no dependency check (Medusa's behaviour)."""
    return PlainTextResponse("OK")


async def _check_database(container: Container) -> dict[str, Any]:
    if container.db is None:
        return {"status": "error", "error": "no database configured"}
    started = time.perf_counter()
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            async with container.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except Exception as exc:  # readiness reports any failure instead of raising
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


async def _check_redis(url: str) -> dict[str, Any]:
    started = time.perf_counter()
    client: aioredis.Redis = aioredis.from_url(url, socket_connect_timeout=READY_TIMEOUT_S,
                                               socket_timeout=READY_TIMEOUT_S)
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            await client.ping()
    except Exception as exc:  # readiness reports any failure instead of raising
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
    finally:
        await client.aclose()
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


@router.get("/health/ready")
async def ready(request: Request) -> JSONResponse:
    """Readiness: 200 when the database (and Redis, when configured) answer; 503 otherwise."""
    container = _container(request)
    checks: dict[str, Any] = {"database": await _check_database(container)}
    redis_url = container.config.project_config.redis_url
    if redis_url:
        checks["redis"] = await _check_redis(redis_url)
    ok = all(c["status"] == "ok" for c in checks.values())
    return JSONResponse({"status": "ok" if ok else "error", "mode": container.mode, "checks": checks},
                        200 if ok else 503)


@router.get("/health/details")
async def details(request: Request) -> JSONResponse:
    """What this process is: worker mode, version, configured modules, uptime."""
    container = _container(request)
    config = container.config
    return JSONResponse({
        "status": "ok",
        "mode": container.mode,
        "version": euryale.__version__,
        "environment": config.env_name,
        "api": bool(getattr(request.app.state, "serves_api", True)),
        "background": container.mode in ("worker", "shared"),  # subscribers, jobs, workflow consumers
        "pid": os.getpid(),
        "modules": {key: entry.resolve for key, entry in sorted(config.modules.items())},
        "uptime_s": round(time.time() - STARTED_AT, 1),
    })
