"""Database commands: `db:create`, `db:migrate`, `db:status`, `db:rollback`, `db:generate`."""

from __future__ import annotations

import asyncio
import importlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url

from euryale.cli.main import app, config_or_exit, database_url_or_exit
from euryale.config import EuryaleConfig
from euryale.db import migrate

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from alembic.script import Script


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
    except Exception as exc:  # unreachable database, a failing revision, a newer schema: one clear line
        unknown = migrate.unknown_revision(exc)
        if unknown is not None:
            raise _fail(f"db:migrate failed: {migrate.newer_schema(unknown)}. Fix: "
                        f"{migrate.NEWER_SCHEMA_FIX}") from None
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


def _module_dir(config: EuryaleConfig, module: str) -> tuple[str, str, Path]:
    """(branch label, import path, migrations folder) of a user module named by key or import path."""
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
    return label, import_path, Path(package.__file__).resolve().parent / "migrations"


def _module_metadata(import_path: str) -> list[MetaData]:
    """The SQLAlchemy MetaData of a module's tables: `metadata` objects (Core) or declarative bases' `.metadata`
    found in `<module>.models`, else in the package itself."""
    try:
        source = importlib.import_module(f"{import_path}.models")
    except ModuleNotFoundError as exc:
        if exc.name != f"{import_path}.models":
            raise _fail(f"{import_path}.models does not import: {exc}") from None
        source = importlib.import_module(import_path)
    except Exception as exc:  # a models file that fails: say so, not a traceback
        raise _fail(f"{import_path}.models does not import: {type(exc).__name__}: {exc}") from None
    found: list[MetaData] = []
    for value in vars(source).values():
        candidate = value if isinstance(value, MetaData) else getattr(value, "metadata", None)
        if isinstance(candidate, MetaData) and candidate.tables and all(candidate is not m for m in found):
            found.append(candidate)
    return found


def _empty_revision(cfg: AlembicConfig, revision: dict[str, str]) -> list[Script]:
    from alembic import command

    result = command.revision(cfg, **revision)  # type: ignore[arg-type]
    return [s for s in (result if isinstance(result, list) else [result]) if s is not None]


@app.command("db:generate")
def db_generate(module: str = typer.Argument(..., help="a user module: its key in euryale_config.py or import path"),
                message: str = typer.Option("changes", "--message", "-m", help="what the revision does"),
                empty: bool = typer.Option(False, "--empty", help="write an empty revision to fill in by hand")) -> None:
    """Write the user module's next Alembic revision, chained on its branch.

    The revision is generated from the module's models (`metadata` in `<module>/models.py`) compared with the
    database, which must be migrated; with `--empty`, no models or no database it is an empty one to edit.
    """
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = config_or_exit()
    label, import_path, folder = _module_dir(config, module)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").touch(exist_ok=True)
    packages = _packages(config)
    url = config.project_config.database_url or ""
    cfg = migrate.alembic_config(url, packages)
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
    revision: dict[str, str] = {"message": f"{label}: {message}", "rev_id": rev_id}
    if branch_head is None:
        revision.update(head="base", branch_label=label, version_path=str(folder))
    else:
        revision["head"] = f"{label}@head"
    metadata = [] if empty else _module_metadata(import_path)
    if metadata and not url:
        typer.secho("No DATABASE_URL: cannot compare the models with a database; writing an empty revision",
                    fg="yellow")
    try:
        if metadata and url:
            scripts = migrate.autogenerate(url, cfg, metadata, **revision)
            if not scripts:
                typer.echo(f"No changes: {label}'s models match the database; nothing written (--empty writes a "
                           "revision to fill in by hand).")
                return
        else:
            scripts = _empty_revision(cfg, revision)
    except CommandError as exc:
        hint = " Run `euryale db:migrate` first." if "not up to date" in str(exc) else ""
        raise _fail(f"db:generate failed: {str(exc).rstrip('.')}.{hint}") from None
    except Exception as exc:  # conflicting ids or labels, unreachable database: say so plainly
        raise _fail(f"db:generate failed: {type(exc).__name__}: {exc}") from None
    for rev in scripts:
        what = "generated from the models; review it" if metadata and url else "edit upgrade()/downgrade()"
        typer.echo(f"Created {rev.path} (revision {rev.revision}); {what}, then run `euryale db:migrate`")
    if module not in config.modules and not any(e.resolve == module for e in config.modules.values()):
        typer.secho(f'Note: add {{"resolve": "{module}"}} to modules in euryale_config.py so that db:migrate '
                    "applies it", fg="yellow")
