"""`euryale user` end to end in a subprocess: creates a user that can log in; an existing email exits 1."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from tests.cli.procs import STRONG_SECRET, cli_env, run_cli
from tests.support import services


async def test_user_command_creates_login_and_refuses_duplicates(
        migrated: services.TestDatabase, tmp_path: Path, client: httpx.AsyncClient) -> None:
    email = f"cli-{uuid.uuid4().hex[:10]}@example.com"
    env = cli_env(migrated.dsn, JWT_SECRET=STRONG_SECRET, COOKIE_SECRET=STRONG_SECRET)
    done = run_cli(["user", "-e", email, "-p", "cli-password"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "User created successfully" in done.stdout and email in done.stdout

    # the in-process app shares the database: the new admin logs in and sees itself
    r = await client.post("/auth/user/emailpass", json={"email": email, "password": "cli-password"})
    assert r.status_code == 200
    me = await client.get("/admin/users/me", headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert me.json()["user"]["email"] == email

    again = run_cli(["user", "-e", email, "-p", "other"], env, tmp_path)
    assert again.returncode == 1
    assert f"A user with email {email} already exists" in again.stderr
    assert "Traceback" not in again.stderr


async def test_user_command_invite_and_missing_password(migrated: services.TestDatabase, tmp_path: Path) -> None:
    env = cli_env(migrated.dsn, JWT_SECRET=STRONG_SECRET, COOKIE_SECRET=STRONG_SECRET)
    done = run_cli(["user", "-e", f"inv-{uuid.uuid4().hex[:8]}@example.com", "--invite"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Invite token: ey" in done.stdout
    missing = run_cli(["user", "-e", "x@example.com"], env, tmp_path)
    assert missing.returncode == 1 and "--password is required" in missing.stderr
