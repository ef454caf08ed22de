"""Database commands: `db:migrate`, `db:status`, `db:rollback`."""

from __future__ import annotations

import typer

from euryale.cli.main import app, config_or_exit, database_url_or_exit
from euryale.db import migrate


@app.command("db:migrate")
def db_migrate() -> None:
    """Apply every pending migration (core modules, links, user modules) under an advisory lock."""
    config = config_or_exit()
    url = database_url_or_exit(config)
    todo = migrate.pending(url)
    migrate.upgrade(url)
    typer.echo(f"Migrations applied: {len(todo)} pending before, 0 now." if todo else "Database is up to date.")


@app.command("db:status")
def db_status() -> None:
    """List the migrations not yet applied."""
    url = database_url_or_exit(config_or_exit())
    todo = migrate.pending(url)
    for rev in todo:
        typer.echo(f"pending  {rev}")
    typer.echo(f"{len(todo)} pending migration(s)")


@app.command("db:rollback")
def db_rollback(modules: list[str] = typer.Argument(..., help="module branch labels, e.g. product")) -> None:
    """Revert the last migration of each named module."""
    url = database_url_or_exit(config_or_exit())
    for module in modules:
        migrate.downgrade(url, f"{module}@-1")
        typer.echo(f"rolled back one migration of {module}")
