"""@medusajs/js-sdk 2.21.2, unmodified, against a real `euryale start` process.

One database of its own: `euryale db:migrate`, the demo seed (`euryale exec setup_shop.py`) and an admin user
(`euryale user`), then a `euryale start` process (WORKER_MODE=shared, a free port, strong secrets, EURYALE_ENV
unset). `storefront.mjs` and `admin.mjs` print one JSON line per step and exit non-zero on the first failed assertion.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.support import services
from tests.support.pgbouncer import pgbouncer_binary, start_pgbouncer
from tests.support.replica import start_replica_pair
from tests.support.servers import EuryaleProcess, free_port, process_env, run_cli

E2E_DIR = Path(__file__).resolve().parent
# Steps after which a script stops (passing `--until`) when later routes are known to be missing; "" runs all.
# The script prints a loud STOPPED EARLY banner listing the steps it did not run.
STOREFRONT_UNTIL = os.environ.get("E2E_STOREFRONT_UNTIL", "")
ADMIN_UNTIL = os.environ.get("E2E_ADMIN_UNTIL", "")
ADMIN_EMAIL = "e2e-admin@euryale.dev"
ADMIN_PASSWORD = "e2e-Admin-Passw0rd!"
def _project_config(project_config: dict[str, Any] | None = None) -> str:
    """The shop's project config: everything from the env but `project_config`, plus the auth module's MFA key (no
    env var exists for it, as in Medusa) so mfa.mjs can enrol a TOTP factor."""
    return f"""from euryale.config import define_config

config = define_config(project_config={project_config or {}!r},
                       modules=[{{"resolve": "euryale.modules.auth",
                                 "options": {{"mfa": {{"encryption_key": "e2e-mfa-encryption-key"}}}}}}])
"""


PROJECT_CONFIG = _project_config()
# ... and, behind a transaction-mode pooler, no statement outliving its transaction (docs/deploy.md)
POOLED_PROJECT_CONFIG = _project_config({"database_driver_options": {"statement_cache": False}})


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the @medusajs/js-sdk end-to-end tests need Node.js >= 18")
    if not (E2E_DIR / "node_modules" / "@medusajs" / "js-sdk").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot install @medusajs/js-sdk (tests/e2e/package-lock.json)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=E2E_DIR, check=True,
                       timeout=300)
    return node


@dataclass
class Shop:
    url: str
    publishable_key: str
    server: EuryaleProcess
    db: services.TestDatabase


async def _publishable_key(db: services.TestDatabase) -> str:
    """A publishable key token the demo seed created."""
    conn = await asyncpg.connect(db.dsn)
    try:
        token = await conn.fetchval(
            "SELECT token FROM api_key WHERE type = 'publishable' AND revoked_at IS NULL "
            "ORDER BY created_at LIMIT 1")
    finally:
        await conn.close()
    assert token, "the demo seed created no publishable key"
    return str(token)


@asynccontextmanager
async def _running_shop(db: services.TestDatabase, *, project_config: str = PROJECT_CONFIG,
                        server_env: dict[str, str] | None = None) -> AsyncIterator[Shop]:
    """`db` migrated and seeded (directly), an admin user, and a `euryale start` process on it (`server_env`:
    what its environment changes, e.g. the database it goes through)."""
    server: EuryaleProcess | None = None
    root = Path(tempfile.mkdtemp(prefix="euryale-e2e-"))
    (root / "euryale_config.py").write_text(project_config)
    try:
        env = process_env(db.dsn, WORKER_MODE="shared", EURYALE_ROOT=str(root))
        res = await asyncio.to_thread(run_cli, ["db:migrate"], env)
        assert res.returncode == 0, f"euryale db:migrate failed:\n{res.stdout}\n{res.stderr}"
        res = await asyncio.to_thread(run_cli, ["exec", str(E2E_DIR / "setup_shop.py")], env)
        assert res.returncode == 0, f"euryale exec setup_shop.py (demo seed) failed:\n{res.stdout}\n{res.stderr}"
        res = await asyncio.to_thread(run_cli, ["user", "-e", ADMIN_EMAIL, "-p", ADMIN_PASSWORD], env)
        assert res.returncode == 0, f"euryale user failed:\n{res.stdout}\n{res.stderr}"
        key = await _publishable_key(db)
        port = free_port()
        server = EuryaleProcess("e2e-server", {**env, **(server_env or {}), "PORT": str(port)}).start()
        url = f"http://127.0.0.1:{port}"
        await asyncio.to_thread(server.wait_http, f"{url}/health", timeout=30)
        yield Shop(url=url, publishable_key=key, server=server, db=db)
    finally:
        if server is not None:
            code = await asyncio.to_thread(server.stop)
            logs = server.logs()
            server.cleanup()
            if code not in (0, None):
                print(f"euryale start exited with {code}:\n{logs}")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
async def shop() -> AsyncIterator[Shop]:
    _node()
    db = await services.create_database("e2e")
    try:
        async with _running_shop(db) as running:
            yield running
    finally:
        await services.drop_database(db)


@pytest.fixture(params=["read_replica", "pgbouncer"])
async def production_shop(request: pytest.FixtureRequest) -> AsyncIterator[Shop]:
    """The shop behind what production puts in front of PostgreSQL: a streaming replica answering the store
    catalog (tests/support/replica.py), or a transaction-mode PgBouncer (tests/support/pgbouncer.py)."""
    _node()
    if request.param == "read_replica":
        pair = await asyncio.to_thread(start_replica_pair)
        try:
            db = await pair.create_database("e2e")
            async with _running_shop(db, server_env={"DATABASE_READ_URL": pair.standby_dsn("e2e")}) as running:
                yield running
        finally:
            await asyncio.to_thread(pair.stop)
        return
    if pgbouncer_binary() is None:
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)")
    bouncer = await asyncio.to_thread(start_pgbouncer, services.admin_postgres_dsn())
    db = await services.create_database("e2e")
    try:
        async with _running_shop(db, project_config=POOLED_PROJECT_CONFIG,
                                 server_env={"DATABASE_URL": bouncer.dsn(db.name)}) as running:
            yield running
    finally:
        await services.drop_database(db)
        await asyncio.to_thread(bouncer.stop)


def _run_script(script: str, env: dict[str, str], until: str) -> list[dict[str, Any]]:
    args = [_node(), script] + (["--until", until] if until else [])
    res = subprocess.run(args, cwd=E2E_DIR, env={**os.environ, **env}, capture_output=True, text=True, timeout=240,
                         check=False)
    lines = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    print(res.stdout)  # one JSON line per step: visible with -s and in the report of a failure
    failed = [line for line in lines if line.get("ok") is False]
    detail = failed[0] if failed else {"stdout": res.stdout[-3000:]}
    assert res.returncode == 0, (f"{script} failed at step {detail.get('step')!r}: HTTP {detail.get('status')} "
                                 f"{detail.get('error')}\n{res.stderr[-3000:]}")
    assert lines and lines[-1].get("done") is True, f"{script} did not finish: {res.stdout[-2000:]}"
    if until:
        print(res.stderr)  # the STOPPED EARLY banner, visible with -s / in the CI log of failures
    return lines


async def test_storefront_checkout_with_js_sdk(shop: Shop) -> None:
    lines = await asyncio.to_thread(_run_script, "storefront.mjs", {
        "EURYALE_URL": shop.url, "EURYALE_PUBLISHABLE_KEY": shop.publishable_key}, STOREFRONT_UNTIL)
    steps = {line["step"]: line for line in lines if "step" in line}
    assert all(line["ok"] for line in steps.values())
    if not STOREFRONT_UNTIL:
        assert steps["complete"]["order"].startswith("order_")
        assert steps["complete_again_idempotent"]["order"] == steps["complete"]["order"]


async def test_storefront_checkout_with_js_sdk_in_production_topologies(production_shop: Shop) -> None:
    """The same storefront run with the catalog read from a replica, or everything through PgBouncer."""
    lines = await asyncio.to_thread(_run_script, "storefront.mjs", {
        "EURYALE_URL": production_shop.url, "EURYALE_PUBLISHABLE_KEY": production_shop.publishable_key}, "")
    steps = {line["step"]: line for line in lines if "step" in line}
    assert all(line["ok"] for line in steps.values())
    assert steps["complete"]["order"].startswith("order_")
    if "DATABASE_READ_URL" in production_shop.server.env:
        # the replica was in use (not every read quietly on the primary)
        metrics = await asyncio.to_thread(_get, f"{production_shop.url}/metrics")
        assert 'euryale_db_replica_usable{engine="main"} 1.0' in metrics


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as res:
        return str(res.read().decode())


async def test_admin_shop_setup_and_order_lifecycle_with_js_sdk(shop: Shop) -> None:
    lines = await asyncio.to_thread(_run_script, "admin.mjs", {
        "EURYALE_URL": shop.url, "EURYALE_ADMIN_EMAIL": ADMIN_EMAIL, "EURYALE_ADMIN_PASSWORD": ADMIN_PASSWORD},
        ADMIN_UNTIL)
    steps = {line["step"]: line for line in lines if "step" in line}
    assert all(line["ok"] for line in steps.values())
    if not ADMIN_UNTIL:
        assert steps["return"]["stocked"] == 9


async def test_mfa_and_verification_with_js_sdk(shop: Shop) -> None:
    """Runs last: the admin enrols, answers challenges, and disables the factor again."""
    lines = await asyncio.to_thread(_run_script, "mfa.mjs", {
        "EURYALE_URL": shop.url, "EURYALE_ADMIN_EMAIL": ADMIN_EMAIL, "EURYALE_ADMIN_PASSWORD": ADMIN_PASSWORD}, "")
    steps = {line["step"]: line for line in lines if "step" in line}
    assert list(steps) == ["login", "enrol_totp", "login_answers_challenge", "verify_challenge_totp",
                           "verify_challenge_recovery_code", "verification_request_confirm", "disable"]
    assert all(line["ok"] for line in steps.values())
