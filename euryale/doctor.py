"""`euryale doctor`: checks a configuration for the deployment pitfalls that break a Medusa-style shop.

Each finding has a code, a message and a fix. ``fatal`` findings refuse `euryale start` in production
(`EURYALE_ENV=production`) and are reported as warnings elsewhere; ``warning`` findings never refuse.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from euryale.config import (
    DEFAULT_ADMIN_CORS,
    DEFAULT_MODULES,
    DEFAULT_SECRET,
    DEFAULT_STORE_CORS,
    ConfigError,
    EuryaleConfig,
    parse_cors,
)

Severity = Literal["fatal", "warning"]
MIN_SECRET_LENGTH = 32
MIN_SECRET_BITS = 96.0
WEAK_WORDS = ("secret", "password", "changeme", "medusa", "euryale", "123456", "qwerty")
# modules whose state lives in one process: they cannot coordinate a server process with a worker process
SPLIT_SENSITIVE = {"event_bus": "event bus", "locking": "locking", "workflows": "workflow engine"}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    fix: str

    def render(self, production: bool) -> str:
        level = "FATAL" if self.severity == "fatal" and production else "WARN "
        return f"{level} [{self.code}] {self.message}. Fix: {self.fix}"


def secret_entropy_bits(value: str) -> float:
    """Shannon entropy of the string's character distribution times its length (an upper bound on its bits)."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    per_char = -sum((c / n) * math.log2(c / n) for c in counts.values())
    return per_char * n


def check_secret(value: str, *, key: str, env: str) -> Finding | None:
    """A finding when the secret is unset/default, shorter than 32 characters or guessable."""
    if not value or value == DEFAULT_SECRET:
        return Finding(f"{env.lower()}_default", "fatal",
                       f"{key} (env {env}) is unset or the default 'supersecret': anyone can forge tokens",
                       f"export {env}=$(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    if len(value) < MIN_SECRET_LENGTH:
        return Finding(f"{env.lower()}_short", "fatal",
                       f"{key} (env {env}) has {len(value)} characters; at least {MIN_SECRET_LENGTH} are required",
                       f"export {env}=$(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    lowered = value.lower()
    if secret_entropy_bits(value) < MIN_SECRET_BITS or len(set(value)) < 8 or any(w in lowered for w in WEAK_WORDS):
        return Finding(f"{env.lower()}_weak", "fatal",
                       f"{key} (env {env}) has low entropy (repeated characters or a dictionary word)",
                       f"export {env}=$(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    return None


def check_secrets(config: EuryaleConfig) -> list[Finding]:
    http = config.project_config.http
    out = [check_secret(http.jwt_secret, key="http.jwt_secret", env="JWT_SECRET"),
           check_secret(http.cookie_secret, key="http.cookie_secret", env="COOKIE_SECRET")]
    return [f for f in out if f is not None]


def check_cors(config: EuryaleConfig) -> list[Finding]:
    """Missing or malformed CORS lists, wildcards (Medusa always sends credentials), localhost-only in production."""
    http = config.project_config.http
    out: list[Finding] = []
    defaults = {"store_cors": DEFAULT_STORE_CORS, "admin_cors": DEFAULT_ADMIN_CORS, "auth_cors": DEFAULT_ADMIN_CORS}
    for key in ("store_cors", "admin_cors", "auth_cors"):
        env = key.upper()
        value: str = getattr(http, key)
        if not value.strip():
            out.append(Finding(f"{key}_missing", "fatal", f"http.{key} (env {env}) is empty: browsers get no CORS "
                               "headers and every storefront/admin call fails",
                               f"export {env}=https://your-site.example (comma-separated origins)"))
            continue
        try:
            entries = parse_cors(value, key=f"http.{key}", env=env)
        except ConfigError as exc:
            out.append(Finding(f"{key}_malformed", "fatal", str(exc).removeprefix("[config] ").split(". Fix:")[0],
                               "list origins as scheme://host[:port] or /regex/, separated by commas"))
            continue
        if "*" in entries:
            out.append(Finding(f"{key}_wildcard", "fatal",
                               f"http.{key} (env {env}) contains '*' but responses allow credentials: browsers "
                               "reject it and it would expose cookies to every site",
                               f"list the exact origins in {env}"))
        if config.is_production and value == defaults[key]:
            out.append(Finding(f"{key}_default", "fatal",
                               f"http.{key} (env {env}) is unset: only the localhost development origins are allowed",
                               f"export {env}=https://your-site.example"))
    return out


def _in_memory(resolve: str) -> bool:
    return resolve in DEFAULT_MODULES.values() or bool(re.search(r"_(inmemory|local|memory)$", resolve))


def check_topology(config: EuryaleConfig) -> list[Finding]:
    """Split server/worker processes need shared (Redis) event bus, locking and workflow engine."""
    pc = config.project_config
    out: list[Finding] = []
    if pc.worker_mode != "shared":
        local = [label for key, label in SPLIT_SENSITIVE.items()
                 if key in config.modules and _in_memory(config.modules[key].resolve)]
        if local:
            out.append(Finding("split_in_memory", "fatal",
                               f"worker_mode is {pc.worker_mode!r} (separate server and worker processes) but the "
                               f"{', '.join(local)} {'is' if len(local) == 1 else 'are'} in-memory: events emitted by "
                               "the server never reach the worker and locks are not shared",
                               "set REDIS_URL and configure the Redis modules (euryale.modules.event_bus_redis, "
                               "locking_redis, workflow_engine_redis), as `euryale new` does"))
    elif config.is_production:
        out.append(Finding("shared_in_production", "warning",
                           "worker_mode is 'shared' in production: API latency competes with subscribers and jobs",
                           "run WORKER_MODE=server replicas and a WORKER_MODE=worker process with Redis modules"))
    return out


def check_database(config: EuryaleConfig, *, processes: int = 1) -> list[Finding]:
    """A database URL is set, reachable, has no pending migration, and room for the pools of `processes`."""
    from euryale.db import migrate, revisions

    url = config.project_config.database_url
    if not url:
        return [Finding("database_missing", "fatal", "project_config.database_url (env DATABASE_URL) is not set",
                        "export DATABASE_URL=postgres://user:password@host:5432/db")]
    try:
        packages = migrate.project_packages(config)
        # the revision files' literal headers answer without Alembic; Alembic decides what they cannot
        found = revisions.pending(url, migrate.version_locations(packages))
        todo = found if found is not None else migrate.pending(url, packages)
    except Exception as exc:  # unreachable or misconfigured database: report, never a traceback
        unknown = migrate.unknown_revision(exc)  # Alembic is loaded on this failure path only
        if unknown is not None:
            return [Finding("schema_newer", "fatal", migrate.newer_schema(unknown),
                            migrate.NEWER_SCHEMA_FIX)]
        return [Finding("database_unreachable", "fatal", f"cannot read migrations ({type(exc).__name__}: {exc})",
                        "check DATABASE_URL and that PostgreSQL accepts connections")]
    if todo:
        shown = ", ".join(todo[:5]) + (f" and {len(todo) - 5} more" if len(todo) > 5 else "")
        return [Finding("pending_migrations", "fatal", f"{len(todo)} migration(s) pending ({shown})",
                        "run `euryale db:migrate`")]
    return check_connection_budget(config, processes=processes)


def _one_row(url: str, sql: str, **connect_args: Any) -> Any:
    """The one row `sql` answers on a connection of its own to the server at `url`."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def fetch() -> Any:
        engine = create_async_engine(url, poolclass=None, connect_args=connect_args)
        try:
            async with engine.connect() as conn:
                return (await conn.execute(text(sql))).one()
        finally:
            await engine.dispose()

    return asyncio.run(fetch())


def _server_facts(url: str) -> tuple[int, bool, str]:
    """(system identifier, in recovery, hot_standby_feedback) of the server at `url`."""
    system, recovery, feedback = _one_row(url, "SELECT (SELECT system_identifier FROM pg_control_system()), "
                                          "pg_is_in_recovery(), current_setting('hot_standby_feedback')", timeout=5)
    return int(system), bool(recovery), str(feedback)


def check_pooled_schema(config: EuryaleConfig) -> list[Finding]:
    """Behind a transaction-mode pooler (`statement_cache: False`) Euryale cannot send its search_path (PgBouncer
    refuses the startup parameter): the role's or database's own search_path must lead to `database_schema`."""
    pc = config.project_config
    if not pc.database_url or pc.database_driver_options.get("statement_cache", True):
        return []
    try:
        schema = _one_row(pc.database_url, "SELECT current_schema()", statement_cache_size=0)[0]
    except Exception:  # reachability is check_database's finding
        return []
    if schema == pc.database_schema:
        return []
    return [Finding("pooled_search_path", "fatal", f"with statement_cache False (a transaction-mode pooler) the "
                    f"connection's own search_path is used, and it leads to {schema!r}, not database_schema "
                    f"{pc.database_schema!r}", f"ALTER ROLE <user> SET search_path = {pc.database_schema} (or ALTER "
                    "DATABASE), or connect directly")]


def check_read_replica(config: EuryaleConfig) -> list[Finding]:
    """DATABASE_READ_URL leads to a physical standby of DATABASE_URL's server, which keeps its reads running."""
    pc = config.project_config
    if not pc.database_read_url or not pc.database_url:
        return []
    try:
        replica = _server_facts(pc.database_read_url)
    except Exception as exc:  # not fatal: catalog reads go to the primary while the replica does not answer
        return [Finding("read_replica_unreachable", "warning", f"the read replica at DATABASE_READ_URL does not "
                        f"answer ({type(exc).__name__}: {exc}): catalog reads go to the primary",
                        "check DATABASE_READ_URL and that the standby accepts connections")]
    try:
        primary = _server_facts(pc.database_url)
    except Exception:  # reachability is check_database's finding
        return []
    if replica[0] != primary[0]:
        return [Finding("read_replica_foreign", "fatal", "DATABASE_READ_URL leads to another PostgreSQL cluster "
                        "than DATABASE_URL (system identifiers differ): it is no streaming replica of it, and "
                        "Euryale reads nothing there", "point DATABASE_READ_URL at a physical standby of the "
                        "primary, or unset it")]
    if not replica[1]:
        return [Finding("read_replica_is_primary", "warning", "DATABASE_READ_URL leads to the primary itself (not "
                        "in recovery): catalog reads take no load off it", "point it at a standby, or unset it")]
    if replica[2] != "on":
        return [Finding("read_replica_feedback", "warning", "hot_standby_feedback is off on the read replica: "
                        "replaying the primary's vacuum can cancel catalog reads running there",
                        "set hot_standby_feedback = on in the standby's postgresql.conf")]
    return []


def pool_max(config: EuryaleConfig) -> int:
    """The most PostgreSQL connections one process opens (`database_driver_options.pool`: max + overflow)."""
    from euryale.db.engine import DEFAULT_POOL_MAX

    pool = dict(config.project_config.database_driver_options.get("pool") or {})
    return int(pool.get("max", DEFAULT_POOL_MAX)) + int(pool.get("overflow", 0))


def check_connection_budget(config: EuryaleConfig, *, processes: int = 1) -> list[Finding]:
    """The pools of these `processes` leave PostgreSQL room for a worker (or a replica) as large: pooled
    connections stay open once used, so a busy deployment reaches every pool's maximum."""
    url = config.project_config.database_url
    if not url:
        return []
    try:
        available = int(_one_row(url, "SELECT current_setting('max_connections')::int - "
                                 "current_setting('superuser_reserved_connections')::int")[0])
    except Exception:  # reachability is check_database's finding
        return []
    wanted = pool_max(config) * processes
    if wanted * 2 <= available:
        return []
    return [Finding("database_connections", "warning",
                    f"{processes} process(es) × pool max {pool_max(config)} = {wanted} PostgreSQL connections, and "
                    f"the server accepts {available} (max_connections − superuser_reserved_connections): a worker or "
                    "a second replica with the same pool would exhaust it",
                    'lower database_driver_options={"pool": {"max": N}}, raise max_connections, or put PgBouncer '
                    'in transaction mode in front (with {"statement_cache": False})')]


def check_modules(config: EuryaleConfig) -> list[Finding]:
    """Every configured module imports and loads (a Redis module without a URL fails here, not at first use)."""
    from euryale.boot import build_container

    try:
        build_container(config)  # loads modules; opens no connection
    except ConfigError as exc:
        return [Finding("module_config", "fatal", str(exc).removeprefix("[config] ").split(". Fix:")[0],
                        str(exc).split(". Fix: ", 1)[-1])]
    except Exception as exc:  # a module's load() failing for another reason
        return [Finding("module_load", "fatal", f"a module failed to load ({type(exc).__name__}: {exc})",
                        "check the modules list of euryale_config.py")]
    return []


def check_redis(config: EuryaleConfig) -> list[Finding]:
    """REDIS_URL, when set, answers PING."""
    url = config.project_config.redis_url
    if not url:
        return []
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except Exception as exc:  # unreachable or refused: report, never a traceback
        return [Finding("redis_unreachable", "fatal", f"Redis at REDIS_URL does not answer ({type(exc).__name__}: "
                        f"{exc})", "check REDIS_URL and that Redis accepts connections")]
    finally:
        client.close()
    return []


def diagnose(config: EuryaleConfig, *, database: bool = True, processes: int = 1) -> list[Finding]:
    """Every finding for this configuration (`database=True` also connects to PostgreSQL and Redis; `processes`:
    how many serving processes `euryale start --workers` runs)."""
    findings = [*check_secrets(config), *check_cors(config), *check_topology(config), *check_modules(config)]
    if database:
        findings.extend(check_database(config, processes=processes))
        findings.extend(check_pooled_schema(config))
        findings.extend(check_read_replica(config))
        findings.extend(check_redis(config))
    return findings


def is_fatal(findings: list[Finding], config: EuryaleConfig) -> bool:
    """Whether these findings refuse start-up: any fatal one, in production."""
    return config.is_production and any(f.severity == "fatal" for f in findings)
