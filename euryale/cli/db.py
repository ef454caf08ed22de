"""Database commands: `db:create`, `db:migrate`, `db:status`, `db:rollback`, `db:generate`."""

from __future__ import annotations

import asyncio
import importlib
import re
from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from euryale.cli.main import app, config_or_exit, database_url_or_exit
from euryale.config import EuryaleConfig
from euryale.db import migrate


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg="red", err=True)
    return typer.Exit(1)


def _packages(config: EuryaleConfig) -> list[str]:
    try:
        return migrate.project_packages(config)
    except Exception as exc:  # a user's module that does not import: say which, no traceback
        raise _fail(f"cannot load the project's modules: {type(exc).__name__}: {exc}") from None


@app.command("db:migrate")
def db_migrate() -> None:
    """Apply every pending migration (core modules, links, user modules) under an advisory lock."""
    config = config_or_exit()
    url = database_url_or_exit(config)
    packages = _packages(config)
    try:
        applied = migrate.upgrade(url, extra_packages=packages)
    except Exception as exc:  # unreachable database or a failing revision: one clear line
        raise _fail(f"db:migrate failed: {type(exc).__name__}: {exc}") from None
    for rev in applied:
        typer.echo(f"applied  {rev}")
    typer.echo(f"Migrations applied: {len(applied)}." if applied else "Database is up to date.")


@app.command("db:status")
def db_status() -> None:
    """List the migrations not yet applied."""
    config = config_or_exit()
    url = database_url_or_exit(config)
    try:
        todo = migrate.pending(url, _packages(config))
    except Exception as exc:  # unreachable database: one clear line
        raise _fail(f"db:status failed: {type(exc).__name__}: {exc}") from None
    for rev in todo:
        typer.echo(f"pending  {rev}")
    typer.echo(f"{len(todo)} pending migration(s)")


@app.command("db:rollback")
def db_rollback(modules: list[str] = typer.Argument(..., help="module branch labels, e.g. product")) -> None:
    """Revert the last migration of each named module."""
    config = config_or_exit()
    url = database_url_or_exit(config)
    packages = _packages(config)
    for module in modules:
        try:
            migrate.downgrade(url, f"{module}@-1", extra_packages=packages)
        except Exception as exc:  # unknown label or nothing to revert
            raise _fail(f"db:rollback {module} failed: {type(exc).__name__}: {exc}") from None
        typer.echo(f"rolled back one migration of {module}")


async def _create_database(url: str, name: str) -> bool:
    import asyncpg  # type: ignore[import-untyped,unused-ignore]

    admin = make_url(url).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        await conn.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await conn.close()


@app.command("db:create")
def db_create(db: str | None = typer.Option(None, "--db", help="database name (default: the one in DATABASE_URL)")
              ) -> None:
    """Create the project's database on the server of DATABASE_URL (no error when it exists)."""
    config = config_or_exit()
    url = database_url_or_exit(config)
    name = db or make_url(url).database
    if not name or not re.fullmatch(r"[A-Za-z0-9_\-]{1,63}", name):
        raise _fail(f"invalid database name {name!r}: use letters, digits, '_' or '-' (at most 63)")
    try:
        created = asyncio.run(_create_database(url, name))
    except Exception as exc:  # server unreachable, no CREATEDB right...
        raise _fail(f"db:create failed: {type(exc).__name__}: {exc}") from None
    typer.echo(f"Database {name} created." if created else f"Database {name} already exists.")


def _module_dir(config: EuryaleConfig, module: str) -> tuple[str, Path]:
    """(branch label, migrations folder) of a user module named by key or import path."""
    entry = config.modules.get(module)
    import_path = entry.resolve if entry else module
    if import_path.startswith("euryale."):
        raise _fail(f"{module} is a built-in module: its migrations ship with Euryale")
    try:
        package = importlib.import_module(import_path)
    except ImportError as exc:
        raise _fail(f"cannot import module {import_path!r} ({exc}); name a module key of euryale_config.py "
                    "or its import path") from None
    if not package.__file__:
        raise _fail(f"{import_path} is not a package with files")
    label = entry.key if entry else import_path.rsplit(".", 1)[-1]
    return label, Path(package.__file__).resolve().parent / "migrations"


@app.command("db:generate")
def db_generate(module: str = typer.Argument(..., help="a user module: its key in euryale_config.py or import path"),
                message: str = typer.Option("changes", "--message", "-m", help="what the revision does")) -> None:
    """Write a new (empty) Alembic revision in the user module's `migrations/` folder, chained on its branch."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = config_or_exit()
    label, folder = _module_dir(config, module)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").touch(exist_ok=True)
    packages = _packages(config)
    cfg = migrate.alembic_config(config.project_config.database_url or "", packages)
    locations = cfg.get_main_option("version_locations") or ""
    if str(folder) not in locations.split(" "):
        cfg.set_main_option("version_locations", f"{locations} {folder}".strip())
    script = ScriptDirectory.from_config(cfg)
    try:
        branch_head = script.get_revision(f"{label}@head")
    except Exception:  # no branch yet: this is the module's first revision
        branch_head = None
    number = 1
    if branch_head is not None:
        number = sum(1 for _ in script.iterate_revisions(branch_head.revision, "base")) + 1
    rev_id = f"{label}_{number:04d}"
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "changes"
    cfg.set_main_option("file_template", f"%%(year)d%%(month).2d%%(day).2d_{number:04d}_{slug}")
    try:
        if branch_head is None:
            result = command.revision(cfg, message=f"{label}: {message}", head="base", branch_label=label,
                                      version_path=str(folder), rev_id=rev_id)
        else:
            result = command.revision(cfg, message=f"{label}: {message}", head=f"{label}@head", rev_id=rev_id)
    except Exception as exc:  # conflicting ids or labels: say so plainly
        raise _fail(f"db:generate failed: {type(exc).__name__}: {exc}") from None
    scripts = result if isinstance(result, list) else [result]
    for rev in scripts:
        if rev is not None:
            typer.echo(f"Created {rev.path} (revision {rev.revision}); edit upgrade()/downgrade(), then run "
                       "`euryale db:migrate`")
    if module not in config.modules and not any(e.resolve == module for e in config.modules.values()):
        typer.secho(f'Note: add {{"resolve": "{module}"}} to modules in euryale_config.py so that db:migrate '
                    "applies it", fg="yellow")
