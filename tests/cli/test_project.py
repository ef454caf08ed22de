"""`euryale new` → `build` → `db:migrate` → `exec`/`user`/`db:generate` → `start`, end to end on a scaffold."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.cli.procs import STRONG_SECRET, STRONG_SECRET_2, cli_env, cli_process, free_port, run_cli, stop, wait_http
from tests.support import services


@pytest.fixture
async def project_db() -> AsyncIterator[services.TestDatabase]:
    db = await services.create_database("project")
    try:
        yield db
    finally:
        await services.drop_database(db)


def _serve_scaffold(env: dict[str, str], shop: Path) -> None:
    port = free_port()
    with cli_process(["start"], {**env, "PORT": str(port), "JWT_SECRET": STRONG_SECRET,
                                 "COOKIE_SECRET": STRONG_SECRET_2}, shop) as proc:
        wait_http(f"http://127.0.0.1:{port}/health", proc)
        r = httpx.get(f"http://127.0.0.1:{port}/store/hello?name=Grace")
        assert r.status_code == 200
        assert r.json()["greeting"]["message"] == "Hello, Grace!"
        assert r.json()["greeting"]["id"].startswith("greet_")
        assert stop(proc)[0] == 0


async def test_new_build_migrate_exec_generate_start(project_db: services.TestDatabase, tmp_path: Path) -> None:
    env = cli_env(project_db.dsn)
    made = await asyncio.to_thread(run_cli, ["new", "shop"], env, tmp_path)
    assert made.returncode == 0, made.stderr
    shop = tmp_path / "shop"
    for rel in ("euryale_config.py", ".env.example", "Dockerfile", "src/api/hello.py", "src/subscribers/order_placed.py",
                "src/jobs/hello_job.py", "src/workflows/hello.py", "src/modules/greeting/__init__.py",
                "src/modules/greeting/migrations/20260101_0001_initial.py"):
        assert (shop / rel).is_file(), rel
    example = (shop / ".env.example").read_text()
    for var in ("DATABASE_URL", "REDIS_URL", "WORKER_MODE", "JWT_SECRET", "COOKIE_SECRET", "STORE_CORS", "ADMIN_CORS",
                "AUTH_CORS", "PORT", "HOST"):
        assert f"{var}=" in example, var
    # independent steps run side by side to keep the suite fast
    again, built, migrated = await asyncio.gather(
        asyncio.to_thread(run_cli, ["new", "shop"], env, tmp_path),
        asyncio.to_thread(run_cli, ["build"], env, shop),
        asyncio.to_thread(run_cli, ["db:migrate"], env, shop),
    )
    assert again.returncode == 1 and "not empty" in again.stderr
    assert built.returncode == 0, built.stderr
    assert "1 routes, 1 subscribers, 1 jobs, 1 workflows" in built.stdout
    assert migrated.returncode == 0, migrated.stderr
    assert "applied  greeting_0001" in migrated.stdout  # the user module's migration joins the graph

    # db:generate compares the module's models with the migrated database: a new column becomes add_column
    models = shop / "src/modules/greeting/models.py"
    models.write_text(models.read_text().replace(
        '    Column("message", Text, nullable=False),\n',
        '    Column("message", Text, nullable=False),\n    Column("nickname", Text, nullable=True),\n'))
    admin = f"admin-{uuid.uuid4().hex[:8]}@shop.example"
    ran, generated, user = await asyncio.gather(
        asyncio.to_thread(run_cli, ["exec", "src/scripts/hello.py", "Ada"], env, shop),
        asyncio.to_thread(run_cli, ["db:generate", "greeting", "-m", "add nickname"], env, shop),
        asyncio.to_thread(run_cli, ["user", "-e", admin, "-p", "s3cret-Passw0rd"], env, shop),
    )
    assert user.returncode == 0 and "User created successfully" in user.stdout, user.stderr
    twice = await asyncio.to_thread(run_cli, ["user", "-e", admin, "-p", "other"], env, shop)
    assert twice.returncode == 1 and "already exists" in twice.stderr and "Traceback" not in twice.stderr
    assert ran.returncode == 0, ran.stderr
    assert "Hello, Ada! (1 greeting(s) stored)" in ran.stdout
    assert generated.returncode == 0, generated.stderr
    [new_file] = [p for p in (shop / "src/modules/greeting/migrations").glob("*_0002_add_nickname.py")]
    body = new_file.read_text()
    assert "revision = 'greeting_0002'" in body and "down_revision = 'greeting_0001'" in body
    assert "op.add_column('greeting', sa.Column('nickname', sa.Text(), nullable=True))" in body, body
    assert "op.drop_column('greeting', 'nickname')" in body, body
    # only the module's own tables are compared: the core tables (absent from its models) are never dropped
    assert "drop_table" not in body and "create_table" not in body, body
    second = await asyncio.to_thread(run_cli, ["db:migrate"], env, shop)
    assert second.returncode == 0 and "applied  greeting_0002" in second.stdout
    unchanged = await asyncio.to_thread(run_cli, ["db:generate", "greeting"], env, shop)
    empty = await asyncio.to_thread(run_cli, ["db:generate", "greeting", "--empty", "-m", "by hand"], env, shop)
    assert unchanged.returncode == 0 and "No changes" in unchanged.stdout, unchanged.stdout + unchanged.stderr
    assert empty.returncode == 0, empty.stderr
    [by_hand] = (shop / "src/modules/greeting/migrations").glob("*_0003_by_hand.py")
    assert "def upgrade() -> None:\n    pass" in by_hand.read_text()
    by_hand.unlink()
    conn = await asyncpg.connect(project_db.dsn)
    try:
        cols = {r["column_name"] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'greeting'")}
    finally:
        await conn.close()
    assert "nickname" in cols

    await asyncio.to_thread(_serve_scaffold, env, shop)

    rolled = await asyncio.to_thread(run_cli, ["db:rollback", "greeting"], env, shop)
    assert rolled.returncode == 0 and "rolled back one migration of greeting" in rolled.stdout, rolled.stderr
    status = await asyncio.to_thread(run_cli, ["db:status"], env, shop)
    assert status.stdout.splitlines()[-2:] == ["pending  greeting_0002", "1 pending migration(s)"]


async def test_build_lists_every_problem(tmp_path: Path) -> None:
    from euryale.cli.project import new

    env = cli_env(None)
    new(str(tmp_path / "broken"), force=False)  # in-process: the subprocess path is covered above
    shop = tmp_path / "broken"
    (shop / "src/jobs/bad_cron.py").write_text(
        'config = {"name": "bad", "schedule": "every minute"}\n\nasync def handler(container):\n    pass\n')
    (shop / "src/subscribers/no_event.py").write_text("async def handler(event, container):\n    pass\n")
    (shop / "src/api/syntax.py").write_text("router = (\n")
    r = await asyncio.to_thread(run_cli, ["build"], env, shop)
    assert r.returncode == 1
    assert "build failed: 3 problem(s)" in r.stderr
    assert "job src/jobs/bad_cron.py: schedule 'every minute' is not a valid cron expression" in r.stderr
    assert "subscriber src/subscribers/no_event.py" in r.stderr
    assert "route src/api/syntax.py: import failed (SyntaxError" in r.stderr


def test_scaffolded_config_moves_to_redis_modules_with_redis_url(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    from euryale import doctor
    from euryale.cli.project import new
    from euryale.config import DEFAULT_MODULES, REDIS_MODULES, load_config

    env.setattr(sys, "path", list(sys.path))  # load_config puts the project root on sys.path
    new(str(tmp_path / "shop"), force=False)
    shop = tmp_path / "shop"
    try:
        plain = load_config(shop)
        assert {k: plain.modules[k].resolve for k in DEFAULT_MODULES} == DEFAULT_MODULES
        env.setenv("REDIS_URL", services.redis_url())
        env.setenv("WORKER_MODE", "server")
        split = load_config(shop)
        assert {k: split.modules[k].resolve for k in REDIS_MODULES} == REDIS_MODULES
        assert split.modules["greeting"].options == {"default_name": "world"}
        codes = {f.code for f in doctor.diagnose(split, database=False)}
        assert not codes & {"split_in_memory", "module_config", "module_load"}, codes
    finally:
        for name in [m for m in sys.modules if m == "src" or m.startswith("src.")]:
            del sys.modules[name]


def test_build_uses_the_worker_loaders(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import shutil
    import sys

    from euryale.cli.project import new, validate_project

    env.setattr(sys, "path", list(sys.path))
    new(str(tmp_path / "dupes"), force=False)
    shop = tmp_path / "dupes"
    shutil.copy(shop / "src/jobs/hello_job.py", shop / "src/jobs/hello_again.py")
    try:
        problems, _ = validate_project(shop)
    finally:
        for name in [m for m in sys.modules if m == "src" or m.startswith("src.")]:
            del sys.modules[name]
    assert problems == ["jobs: ValueError: duplicate job names: ['hello-every-minute']"]
