"""`euryale` CLI entry point: each command lives in its own module and registers on `app`."""

from __future__ import annotations

import sys

import typer

from euryale.config import ConfigError, EuryaleConfig, load_config

app = typer.Typer(name="euryale", help="Euryale commerce platform", no_args_is_help=True, add_completion=False)


def config_or_exit() -> EuryaleConfig:
    """Load the project's config; a bad value prints its message and exits 1 (never a traceback)."""
    try:
        return load_config()
    except ConfigError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None


def database_url_or_exit(config: EuryaleConfig) -> str:
    url = config.project_config.database_url
    if not url:
        typer.secho("[config] project_config.database_url (env DATABASE_URL) is not set. "
                    "Fix: export DATABASE_URL=postgres://user:pass@host:5432/db", fg="red", err=True)
        raise typer.Exit(1)
    return url


def _register_commands() -> None:
    # importing the command modules registers their commands on `app`
    from euryale.cli import db, ops, project, serve, user  # noqa: F401


def run() -> None:
    _register_commands()
    try:
        app()
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(1)
