"""`euryale.doctor`: each deployment pitfall is found, with its severity."""

from __future__ import annotations

import pytest

from euryale import doctor
from euryale.config import define_config
from tests.support import services

STRONG = "Zq7vL2pX9mK4wR8tY3nB6cF1hJ5dG0sAeUiOoPlMkNjHbVgC"
STRONG_2 = "Ab3De5Gh7Jk9Mn2Pq4St6Vw8Yz1Cf3Hj5Lm7Np9Rs2Tu4Wx6Z"
GOOD_HTTP = {"jwt_secret": STRONG, "cookie_secret": STRONG_2, "store_cors": "https://shop.example",
             "admin_cors": "https://admin.example", "auth_cors": "https://shop.example,https://admin.example"}


def codes(env: pytest.MonkeyPatch, *, http: dict[str, str] | None = None, **project: object) -> set[str]:
    cfg = define_config(project_config={"http": {**GOOD_HTTP, **(http or {})}, **project})
    return {f.code for f in doctor.diagnose(cfg, database=False)}


def test_clean_configuration_has_no_findings(env: pytest.MonkeyPatch) -> None:
    env.setenv("EURYALE_ENV", "production")
    env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    cfg = define_config(project_config={"http": GOOD_HTTP, "worker_mode": "server"},
                        modules=[{"resolve": "euryale.modules.event_bus_redis"},
                                 {"resolve": "euryale.modules.locking_redis"},
                                 {"resolve": "euryale.modules.workflow_engine_redis"}])
    assert doctor.diagnose(cfg, database=False) == []


def test_default_secrets_are_fatal_in_production_only(env: pytest.MonkeyPatch) -> None:
    cfg = define_config(project_config={"http": {k: v for k, v in GOOD_HTTP.items() if "secret" not in k}})
    findings = doctor.diagnose(cfg, database=False)
    assert {f.code for f in findings} == {"jwt_secret_default", "cookie_secret_default"}
    assert all(f.severity == "fatal" for f in findings)
    assert not doctor.is_fatal(findings, cfg)  # development: reported, not refused
    env.setenv("EURYALE_ENV", "production")
    prod = define_config(project_config={"http": {k: v for k, v in GOOD_HTTP.items() if "secret" not in k}})
    assert doctor.is_fatal(doctor.diagnose(prod, database=False), prod)
    assert "JWT_SECRET" in doctor.diagnose(prod, database=False)[0].render(True)


@pytest.mark.parametrize(("secret", "code"), [
    ("supersecret", "jwt_secret_default"),
    ("short-but-random-Zx9", "jwt_secret_short"),
    ("a" * 64, "jwt_secret_weak"),
    ("mysupersecretpassword-for-the-shop-2024", "jwt_secret_weak"),
    ("abababababababababababababababababababab", "jwt_secret_weak"),
])
def test_weak_jwt_secrets(env: pytest.MonkeyPatch, secret: str, code: str) -> None:
    assert codes(env, http={"jwt_secret": secret}) == {code}


def test_weak_cookie_secret(env: pytest.MonkeyPatch) -> None:
    assert codes(env, http={"cookie_secret": "x" * 40}) == {"cookie_secret_weak"}


def test_cors_wildcard_with_credentials(env: pytest.MonkeyPatch) -> None:
    assert codes(env, http={"store_cors": "*"}) == {"store_cors_wildcard"}


def test_cors_missing(env: pytest.MonkeyPatch) -> None:
    assert codes(env, http={"admin_cors": ""}) == {"admin_cors_missing"}


def test_cors_malformed_is_reported_not_raised(env: pytest.MonkeyPatch) -> None:
    cfg = define_config(project_config={"http": GOOD_HTTP})
    cfg.project_config.http.auth_cors = "https://ok.example,not an origin/"
    found = {f.code: f for f in doctor.diagnose(cfg, database=False)}
    assert "auth_cors_malformed" in found
    assert "not an origin" in found["auth_cors_malformed"].message


def test_cors_left_on_localhost_defaults_in_production(env: pytest.MonkeyPatch) -> None:
    env.setenv("EURYALE_ENV", "production")
    env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    cfg = define_config(project_config={"http": {"jwt_secret": STRONG, "cookie_secret": STRONG_2},
                                        "worker_mode": "server"},
                        modules=[{"resolve": "euryale.modules.event_bus_redis"},
                                 {"resolve": "euryale.modules.locking_redis"},
                                 {"resolve": "euryale.modules.workflow_engine_redis"}])
    assert {f.code for f in doctor.diagnose(cfg, database=False)} == {
        "store_cors_default", "admin_cors_default", "auth_cors_default"}


@pytest.mark.parametrize("mode", ["server", "worker"])
def test_split_processes_on_in_memory_modules(env: pytest.MonkeyPatch, mode: str) -> None:
    cfg = define_config(project_config={"http": GOOD_HTTP, "worker_mode": mode})
    [finding] = doctor.diagnose(cfg, database=False)
    assert finding.code == "split_in_memory" and finding.severity == "fatal"
    assert "event bus" in finding.message and "locking" in finding.message and "workflow engine" in finding.message
    # only the in-memory ones are named
    env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    partial = define_config(project_config={"http": GOOD_HTTP, "worker_mode": mode},
                            modules=[{"resolve": "euryale.modules.event_bus_redis"},
                                     {"resolve": "euryale.modules.workflow_engine_redis"}])
    [finding] = doctor.diagnose(partial, database=False)
    assert "locking" in finding.message and "event bus" not in finding.message


def test_shared_mode_in_production_is_a_warning(env: pytest.MonkeyPatch) -> None:
    env.setenv("EURYALE_ENV", "production")
    cfg = define_config(project_config={"http": GOOD_HTTP, "worker_mode": "shared"})
    findings = doctor.diagnose(cfg, database=False)
    assert [(f.code, f.severity) for f in findings] == [("shared_in_production", "warning")]
    assert not doctor.is_fatal(findings, cfg)


def test_missing_database_url(env: pytest.MonkeyPatch) -> None:
    cfg = define_config(project_config={"http": GOOD_HTTP})
    assert [f.code for f in doctor.check_database(cfg)] == ["database_missing"]


def test_redis_module_without_url_is_reported(env: pytest.MonkeyPatch) -> None:
    cfg = define_config(project_config={"http": GOOD_HTTP}, modules=[{"resolve": "euryale.modules.event_bus_redis"}])
    [finding] = doctor.diagnose(cfg, database=False)
    assert finding.code == "module_config" and "REDIS_URL" in finding.message and finding.severity == "fatal"


def test_unknown_module_is_reported(env: pytest.MonkeyPatch) -> None:
    cfg = define_config(project_config={"http": GOOD_HTTP}, modules=[{"resolve": "no_such_pkg.blog"}])
    [finding] = doctor.diagnose(cfg, database=False)
    assert finding.code == "module_config" and "cannot import 'no_such_pkg.blog'" in finding.message


def test_unreachable_redis(env: pytest.MonkeyPatch) -> None:
    cfg = define_config(project_config={"http": GOOD_HTTP, "redis_url": "redis://127.0.0.1:1/0"})
    assert [f.code for f in doctor.check_redis(cfg)] == ["redis_unreachable"]
    reachable = define_config(project_config={"http": GOOD_HTTP, "redis_url": services.redis_url()})
    assert doctor.check_redis(reachable) == []


async def test_pools_that_leave_no_room_for_a_worker_are_reported(database: services.TestDatabase,
                                                                   env: pytest.MonkeyPatch) -> None:
    import asyncio

    def budget(processes: int, **pool: int) -> list[doctor.Finding]:
        cfg = define_config(project_config={"http": GOOD_HTTP, "database_url": database.dsn,
                                            "database_driver_options": {"pool": pool} if pool else {}})
        return doctor.check_connection_budget(cfg, processes=processes)

    # this machine's PostgreSQL: max_connections 100 with 3 reserved unless configured otherwise
    available = int(await _available(database.dsn))
    assert await asyncio.to_thread(budget, 1) == []  # 20 of them
    [finding] = await asyncio.to_thread(budget, 1, max=available // 2 + 1)
    assert finding.code == "database_connections" and finding.severity == "warning"
    assert f"pool max {available // 2 + 1}" in finding.message and "PgBouncer" in finding.fix
    # `euryale start --workers N` multiplies the pool
    assert [f.code for f in await asyncio.to_thread(budget, available // 40 + 1)] == ["database_connections"]
    assert await asyncio.to_thread(budget, 1, max=available // 2) == []


async def _available(dsn: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT current_setting('max_connections')::int - "
                                       "current_setting('superuser_reserved_connections')::int"))
    finally:
        await conn.close()


async def test_a_database_migrated_by_a_newer_version_is_named_as_such(env: pytest.MonkeyPatch) -> None:
    """Rolling a deployment back to an older image: the database is at a revision this code has no file for."""
    import asyncio

    db = await services.create_database("newer")
    try:
        await services.migrate_as_newer_version(db, "links_0999")
        cfg = define_config(project_config={"http": GOOD_HTTP, "database_url": db.dsn})
        [finding] = await asyncio.to_thread(doctor.check_database, cfg)
        assert finding.code == "schema_newer" and finding.severity == "fatal"
        assert "'links_0999'" in finding.message and "newer version" in finding.message
        assert "db:rollback" in finding.fix
    finally:
        await services.drop_database(db)
