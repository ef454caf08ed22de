"""Project configuration: the Python counterpart of `medusa-config.ts` / `defineConfig`.

A project's `euryale_config.py` calls :func:`define_config` and assigns the result to `config`.
Everything has an environment fallback so a container image is configured by env alone.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

WorkerMode = Literal["shared", "worker", "server"]
WORKER_MODES: tuple[WorkerMode, ...] = ("shared", "worker", "server")
DEFAULT_SECRET = "supersecret"
DEFAULT_STORE_CORS = "http://localhost:8000"
DEFAULT_ADMIN_CORS = "http://localhost:7000,http://localhost:7001,http://localhost:5173,http://localhost:9000"
PRODUCTION_ENVS = ("production", "prod", "staging")
_REGEX_ORIGIN = re.compile(r"^([/~@;%#'])(.*?)\1([gimsuy]*)$")


class ConfigError(Exception):
    """Invalid configuration: the message names the key, the env var and the fix."""

    def __init__(self, key: str, env: str | None, problem: str, fix: str) -> None:
        where = f"{key} (env {env})" if env else key
        super().__init__(f"[config] {where}: {problem}. Fix: {fix}")
        self.key = key
        self.env = env


@dataclass
class HttpConfig:
    store_cors: str = DEFAULT_STORE_CORS
    admin_cors: str = DEFAULT_ADMIN_CORS
    auth_cors: str = DEFAULT_ADMIN_CORS
    jwt_secret: str = DEFAULT_SECRET
    jwt_expires_in: str = "1d"
    cookie_secret: str = DEFAULT_SECRET
    compression: dict[str, Any] = field(default_factory=lambda: {"enabled": False, "level": 6, "threshold": 1024})
    auth_methods_per_actor: dict[str, list[str]] = field(default_factory=dict)
    # Medusa's http.authVerificationsPerActor: {"customer": [{"entity_type": "email", "auth_provider": "emailpass"}]}
    # makes a login of that actor/provider answer `verification_required` until the entity is verified; none by default
    auth_verifications_per_actor: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    restricted_fields_store: list[str] = field(default_factory=lambda: ["order", "orders"])
    store_relations_limit: int = 3


@dataclass
class SessionOptions:
    name: str = "connect.sid"
    secret: str | None = None
    ttl_ms: int = 36_000_000
    rolling: bool = False


@dataclass
class ProjectConfig:
    database_url: str | None = None
    database_read_url: str | None = None
    # store catalog reads leave the replica while it is further behind the primary than this (seconds)
    database_read_max_lag: float = 5.0
    database_schema: str = "public"
    database_logging: bool = False
    database_driver_options: dict[str, Any] = field(default_factory=dict)
    redis_url: str | None = None
    redis_prefix: str = ""
    redis_options: dict[str, Any] = field(default_factory=dict)
    session_options: SessionOptions = field(default_factory=SessionOptions)
    worker_mode: WorkerMode = "shared"
    http: HttpConfig = field(default_factory=HttpConfig)
    cookie_options: dict[str, Any] = field(default_factory=dict)
    host: str = "0.0.0.0"
    port: int = 9000
    worker_health_port: int = 9001
    shutdown_timeout_s: float = 30.0
    # store cart writes commit without waiting for their WAL flush (docs/workflows.md, "Asynchronous commit")
    ephemeral_async_commit: bool = True


@dataclass
class AdminConfig:
    disable: bool = True
    path: str = "/app"
    backend_url: str = "http://localhost:9000"


@dataclass
class ModuleEntry:
    """One entry of `modules`: which package implements a registration key, with its options."""

    key: str
    resolve: str
    options: dict[str, Any] = field(default_factory=dict)
    disable: bool = False


@dataclass
class EuryaleConfig:
    project_config: ProjectConfig
    admin: AdminConfig
    modules: dict[str, ModuleEntry]
    plugins: list[dict[str, Any]]
    feature_flags: dict[str, Any]
    root: Path = field(default_factory=Path.cwd)
    env_name: str = "development"

    @property
    def is_production(self) -> bool:
        return self.env_name in PRODUCTION_ENVS


# Architectural modules: in-memory by default (one process), Redis when asked for.
DEFAULT_MODULES: dict[str, str] = {
    "event_bus": "euryale.modules.event_bus_local",
    "cache": "euryale.modules.cache_inmemory",
    "locking": "euryale.modules.locking_inmemory",
    "workflows": "euryale.modules.workflow_engine_inmemory",
    # loaded by default as in Medusa 2.21 (PostgreSQL full text, so the same in every topology)
    "search": "euryale.modules.search",
}
REDIS_MODULES: dict[str, str] = {
    "event_bus": "euryale.modules.event_bus_redis",
    "cache": "euryale.modules.cache_redis",
    "locking": "euryale.modules.locking_redis",
    "workflows": "euryale.modules.workflow_engine_redis",
}


def _env(name: str, *alts: str) -> str | None:
    for n in (name, *alts):
        v = os.environ.get(n)
        if v is not None and v != "":
            return v
    return None


def parse_cors(value: str, *, key: str, env: str) -> list[str | re.Pattern[str]]:
    """Parse a comma-separated CORS list: exact origins and `/regex/flags` entries, as Medusa does."""
    out: list[str | re.Pattern[str]] = []
    for raw in value.split(","):
        item = raw.strip()
        if not item:
            continue
        m = _REGEX_ORIGIN.match(item)
        if m:
            flags = re.IGNORECASE if "i" in m.group(3) else 0
            try:
                out.append(re.compile(m.group(2), flags))
            except re.error as exc:
                raise ConfigError(key, env, f"invalid regular expression {item!r} ({exc})", "fix the /regex/ entry") from exc
            continue
        if item == "*":
            out.append(item)
            continue
        if not re.match(r"^https?://[^/\s]+$", item):
            raise ConfigError(
                key, env, f"{item!r} is not an origin",
                "list origins as scheme://host[:port] without path or trailing slash, separated by commas",
            )
        out.append(item)
    return out


def _worker_mode(value: str | None) -> WorkerMode:
    mode = (value or "shared").strip().lower()
    if mode not in WORKER_MODES:
        raise ConfigError(
            "project_config.worker_mode", "WORKER_MODE", f"{value!r} is not a worker mode",
            "set WORKER_MODE (or MEDUSA_WORKER_MODE) to one of shared, worker, server",
        )
    return mode  # type: ignore[return-value,unused-ignore]


def _int(value: Any, key: str, env: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(key, env, f"{value!r} is not an integer", f"set {env} to a whole number") from exc


def _float(value: Any, key: str, env: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(key, env, f"{value!r} is not a number", f"set {env} to a number of seconds") from exc
    if number < 0:
        raise ConfigError(key, env, f"{value!r} is negative", f"set {env} to 0 or more seconds")
    return number


def _port(value: Any, key: str, env: str) -> int:
    port = _int(value, key, env)
    if not 0 < port < 65536:
        raise ConfigError(key, env, f"{port} is not a TCP port", f"set {env} between 1 and 65535")
    return port


def normalize_database_url(url: str) -> str:
    """Accept `postgres://` / `postgresql://` URLs and return the asyncpg SQLAlchemy form."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://"):]
    if not url.startswith("postgresql+asyncpg://"):
        raise ConfigError(
            "project_config.database_url", "DATABASE_URL", f"unsupported URL scheme in {url.split(':', 1)[0]!r}",
            "use postgres://user:password@host:5432/dbname",
        )
    return url


def define_config(
    project_config: dict[str, Any] | None = None,
    admin: dict[str, Any] | None = None,
    modules: list[dict[str, Any]] | dict[str, Any] | None = None,
    plugins: list[str | dict[str, Any]] | None = None,
    feature_flags: dict[str, Any] | None = None,
) -> EuryaleConfig:
    """Build a validated configuration; every value falls back to its environment variable."""
    pc = dict(project_config or {})
    http_in = dict(pc.pop("http", {}) or {})
    env_name = (_env("EURYALE_ENV", "NODE_ENV") or "development").lower()

    def get(key: str, env: str | None, default: Any = None, *alts: str) -> Any:
        if key in pc and pc[key] is not None:
            return pc[key]
        if env:
            v = _env(env, *alts)
            if v is not None:
                return v
        return default

    def hget(key: str, env: str | None, default: Any) -> Any:
        if key in http_in and http_in[key] is not None:
            return http_in[key]
        if env:
            v = _env(env)
            if v is not None:
                return v
        return default

    database_url = get("database_url", "DATABASE_URL")
    if database_url is not None:
        database_url = normalize_database_url(str(database_url))
    read_url = get("database_read_url", "DATABASE_READ_URL")
    if read_url is not None:
        read_url = normalize_database_url(str(read_url))
    redis_url = get("redis_url", "REDIS_URL")
    if redis_url is not None and not re.match(r"^rediss?://|^unix://", str(redis_url)):
        raise ConfigError("project_config.redis_url", "REDIS_URL", f"{redis_url!r} is not a Redis URL",
                          "use redis://host:6379/0")
    http = HttpConfig(
        store_cors=str(hget("store_cors", "STORE_CORS", DEFAULT_STORE_CORS)),
        admin_cors=str(hget("admin_cors", "ADMIN_CORS", DEFAULT_ADMIN_CORS)),
        auth_cors=str(hget("auth_cors", "AUTH_CORS", DEFAULT_ADMIN_CORS)),
        jwt_secret=str(hget("jwt_secret", "JWT_SECRET", DEFAULT_SECRET)),
        jwt_expires_in=str(hget("jwt_expires_in", "JWT_EXPIRES_IN", "1d")),
        cookie_secret=str(hget("cookie_secret", "COOKIE_SECRET", DEFAULT_SECRET)),
        compression=dict(http_in.get("compression") or {"enabled": False, "level": 6, "threshold": 1024}),
        auth_methods_per_actor=dict(http_in.get("auth_methods_per_actor") or {}),
        auth_verifications_per_actor=_verifications_per_actor(http_in.get("auth_verifications_per_actor")),
        restricted_fields_store=list((http_in.get("restricted_fields") or {}).get("store", ["order", "orders"])),
        store_relations_limit=_int(hget("store_relations_limit", None, 3), "http.store_relations_limit", "-"),
    )
    for key, env in (("store_cors", "STORE_CORS"), ("admin_cors", "ADMIN_CORS"), ("auth_cors", "AUTH_CORS")):
        parse_cors(getattr(http, key), key=f"http.{key}", env=env)
    parse_duration(http.jwt_expires_in, key="http.jwt_expires_in", env="JWT_EXPIRES_IN")
    so_in = dict(pc.get("session_options") or {})
    session = SessionOptions(
        name=str(so_in.get("name", "connect.sid")), secret=so_in.get("secret"),
        ttl_ms=_int(so_in.get("ttl", 36_000_000), "project_config.session_options.ttl", "-"),
        rolling=bool(so_in.get("rolling", False)),
    )
    project = ProjectConfig(
        database_url=database_url,
        database_read_url=read_url,
        database_read_max_lag=_float(get("database_read_max_lag", "DATABASE_READ_MAX_LAG", 5.0),
                                     "project_config.database_read_max_lag", "DATABASE_READ_MAX_LAG"),
        database_schema=str(get("database_schema", "DATABASE_SCHEMA", "public")),
        database_logging=str(get("database_logging", "DATABASE_LOGGING", "false")).lower() in ("1", "true", "yes"),
        database_driver_options=dict(pc.get("database_driver_options") or {}),
        redis_url=redis_url,
        redis_prefix=str(get("redis_prefix", "REDIS_PREFIX", "")),
        redis_options=dict(pc.get("redis_options") or {}),
        session_options=session,
        worker_mode=_worker_mode(get("worker_mode", "WORKER_MODE", None, "MEDUSA_WORKER_MODE")),
        http=http,
        cookie_options=dict(pc.get("cookie_options") or {}),
        host=str(get("host", "HOST", "0.0.0.0")),
        port=_port(get("port", "PORT", 9000), "project_config.port", "PORT"),
        worker_health_port=_port(get("worker_health_port", "WORKER_HEALTH_PORT", 9001),
                                 "project_config.worker_health_port", "WORKER_HEALTH_PORT"),
        shutdown_timeout_s=_float(get("shutdown_timeout_s", "SHUTDOWN_TIMEOUT", 30.0),
                                  "project_config.shutdown_timeout_s", "SHUTDOWN_TIMEOUT"),
        ephemeral_async_commit=str(get("ephemeral_async_commit", "EPHEMERAL_ASYNC_COMMIT", "true")).lower()
        in ("1", "true", "yes"),
    )
    admin_in = dict(admin or {})
    admin_cfg = AdminConfig(
        disable=bool(admin_in.get("disable", True)),
        path=str(admin_in.get("path", "/app")),
        backend_url=str(admin_in.get("backend_url") or _env("MEDUSA_BACKEND_URL") or "http://localhost:9000"),
    )
    if admin_cfg.path in ("/admin", "/store", "/auth"):
        raise ConfigError("admin.path", None, f"{admin_cfg.path} collides with an API route group", "use /app")
    resolved: dict[str, ModuleEntry] = {k: ModuleEntry(k, v) for k, v in DEFAULT_MODULES.items()}
    entries: list[dict[str, Any]]
    if isinstance(modules, dict):
        entries = [({"key": k, **v} if isinstance(v, dict) else {"key": k, "disable": v is False})
                   for k, v in modules.items()]
    else:
        entries = list(modules or [])
    for entry in entries:
        if not isinstance(entry, dict) or ("resolve" not in entry and "key" not in entry):
            raise ConfigError("modules", None, f"entry {entry!r} has neither resolve nor key",
                              'write {"resolve": "package.module", "options": {...}}')
        resolve = entry.get("resolve")
        key = entry.get("key") or _module_key(str(resolve))
        if entry.get("disable"):
            resolved.pop(key, None)
            continue
        if not resolve:
            raise ConfigError(f"modules[{key}]", None, "missing resolve", "name the module's import path")
        resolved[key] = ModuleEntry(key, str(resolve), dict(entry.get("options") or {}))
    flags = dict(feature_flags or {})
    for name, value in os.environ.items():
        if name.startswith("MEDUSA_FF_") or name.startswith("EURYALE_FF_"):
            flags[name.split("_FF_", 1)[1].lower()] = value.lower() in ("1", "true")
    return EuryaleConfig(project, admin_cfg, resolved, [p if isinstance(p, dict) else {"resolve": p}
                                                        for p in (plugins or [])], flags, env_name=env_name)


def _verifications_per_actor(value: Any) -> dict[str, list[dict[str, str]]]:
    """`http.auth_verifications_per_actor` checked: actor → list of `{entity_type, auth_provider}`."""
    key, fix = "http.auth_verifications_per_actor", 'write {"customer": [{"entity_type": "email", "auth_provider": "emailpass"}]}'
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(key, None, f"{value!r} is not a mapping of actor types", fix)
    out: dict[str, list[dict[str, str]]] = {}
    for actor, entries in value.items():
        if not isinstance(entries, list) or not all(
                isinstance(e, dict) and isinstance(e.get("entity_type"), str) and e["entity_type"]
                and isinstance(e.get("auth_provider"), str) and e["auth_provider"] for e in entries):
            raise ConfigError(f"{key}.{actor}", None, f"{entries!r} is not a list of {{entity_type, auth_provider}}",
                              fix)
        out[str(actor)] = [{"entity_type": e["entity_type"], "auth_provider": e["auth_provider"]} for e in entries]
    return out


def _module_key(resolve: str) -> str:
    """Registration key for a built-in module path (`euryale.modules.event_bus_redis` → `event_bus`)."""
    name = resolve.rsplit(".", 1)[-1]
    for key, path in {**DEFAULT_MODULES, **REDIS_MODULES}.items():
        if path.rsplit(".", 1)[-1] == name:
            return key
    if name.startswith("locking_"):
        return "locking"
    return name


_DURATION = re.compile(r"^\s*(\d+)\s*(ms|s|m|h|d|w|y)?\s*$")


def parse_duration(value: str | int, *, key: str = "duration", env: str = "-") -> int:
    """Seconds in a duration written like `1d`, `12h`, `30m`, `3600` (as jsonwebtoken's expiresIn)."""
    if isinstance(value, int):
        return value
    m = _DURATION.match(value)
    if not m:
        raise ConfigError(key, env, f"{value!r} is not a duration", "use a number of seconds or e.g. 30m, 12h, 1d")
    n = int(m.group(1))
    unit = m.group(2) or "s"
    factor = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31557600}[unit]
    return max(1, int(n * factor))


CONFIG_FILE = "euryale_config.py"


def load_config(root: Path | str | None = None) -> EuryaleConfig:
    """Load `euryale_config.py` from `root` (default: cwd); with no file, configure from env alone."""
    base = Path(root or os.environ.get("EURYALE_ROOT") or Path.cwd()).resolve()
    path = base / CONFIG_FILE
    if not path.exists():
        cfg = define_config()
    else:
        spec = importlib.util.spec_from_file_location("euryale_project_config", path)
        if spec is None or spec.loader is None:
            raise ConfigError(CONFIG_FILE, None, "cannot be imported", "check the file is valid Python")
        module = importlib.util.module_from_spec(spec)
        if str(base) not in sys.path:
            sys.path.insert(0, str(base))
        try:
            spec.loader.exec_module(module)
        except ConfigError:
            raise
        except Exception as exc:  # the user's file: report, never a traceback
            raise ConfigError(CONFIG_FILE, None, f"failed to load ({type(exc).__name__}: {exc})",
                              "fix the error in euryale_config.py") from exc
        loaded = getattr(module, "config", None)
        if not isinstance(loaded, EuryaleConfig):
            raise ConfigError(CONFIG_FILE, None, "does not define `config = define_config(...)`",
                              "assign the result of define_config to a variable named config")
        cfg = loaded
    cfg.root = base
    return cfg
