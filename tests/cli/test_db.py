"""`euryale db:*` against real PostgreSQL: concurrent migrate, status, create."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from euryale.db import migrate
from tests.cli.procs import EURYALE, cli_env, run_cli
from tests.support import services
from tests.support.services import admin_postgres_dsn, create_database, drop_database


@pytest.fixture
async def empty_db() -> AsyncIterator[services.TestDatabase]:
    db = await create_database("cli")
    try:
        yield db
    finally:
        await drop_database(db)


async def test_three_concurrent_migrations_apply_each_revision_once(empty_db: services.TestDatabase, tmp_path: Path) -> None:
    env = cli_env(empty_db.dsn)
    before = await asyncio.to_thread(run_cli, ["db:status"], env, tmp_path)
    assert before.returncode == 0 and "pending  region_0001" in before.stdout
    procs = [subprocess.Popen([EURYALE, "db:migrate"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [await asyncio.to_thread(p.communicate, timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [r[1] for r in results]
    applied = [line.split()[1] for out, _ in results for line in out.splitlines() if line.startswith("applied ")]
    assert await asyncio.to_thread(migrate.pending, empty_db.url) == []  # nothing left...
    all_revisions = migrate.alembic_config(empty_db.url)
    from alembic.script import ScriptDirectory

    revisions = {r.revision for r in ScriptDirectory.from_config(all_revisions).walk_revisions()}
    # ...and each revision was applied by exactly one of the three processes
    assert sorted(applied) == sorted(revisions)
    assert sum("Database is up to date." in out for out, _ in results) >= 1
    conn = await asyncpg.connect(empty_db.dsn)
    try:
        heads = {r["version_num"] for r in await conn.fetch("SELECT version_num FROM alembic_version")}
        tables = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
    finally:
        await conn.close()
    script = ScriptDirectory.from_config(all_revisions)
    assert heads == set(script.get_heads())
    after = await asyncio.to_thread(run_cli, ["db:status"], env, tmp_path)
    assert after.stdout.strip().endswith("0 pending migration(s)")
    assert {"product", "region", "cart", "order", "event_outbox", "product_sales_channel"} <= tables


async def test_db_create_creates_once(tmp_path: Path) -> None:
    name = f"euryale_test_create_{uuid.uuid4().hex[:8]}"
    base = admin_postgres_dsn().rsplit("/", 1)[0]
    env = cli_env(f"{base}/{name}")
    try:
        first = await asyncio.to_thread(run_cli, ["db:create"], env, tmp_path)
        assert first.returncode == 0, first.stderr
        assert f"Database {name} created." in first.stdout
        again = await asyncio.to_thread(run_cli, ["db:create"], env, tmp_path)
        assert again.returncode == 0 and "already exists" in again.stdout
    finally:
        await drop_database(services.TestDatabase(name=name, dsn=f"{base}/{name}"))


async def test_migrate_without_database_url_names_the_fix(tmp_path: Path) -> None:
    r = await asyncio.to_thread(run_cli, ["db:migrate"], cli_env(None), tmp_path)
    assert r.returncode == 1
    assert "DATABASE_URL" in r.stderr and "Traceback" not in r.stderr


async def test_migrate_names_a_database_migrated_by_a_newer_version(empty_db: services.TestDatabase,
                                                                    tmp_path: Path) -> None:
    """A deployment rolled back to an older image: one line saying what happened and what to do, exit 1."""
    await services.migrate_as_newer_version(empty_db, "links_0999")
    res = await asyncio.to_thread(run_cli, ["db:migrate"], cli_env(empty_db.dsn), tmp_path)
    assert res.returncode == 1
    assert "'links_0999'" in res.stderr and "newer version migrated it" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr


async def test_a_failed_migration_run_changes_nothing(empty_db: services.TestDatabase, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A run is one transaction: a revision that fails takes the run's earlier revisions (core and its own module's
    first one) with it, and the lock with them (the next run is not kept waiting)."""
    package = f"failing_{uuid.uuid4().hex[:8]}"
    migrations = tmp_path / package / "migrations"
    migrations.mkdir(parents=True)
    (tmp_path / package / "__init__.py").write_text("")
    (migrations / "__init__.py").write_text("")
    (migrations / "0001_table.py").write_text(
        f'from alembic import op\nrevision = "{package}_0001"\ndown_revision = None\n'
        f'branch_labels = ("{package}",)\ndepends_on = None\n'
        f'def upgrade():\n    op.execute("CREATE TABLE {package}_thing (id text PRIMARY KEY)")\n')
    (migrations / "0002_broken.py").write_text(
        f'from alembic import op\nrevision = "{package}_0002"\ndown_revision = "{package}_0001"\n'
        'branch_labels = None\ndepends_on = None\n'
        'def upgrade():\n    op.execute("ALTER TABLE no_such_table ADD COLUMN x int")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(Exception, match="no_such_table"):
        await asyncio.to_thread(migrate.upgrade, empty_db.url, "heads", [package])
    conn = await asyncpg.connect(empty_db.dsn)
    try:
        tables = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
    finally:
        await conn.close()
    assert tables == set()  # neither the core tables nor the module's first table, nor alembic_version
    applied = await asyncio.wait_for(asyncio.to_thread(migrate.upgrade, empty_db.url), timeout=120)
    assert "region_0001" in applied
