"""Server-side sessions behind the `connect.sid` cookie, wire-compatible with express-session.

The cookie value is express-session's signed id (`s:<sid>.<base64 HMAC-SHA256>`, URL-encoded), so a browser
session survives a switch between Medusa and Euryale sharing a secret. Session data lives in Redis
(`<redis_prefix>sess:<sid>`, like connect-redis) when `redis_url` is configured, else in process memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any, Protocol
from urllib.parse import quote, unquote

import orjson
from fastapi import Request

from euryale.config import EuryaleConfig

DEFAULT_TTL_S = 10 * 3600


class SessionStore(Protocol):
    async def get(self, sid: str) -> dict[str, Any] | None: ...
    async def set(self, sid: str, data: dict[str, Any], ttl_s: int) -> None: ...
    async def destroy(self, sid: str) -> None: ...
    async def close(self) -> None: ...


class MemorySessionStore:
    """Per-process store (development / single process), entries expire lazily."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, dict[str, Any]]] = {}

    async def get(self, sid: str) -> dict[str, Any] | None:
        item = self._data.get(sid)
        if item is None:
            return None
        if item[0] < time.monotonic():
            self._data.pop(sid, None)
            return None
        return item[1]

    async def set(self, sid: str, data: dict[str, Any], ttl_s: int) -> None:
        now = time.monotonic()
        if len(self._data) > 10_000:  # bound memory: drop expired entries now and then
            for key in [k for k, (exp, _) in self._data.items() if exp < now]:
                self._data.pop(key, None)
        self._data[sid] = (now + ttl_s, data)

    async def destroy(self, sid: str) -> None:
        self._data.pop(sid, None)

    async def close(self) -> None:
        self._data.clear()


class RedisSessionStore:
    """connect-redis compatible layout: JSON under `<prefix>sess:<sid>` with a TTL."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url)
        self._prefix = f"{prefix}sess:"

    async def get(self, sid: str) -> dict[str, Any] | None:
        raw = await self._redis.get(self._prefix + sid)
        if raw is None:
            return None
        data = orjson.loads(raw)
        return data if isinstance(data, dict) else None

    async def set(self, sid: str, data: dict[str, Any], ttl_s: int) -> None:
        await self._redis.set(self._prefix + sid, orjson.dumps(data), ex=ttl_s)

    async def destroy(self, sid: str) -> None:
        await self._redis.delete(self._prefix + sid)

    async def close(self) -> None:
        await self._redis.aclose()


def session_store(container: Any) -> SessionStore:
    """The container's session store, created on first use (closed when the container stops)."""
    store: SessionStore | None = getattr(container, "_euryale_session_store", None)
    if store is None:
        project = container.config.project_config
        if project.redis_url:
            store = RedisSessionStore(project.redis_url, project.redis_prefix or "")
        else:
            store = MemorySessionStore()
        container._euryale_session_store = store
        container.on_stop(store.close)
    return store


def _secret(config: EuryaleConfig) -> str:
    project = config.project_config
    return project.session_options.secret or project.http.cookie_secret


def sign(value: str, secret: str) -> str:
    """express `cookie-signature.sign`: value + '.' + base64(HMAC-SHA256) without padding."""
    mac = hmac.new(secret.encode(), value.encode(), hashlib.sha256).digest()
    return value + "." + base64.b64encode(mac).decode().rstrip("=")


def unsign(signed: str, secret: str) -> str | None:
    """The signed value, or None when the signature does not match (constant-time compare)."""
    value, sep, _ = signed.rpartition(".")
    if not sep:
        return None
    return value if hmac.compare_digest(sign(value, secret).encode(), signed.encode()) else None


def ttl_seconds(config: EuryaleConfig) -> int:
    ttl_ms = config.project_config.session_options.ttl_ms
    return max(1, int(ttl_ms // 1000)) if ttl_ms else DEFAULT_TTL_S


def cookie_name(config: EuryaleConfig) -> str:
    return config.project_config.session_options.name or "connect.sid"


def session_id(request: Request) -> str | None:
    """The verified session id carried by the request's cookie, if any."""
    config: EuryaleConfig = request.app.state.container.config
    raw = request.cookies.get(cookie_name(config))
    if not raw:
        return None
    raw = unquote(raw)
    if not raw.startswith("s:"):
        return None
    return unsign(raw[2:], _secret(config))


async def load_session(request: Request) -> dict[str, Any] | None:
    """The session data of this request (memoised on `request.state`)."""
    if hasattr(request.state, "euryale_session"):
        cached: dict[str, Any] | None = request.state.euryale_session
        return cached
    sid = session_id(request)
    data = await session_store(request.app.state.container).get(sid) if sid else None
    request.state.euryale_session = data
    return data


def set_cookie_header(config: EuryaleConfig, sid: str, *, clear: bool = False) -> str:
    """A `Set-Cookie` value as express-session writes it (httpOnly, path /, Max-Age = ttl)."""
    name = cookie_name(config)
    options: dict[str, Any] = dict(config.project_config.cookie_options or {})
    if clear:
        parts = [f"{name}=", "Path=/", "Expires=Thu, 01 Jan 1970 00:00:00 GMT", "Max-Age=0"]
    else:
        value = quote("s:" + sign(sid, _secret(config)), safe="")
        ttl = ttl_seconds(config)
        expires = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + ttl))
        parts = [f"{name}={value}", f"Path={options.get('path', '/')}", f"Expires={expires}", f"Max-Age={ttl}"]
    if options.get("domain"):
        parts.append(f"Domain={options['domain']}")
    parts.append("HttpOnly")
    # 2.21: production cookies are Secure + SameSite=Lax (CSRF fix); cookie_options may override.
    secure = options.get("secure", config.is_production)
    same_site = options.get("sameSite", options.get("same_site", "lax" if config.is_production else None))
    if secure:
        parts.append("Secure")
    if same_site:
        parts.append(f"SameSite={str(same_site).capitalize()}")
    return "; ".join(parts)


async def create_session(request: Request, data: dict[str, Any]) -> str:
    """Store `data` under a new id and return the `Set-Cookie` header value."""
    container = request.app.state.container
    config: EuryaleConfig = container.config
    old = session_id(request)
    store = session_store(container)
    if old:  # regenerate: never keep a pre-login id (session fixation)
        await store.destroy(old)
    sid = secrets.token_urlsafe(24)
    ttl = ttl_seconds(config)
    payload = {"cookie": {"originalMaxAge": ttl * 1000, "httpOnly": True, "path": "/"}, **data}
    await store.set(sid, payload, ttl)
    request.state.euryale_session = payload
    return set_cookie_header(config, sid)


async def destroy_session(request: Request) -> str:
    """Forget the request's session; returns a `Set-Cookie` header that clears the cookie."""
    container = request.app.state.container
    sid = session_id(request)
    if sid:
        await session_store(container).destroy(sid)
    request.state.euryale_session = None
    return set_cookie_header(container.config, sid or "", clear=True)
