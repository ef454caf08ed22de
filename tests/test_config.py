"""Configuration: every option, its env var and default; each invalid value fails with a message naming the fix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from euryale.config import (
    DEFAULT_ADMIN_CORS,
    DEFAULT_MODULES,
    ConfigError,
    define_config,
    load_config,
    parse_cors,
    parse_duration,
)

EXTRA_ENV = ("DATABASE_READ_URL", "DATABASE_SCHEMA", "DATABASE_LOGGING", "REDIS_PREFIX", "JWT_EXPIRES_IN",
             "WORKER_HEALTH_PORT", "SHUTDOWN_TIMEOUT", "MEDUSA_BACKEND_URL", "EURYALE_ROOT")


@pytest.fixture
def cenv(env: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """`env` plus the less common variables, and no feature-flag variables."""
    import os

    for name in list(os.environ):
        if name in EXTRA_ENV or name.startswith(("MEDUSA_FF_", "EURYALE_FF_")):
            env.delenv(name, raising=False)
    yield env


def test_defaults(cenv: pytest.MonkeyPatch) -> None:
    cfg = define_config()
    pc = cfg.project_config
    assert pc.database_url is None and pc.redis_url is None and pc.database_read_url is None
    assert pc.worker_mode == "shared" and pc.host == "0.0.0.0" and pc.port == 9000 and pc.worker_health_port == 9001
    assert pc.database_schema == "public" and pc.database_logging is False and pc.shutdown_timeout_s == 30.0
    assert pc.http.jwt_secret == "supersecret" and pc.http.cookie_secret == "supersecret"
    assert pc.http.store_cors == "http://localhost:8000" and pc.http.admin_cors == DEFAULT_ADMIN_CORS
    assert pc.http.auth_cors == DEFAULT_ADMIN_CORS and pc.http.jwt_expires_in == "1d"
    assert pc.http.restricted_fields_store == ["order", "orders"]
    assert pc.session_options.name == "connect.sid" and pc.session_options.ttl_ms == 36_000_000
    assert {k: m.resolve for k, m in cfg.modules.items()} == DEFAULT_MODULES
    assert cfg.admin.path == "/app" and cfg.admin.backend_url == "http://localhost:9000"
    assert cfg.env_name == "development" and not cfg.is_production


ENV_CASES: list[tuple[str, str, Any, Any]] = [
    ("DATABASE_URL", "postgres://u:p@db:5432/shop", lambda c: c.project_config.database_url,
     "postgresql+asyncpg://u:p@db:5432/shop"),
    ("DATABASE_READ_URL", "postgresql://u@replica/shop", lambda c: c.project_config.database_read_url,
     "postgresql+asyncpg://u@replica/shop"),
    ("DATABASE_SCHEMA", "shop", lambda c: c.project_config.database_schema, "shop"),
    ("DATABASE_LOGGING", "true", lambda c: c.project_config.database_logging, True),
    ("REDIS_URL", "redis://cache:6379/2", lambda c: c.project_config.redis_url, "redis://cache:6379/2"),
    ("REDIS_PREFIX", "shop:", lambda c: c.project_config.redis_prefix, "shop:"),
    ("WORKER_MODE", "worker", lambda c: c.project_config.worker_mode, "worker"),
    ("MEDUSA_WORKER_MODE", "server", lambda c: c.project_config.worker_mode, "server"),
    ("JWT_SECRET", "j" * 40, lambda c: c.project_config.http.jwt_secret, "j" * 40),
    ("COOKIE_SECRET", "c" * 40, lambda c: c.project_config.http.cookie_secret, "c" * 40),
    ("JWT_EXPIRES_IN", "12h", lambda c: c.project_config.http.jwt_expires_in, "12h"),
    ("STORE_CORS", "https://a.example,/\\.vercel\\.app$/", lambda c: c.project_config.http.store_cors,
     "https://a.example,/\\.vercel\\.app$/"),
    ("ADMIN_CORS", "https://admin.example", lambda c: c.project_config.http.admin_cors, "https://admin.example"),
    ("AUTH_CORS", "https://auth.example", lambda c: c.project_config.http.auth_cors, "https://auth.example"),
    ("PORT", "8080", lambda c: c.project_config.port, 8080),
    ("HOST", "127.0.0.1", lambda c: c.project_config.host, "127.0.0.1"),
    ("WORKER_HEALTH_PORT", "9100", lambda c: c.project_config.worker_health_port, 9100),
    ("SHUTDOWN_TIMEOUT", "12.5", lambda c: c.project_config.shutdown_timeout_s, 12.5),
    ("MEDUSA_BACKEND_URL", "https://api.example", lambda c: c.admin.backend_url, "https://api.example"),
    ("EURYALE_ENV", "production", lambda c: c.is_production, True),
    ("NODE_ENV", "production", lambda c: c.env_name, "production"),
]


@pytest.mark.parametrize(("name", "value", "read", "expected"), ENV_CASES, ids=[c[0] for c in ENV_CASES])
def test_each_env_var(cenv: pytest.MonkeyPatch, name: str, value: str, read: Any, expected: Any) -> None:
    cenv.setenv(name, value)
    assert read(define_config()) == expected


def test_worker_mode_prefers_worker_mode_over_medusa_name(cenv: pytest.MonkeyPatch) -> None:
    cenv.setenv("WORKER_MODE", "server")
    cenv.setenv("MEDUSA_WORKER_MODE", "worker")
    assert define_config().project_config.worker_mode == "server"


def test_explicit_options_win_over_env(cenv: pytest.MonkeyPatch) -> None:
    cenv.setenv("PORT", "7000")
    cenv.setenv("JWT_SECRET", "from-env")
    cfg = define_config(project_config={
        "port": 7100, "host": "::1", "database_url": "postgresql://x@h/d", "database_schema": "s",
        "database_logging": True, "database_driver_options": {"pool": {"max": 3}, "statement_cache": False},
        "redis_url": "rediss://r:6380/0", "redis_prefix": "p:", "redis_options": {"socket_timeout": 2},
        "session_options": {"name": "sid", "ttl": 1000, "rolling": True, "secret": "s" * 32},
        "worker_mode": "server", "cookie_options": {"secure": True, "sameSite": "none"},
        "worker_health_port": 9200, "shutdown_timeout_s": 5,
        "http": {"jwt_secret": "from-config", "cookie_secret": "k" * 40, "jwt_expires_in": "30m",
                 "compression": {"enabled": True, "level": 3, "threshold": 10},
                 "auth_methods_per_actor": {"user": ["emailpass"], "customer": ["emailpass", "google"]},
                 "restricted_fields": {"store": ["order"]}, "store_relations_limit": 5},
    }, admin={"path": "/dashboard", "disable": False, "backend_url": "https://b.example"},
        plugins=["my_plugin", {"resolve": "other_plugin", "options": {"x": 1}}],
        feature_flags={"product_categories": True})
    pc = cfg.project_config
    assert (pc.port, pc.host, pc.database_schema, pc.database_logging) == (7100, "::1", "s", True)
    assert pc.database_driver_options == {"pool": {"max": 3}, "statement_cache": False}
    assert (pc.redis_url, pc.redis_prefix, pc.redis_options) == ("rediss://r:6380/0", "p:", {"socket_timeout": 2})
    assert (pc.session_options.name, pc.session_options.ttl_ms, pc.session_options.rolling) == ("sid", 1000, True)
    assert pc.worker_mode == "server" and pc.cookie_options == {"secure": True, "sameSite": "none"}
    assert (pc.worker_health_port, pc.shutdown_timeout_s) == (9200, 5.0)
    h = pc.http
    assert (h.jwt_secret, h.jwt_expires_in, h.compression["enabled"]) == ("from-config", "30m", True)
    assert h.auth_methods_per_actor["customer"] == ["emailpass", "google"]
    assert h.restricted_fields_store == ["order"] and h.store_relations_limit == 5
    assert (cfg.admin.path, cfg.admin.disable, cfg.admin.backend_url) == ("/dashboard", False, "https://b.example")
    assert cfg.plugins == [{"resolve": "my_plugin"}, {"resolve": "other_plugin", "options": {"x": 1}}]
    assert cfg.feature_flags == {"product_categories": True}


def test_feature_flags_from_env(cenv: pytest.MonkeyPatch) -> None:
    cenv.setenv("MEDUSA_FF_PRODUCT_CATEGORIES", "true")
    cenv.setenv("EURYALE_FF_TAX_INCLUSIVE_PRICING", "false")
    flags = define_config(feature_flags={"tax_inclusive_pricing": True}).feature_flags
    assert flags == {"product_categories": True, "tax_inclusive_pricing": False}


def test_modules_resolve_swap_and_disable(cenv: pytest.MonkeyPatch) -> None:
    cfg = define_config(modules=[
        {"resolve": "euryale.modules.event_bus_redis", "options": {"redis_url": "redis://r"}},
        {"resolve": "euryale.modules.cache_redis"},
        {"resolve": "euryale.modules.locking_redis"},
        {"resolve": "euryale.modules.workflow_engine_redis"},
        {"resolve": "my_project.modules.blog", "options": {"x": 1}},
        {"key": "brand", "resolve": "my_project.modules.brand"},
    ])
    assert cfg.modules["event_bus"].resolve == "euryale.modules.event_bus_redis"
    assert cfg.modules["event_bus"].options == {"redis_url": "redis://r"}
    assert cfg.modules["cache"].resolve == "euryale.modules.cache_redis"
    assert cfg.modules["locking"].resolve == "euryale.modules.locking_redis"
    assert cfg.modules["workflows"].resolve == "euryale.modules.workflow_engine_redis"
    assert cfg.modules["blog"].options == {"x": 1} and cfg.modules["brand"].resolve == "my_project.modules.brand"
    legacy = define_config(modules={"cache": False, "blog": {"resolve": "my_project.modules.blog"}})
    assert "cache" not in legacy.modules and legacy.modules["blog"].resolve == "my_project.modules.blog"
    disabled = define_config(modules=[{"key": "locking", "disable": True}])
    assert "locking" not in disabled.modules


INVALID: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("DATABASE_URL", {"DATABASE_URL": "mysql://u@h/d"}, {},
     "project_config.database_url (env DATABASE_URL): unsupported URL scheme in 'mysql'"),
    ("DATABASE_READ_URL", {"DATABASE_READ_URL": "sqlite:///x"}, {}, "unsupported URL scheme in 'sqlite'"),
    ("REDIS_URL", {"REDIS_URL": "localhost:6379"}, {},
     "project_config.redis_url (env REDIS_URL): 'localhost:6379' is not a Redis URL. Fix: use redis://"),
    ("WORKER_MODE", {"WORKER_MODE": "both"}, {},
     "project_config.worker_mode (env WORKER_MODE): 'both' is not a worker mode. Fix: set WORKER_MODE"),
    ("MEDUSA_WORKER_MODE", {"MEDUSA_WORKER_MODE": "api"}, {}, "'api' is not a worker mode"),
    ("PORT", {"PORT": "eighty"}, {}, "project_config.port (env PORT): 'eighty' is not an integer"),
    ("PORT range", {"PORT": "70000"}, {}, "project_config.port (env PORT): 70000 is not a TCP port"),
    ("WORKER_HEALTH_PORT", {"WORKER_HEALTH_PORT": "x"}, {}, "project_config.worker_health_port (env WORKER_HEALTH_PORT)"),
    ("SHUTDOWN_TIMEOUT", {"SHUTDOWN_TIMEOUT": "soon"}, {},
     "project_config.shutdown_timeout_s (env SHUTDOWN_TIMEOUT): 'soon' is not a number"),
    ("STORE_CORS", {"STORE_CORS": "localhost:8000"}, {},
     "http.store_cors (env STORE_CORS): 'localhost:8000' is not an origin"),
    ("ADMIN_CORS", {"ADMIN_CORS": "https://a.example/"}, {},
     "http.admin_cors (env ADMIN_CORS): 'https://a.example/' is not an origin"),
    ("AUTH_CORS", {"AUTH_CORS": "/([a-z/"}, {}, "http.auth_cors (env AUTH_CORS): invalid regular expression"),
    ("JWT_EXPIRES_IN", {"JWT_EXPIRES_IN": "forever"}, {},
     "http.jwt_expires_in (env JWT_EXPIRES_IN): 'forever' is not a duration"),
    ("admin.path", {}, {"admin": {"path": "/store"}}, "admin.path: /store collides with an API route group"),
    ("modules entry", {}, {"modules": [{"options": {}}]}, "modules: entry {'options': {}} has neither resolve nor key"),
    ("modules key without resolve", {}, {"modules": [{"key": "blog"}]}, "modules[blog]: missing resolve"),
    ("session ttl", {}, {"project_config": {"session_options": {"ttl": "long"}}},
     "project_config.session_options.ttl"),
]


@pytest.mark.parametrize(("case", "env_vars", "kwargs", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_values_name_key_env_and_fix(cenv: pytest.MonkeyPatch, case: str, env_vars: dict[str, str],
                                             kwargs: dict[str, Any], message: str) -> None:
    for k, v in env_vars.items():
        cenv.setenv(k, v)
    with pytest.raises(ConfigError) as err:
        define_config(**kwargs)
    text = str(err.value)
    assert text.startswith("[config] ") and message in text
    assert "Fix: " in text


def test_parse_cors_regex_and_exact() -> None:
    entries = parse_cors("https://a.example, /\\.vercel\\.app$/i ,", key="k", env="E")
    assert entries[0] == "https://a.example"
    assert isinstance(entries[1], re.Pattern) and entries[1].search("X.VERCEL.APP")


@pytest.mark.parametrize(("value", "seconds"), [("1d", 86400), ("12h", 43200), ("30m", 1800), ("3600", 3600),
                                                (60, 60), ("1w", 604800)])
def test_durations(value: str | int, seconds: int) -> None:
    assert parse_duration(value) == seconds


def test_load_config_from_project_file(cenv: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "euryale_config.py").write_text(
        "import os\nfrom euryale.config import define_config\n"
        "config = define_config(project_config={'port': int(os.environ.get('PORT', 9300))})\n")
    cfg = load_config(tmp_path)
    assert cfg.project_config.port == 9300 and cfg.root == tmp_path.resolve()
    cenv.setenv("EURYALE_ROOT", str(tmp_path))
    assert load_config().project_config.port == 9300


def test_load_config_without_file_uses_env(cenv: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cenv.setenv("PORT", "9400")
    assert load_config(tmp_path).project_config.port == 9400


@pytest.mark.parametrize(("body", "message"), [
    ("raise RuntimeError('boom')\n", "euryale_config.py: failed to load (RuntimeError: boom)"),
    ("x = 1\n", "does not define `config = define_config(...)`"),
    ("from euryale.config import define_config\nconfig = define_config(project_config={'port': 'p'})\n",
     "project_config.port (env PORT): 'p' is not an integer"),
])
def test_load_config_reports_broken_files(cenv: pytest.MonkeyPatch, tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "euryale_config.py").write_text(body)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(tmp_path)
