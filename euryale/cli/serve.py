"""Process commands: `start` (production), `develop` (embedded database, demo data, auto-reload), `doctor`."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import os
import secrets
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import text

from euryale import doctor
from euryale.cli.main import app, config_or_exit
from euryale.config import EuryaleConfig
from euryale.logging import configure_logging

ADMIN_EMAIL = "admin@euryale.dev"
# findings that refuse `start` in every environment: serving on an unmigrated or missing database only fails later
ALWAYS_REFUSE = ("pending_migrations", "database_missing", "database_unreachable", "module_config", "module_load",
                 "redis_unreachable")


def _print_findings(findings: list[doctor.Finding], config: EuryaleConfig) -> None:
    for finding in findings:
        fatal = finding.severity == "fatal" and config.is_production
        typer.secho(finding.render(config.is_production), fg="red" if fatal else "yellow", err=True)


@app.command("doctor")
def doctor_command(
    skip_database: bool = typer.Option(False, "--skip-database", help="do not connect to PostgreSQL"),
) -> None:
    """Check the configuration for deployment pitfalls; exits 1 in production when one is fatal."""
    config = config_or_exit()
    findings = doctor.diagnose(config, database=not skip_database)
    _print_findings(findings, config)
    env = f"environment {config.env_name}, worker mode {config.project_config.worker_mode}"
    if doctor.is_fatal(findings, config):
        fatal = sum(1 for f in findings if f.severity == "fatal")
        typer.secho(f"doctor: {fatal} fatal finding(s) in production ({env})", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(f"doctor: {len(findings)} finding(s), none fatal here ({env})" if findings
               else f"doctor: no findings ({env})")


@app.command("start")
def start(
    host: str | None = typer.Option(None, "--host", "-H", help="bind address (default: HOST or 0.0.0.0)"),
    port: int | None = typer.Option(None, "--port", "-p", help="API port (default: PORT or 9000)"),
    workers: int = typer.Option(1, "--workers", "-w", "--cluster", envvar="WEB_CONCURRENCY", min=1,
                                help="processes sharing the port (`--cluster` as in `medusa start`)"),
) -> None:
    """Production entry: serve per WORKER_MODE (server, worker or shared) after the doctor's checks."""
    from euryale.runtime import pause_gc_for_startup, serve

    pause_gc_for_startup()

    config = config_or_exit()
    configure_logging(json_logs=config.is_production, level=os.environ.get("LOG_LEVEL", "INFO"))
    findings = doctor.diagnose(config, processes=workers)
    _print_findings(findings, config)
    blocking = [f for f in findings if f.code in ALWAYS_REFUSE]
    if blocking:
        for finding in blocking:
            typer.secho(f"refusing to start: {finding.message}. Fix: {finding.fix}", fg="red", err=True)
        raise typer.Exit(1)
    if doctor.is_fatal(findings, config):
        typer.secho("refusing to start in production: fix the FATAL findings above (see `euryale doctor`)",
                    fg="red", err=True)
        raise typer.Exit(1)
    serve(config, host=host, port=port, workers=workers)


# --- develop -------------------------------------------------------------------------------------------------


def _start_embedded_postgres(root: Path) -> str:
    """Start (or reuse) the project's embedded PostgreSQL under `.euryale/pg`; returns its URL."""
    import pgserver

    data = root / ".euryale" / "pg"
    data.parent.mkdir(parents=True, exist_ok=True)
    # "stop": the server stops when this (the develop) process exits; data stays for the next run
    server = pgserver.get_server(data, cleanup_mode="stop")  # type: ignore[attr-defined,unused-ignore]
    uri = str(server.get_uri())
    # pgserver gives a unix-socket URI: postgresql://postgres:@/postgres?host=/path
    return uri


async def _first_run(config: EuryaleConfig, state_file: Path) -> dict[str, Any]:
    """Seed demo data and create the admin user (each only when its provider exists); returns what to print."""
    from euryale.boot import build_container

    state: dict[str, Any] = {}
    container = build_container(config)
    await container.start()
    try:
        try:
            seed_module = importlib.import_module("euryale.seed")
        except ModuleNotFoundError:
            seed_module = None
        seed_demo = getattr(seed_module, "seed_demo", None)
        if seed_demo is None:
            typer.echo("demo data: skipped (euryale.seed.seed_demo is not available yet)")
        else:
            result = seed_demo(container)
            if inspect.isawaitable(result):
                result = await result
            state["seed"] = result if isinstance(result, dict | list | str | int) else str(result)
            typer.echo("demo data: seeded")
        try:
            commands = importlib.import_module("euryale.modules.user.commands")
        except ModuleNotFoundError:
            commands = None
        create_admin = getattr(commands, "create_admin_user", None)
        if create_admin is None:
            typer.echo("admin user: skipped (euryale.modules.user.commands.create_admin_user is not available yet)")
        else:
            password = secrets.token_urlsafe(12)
            made = create_admin(container, email=ADMIN_EMAIL, password=password)
            if inspect.isawaitable(made):
                await made
            state["admin"] = {"email": ADMIN_EMAIL, "password": password}
    finally:
        await container.stop()
    state_file.write_text(json.dumps(state, indent=2, default=str))
    return state


async def _publishable_key(config: EuryaleConfig) -> str | None:
    from euryale.boot import build_database

    db = build_database(config)
    if db is None:
        return None
    try:
        async with db.read() as conn:
            row = (await conn.execute(text(
                "SELECT token FROM api_key WHERE type = 'publishable' AND revoked_at IS NULL "
                "ORDER BY created_at LIMIT 1"))).first()
        return str(row[0]) if row else None
    except Exception:  # table missing or unreachable: nothing to print
        return None
    finally:
        await db.dispose()


@app.command("develop")
def develop(
    host: str = typer.Option("localhost", "--host", "-H"),
    port: int | None = typer.Option(None, "--port", "-p", help="API port (default: PORT or 9000)"),
    reload: bool = typer.Option(True, "--reload/--no-reload", help="restart on code changes"),
) -> None:
    """Shared mode with auto-reload; embedded PostgreSQL, migrations and demo data when DATABASE_URL is unset."""
    from euryale.db import migrate
    from euryale.runtime import serve

    os.environ["WORKER_MODE"] = "shared"
    os.environ.pop("MEDUSA_WORKER_MODE", None)
    config = config_or_exit()
    configure_logging(json_logs=False, level=os.environ.get("LOG_LEVEL", "INFO"))
    root = config.root
    if not config.project_config.database_url:
        typer.echo(f"DATABASE_URL is unset: starting the embedded PostgreSQL under {root / '.euryale' / 'pg'}")
        os.environ["DATABASE_URL"] = _start_embedded_postgres(root)
        config = config_or_exit()
    url = config.project_config.database_url
    assert url is not None
    typer.echo("applying migrations...")
    try:
        applied = migrate.upgrade(url, extra_packages=migrate.project_packages(config))
    except Exception as exc:  # missing database, wrong credentials...: one line with the likely fix
        typer.secho(f"migrations failed: {type(exc).__name__}: {exc}. Fix: check DATABASE_URL (create the "
                    "database with `euryale db:create`) or unset it to use the embedded PostgreSQL", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{len(applied)} migration(s) applied" if applied else "database is up to date")
    state_file = root / ".euryale" / "develop.json"
    state_file.parent.mkdir(parents=True, exist_ok=True)
    if state_file.exists():
        state = json.loads(state_file.read_text())
    else:
        state = asyncio.run(_first_run(config, state_file))
    bind_port = port if port is not None else config.project_config.port
    key = asyncio.run(_publishable_key(config))
    base = f"http://{host}:{bind_port}"
    typer.secho("\nEuryale is running (shared mode, auto-reload)", fg="green", bold=True)
    typer.echo(f"  Store API   {base}/store   (header x-publishable-api-key: {key or 'none yet'})")
    typer.echo(f"  Admin API   {base}/admin")
    typer.echo(f"  API docs    {base}/docs")
    typer.echo(f"  Health      {base}/health/details")
    admin = state.get("admin")
    if admin:
        typer.echo(f"  Admin login {admin['email']} / {admin['password']}")
    typer.echo("")
    reload_dirs = [str(p) for p in (root / "src", Path(__file__).resolve().parents[1]) if p.is_dir()] if reload else None
    serve(config, host=host, port=bind_port, reload=reload, reload_dirs=reload_dirs)
