"""Project commands: `new` (scaffold), `build` (validate), `exec` (run a script with the project's container)."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import os
import re
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

import typer

from euryale.cli.main import app, config_or_exit
from euryale.config import ConfigError, EuryaleConfig, load_config
from euryale.logging import configure_logging

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "project"
# template file names that cannot be shipped as-is (dotfiles are easy to lose in packaging)
RENAMES = {"env.example": ".env.example", "gitignore": ".gitignore"}


def _render(text: str, name: str) -> str:
    db_name = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or "euryale"
    return text.replace("{{name}}", name).replace("{{db_name}}", db_name)


@app.command("new")
def new(name: str = typer.Argument(..., help="project folder to create"),
        force: bool = typer.Option(False, "--force", help="write into an existing non-empty folder")) -> None:
    """Scaffold a project: config from env, src/{api,subscribers,jobs,workflows,modules} examples, Dockerfile."""
    target = Path(name).resolve()
    if target.exists() and any(target.iterdir()) and not force:
        typer.secho(f"{target} exists and is not empty (use --force to write into it)", fg="red", err=True)
        raise typer.Exit(1)
    project = target.name
    written = 0
    for src in sorted(TEMPLATE_DIR.rglob("*.tmpl")):
        rel = src.relative_to(TEMPLATE_DIR).with_suffix("")
        rel = rel.with_name(RENAMES.get(rel.name, rel.name))
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(_render(src.read_text(), project))
        written += 1
    typer.echo(f"Created {project} ({written} files) in {target}")
    typer.echo(f"Next:\n  cd {name}\n  cp .env.example .env   # set DATABASE_URL, JWT_SECRET, COOKIE_SECRET\n"
               "  euryale db:migrate && euryale develop")


# --- build ---------------------------------------------------------------------------------------------------


def _import_file(root: Path, path: Path) -> ModuleType:
    """Import a project file by its dotted name (root on sys.path), so relative project imports work."""
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return importlib.import_module(".".join(parts))


def _files(root: Path, folder: str) -> list[Path]:
    base = root / "src" / folder
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*.py") if p.name != "__init__.py" and "migrations" not in p.parts)


def _check_subscriber(module: ModuleType) -> str | None:
    cfg = getattr(module, "config", None)
    if not isinstance(cfg, dict) or not isinstance(cfg.get("event"), str | list | tuple) or not cfg.get("event"):
        return 'defines no `config = {"event": "<name>" or [...]}`'
    handler = getattr(module, "handler", None) or getattr(module, "default", None)
    if handler is None or not inspect.iscoroutinefunction(handler):
        return "defines no `async def handler(event, container)`"
    return None


def _check_job(module: ModuleType) -> str | None:
    from euryale.jobs import validate_schedule

    cfg = getattr(module, "config", None)
    if not isinstance(cfg, dict) or not cfg.get("name") or not cfg.get("schedule"):
        return 'defines no `config = {"name": ..., "schedule": "<cron>"}`'
    schedule = cfg["schedule"]
    try:
        validate_schedule(schedule, str(cfg["name"]))  # the scheduler's own rule (5/6-field cron or interval)
    except Exception:  # croniter raises its own error types
        return f"schedule {schedule!r} is not a valid cron expression or {{'interval': ms}}"
    handler = getattr(module, "handler", None) or getattr(module, "default", None)
    if handler is None or not inspect.iscoroutinefunction(handler):
        return "defines no `async def handler(container)`"
    return None


def validate_project(root: Path) -> tuple[list[str], dict[str, int]]:
    """Problems found in the project at `root` and counts of what was checked (routes, subscribers, ...)."""
    from fastapi import APIRouter

    problems: list[str] = []
    counts = {"modules": 0, "routes": 0, "subscribers": 0, "jobs": 0, "workflows": 0, "migrations": 0}
    try:
        config = load_config(root)
    except ConfigError as exc:
        return [str(exc)], counts

    for key, entry in config.modules.items():
        try:
            package = importlib.import_module(entry.resolve)
        except Exception as exc:  # report every broken module, not only the first
            problems.append(f"module {key}: cannot import {entry.resolve!r} ({type(exc).__name__}: {exc})")
            continue
        if not callable(getattr(package, "load", None)):
            problems.append(f"module {key}: {entry.resolve} has no load(container, options)")
            continue
        counts["modules"] += 1

    def each(folder: str, check: Any, label: str, count_key: str) -> None:
        for path in _files(root, folder):
            rel = path.relative_to(root)
            try:
                module = _import_file(root, path)
            except Exception as exc:  # the user's code: list the problem, keep checking
                problems.append(f"{label} {rel}: import failed ({type(exc).__name__}: {exc})")
                continue
            problem = check(module)
            if problem:
                problems.append(f"{label} {rel}: {problem}")
            else:
                counts[count_key] += 1

    def check_route(module: ModuleType) -> str | None:
        router = getattr(module, "router", None)
        if router is None:
            return None  # helper modules under src/api are allowed
        if not isinstance(router, APIRouter):
            return "`router` is not a fastapi.APIRouter"
        for route in router.routes:
            path = getattr(route, "path", "")
            if not path.startswith("/"):
                return f"route path {path!r} must be absolute (e.g. /store/hello)"
        return None

    each("api", check_route, "route", "routes")
    each("subscribers", _check_subscriber, "subscriber", "subscribers")
    each("jobs", _check_job, "job", "jobs")
    each("workflows", lambda m: None, "workflow", "workflows")
    problems.extend(_check_migrations(config, counts))
    if not problems:
        problems.extend(_check_discovery(root))
    if not problems:
        problems.extend(_check_app(config))
    return problems, counts


def _check_discovery(root: Path) -> list[str]:
    """What the worker will load, through its own loaders (duplicate subscriber ids or job names...)."""
    from euryale.jobs import discover_jobs
    from euryale.subscribers import discover_subscribers

    out: list[str] = []
    for label, load in (("subscribers", lambda: discover_subscribers(root, production=True, include_core=False)),
                        ("jobs", lambda: discover_jobs(root))):
        try:
            load()
        except Exception as exc:  # the loaders raise on inconsistent projects
            out.append(f"{label}: {type(exc).__name__}: {exc}")
    return out


def _check_migrations(config: EuryaleConfig, counts: dict[str, int]) -> list[str]:
    from alembic.script import ScriptDirectory

    from euryale.db import migrate

    try:
        packages = migrate.project_packages(config)
        script = ScriptDirectory.from_config(migrate.alembic_config(config.project_config.database_url or "",
                                                                    packages))
        revisions = list(script.walk_revisions("base", "heads"))
    except Exception as exc:  # a revision that does not import or a broken graph
        return [f"migrations: {type(exc).__name__}: {exc}"]
    # alembic itself rejects duplicate revision ids and branch labels while walking the graph
    counts["migrations"] = len(revisions)
    return []


def _check_app(config: EuryaleConfig) -> list[str]:
    """Assemble the HTTP app (no database connection) so route conflicts and bad routers show up."""
    from euryale.boot import build_container
    from euryale.http.app import create_app

    try:
        create_app(build_container(config))
    except Exception as exc:  # anything that would fail `start`
        return [f"app: {type(exc).__name__}: {exc}"]
    return []


@app.command("build")
def build(path: Path = typer.Argument(Path("."), help="project folder")) -> None:
    """Validate the project: config, modules, routes, subscribers, jobs, workflows and migrations all load."""
    root = path.resolve()
    problems, counts = validate_project(root)
    if problems:
        typer.secho(f"build failed: {len(problems)} problem(s)", fg="red", err=True)
        for problem in problems:
            typer.secho(f"  - {problem}", fg="red", err=True)
        raise typer.Exit(1)
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    typer.echo(f"build OK: {summary}")


# --- exec ----------------------------------------------------------------------------------------------------


@app.command("exec", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def exec_(file: Path = typer.Argument(..., help="a Python file defining `async def main(container, args)`"),
          args: list[str] = typer.Argument(None, help="arguments handed to main")) -> None:
    """Run a script with the project's container (seeds, one-off jobs), then exit."""
    from euryale.boot import build_container

    config = config_or_exit()
    configure_logging(json_logs=config.is_production, level=os.environ.get("LOG_LEVEL", "INFO"))
    path = file.resolve()
    if not path.is_file():
        typer.secho(f"{file}: no such file", fg="red", err=True)
        raise typer.Exit(1)
    spec = importlib.util.spec_from_file_location(f"euryale_exec_{path.stem}", path)
    if spec is None or spec.loader is None:
        typer.secho(f"{file}: cannot be imported", fg="red", err=True)
        raise typer.Exit(1)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        traceback.print_exc()
        typer.secho(f"{file}: failed to import", fg="red", err=True)
        raise typer.Exit(1) from None
    main = getattr(module, "main", None) or getattr(module, "default", None)
    if main is None or not inspect.iscoroutinefunction(main):
        typer.secho(f"{file}: defines no `async def main(container, args)`", fg="red", err=True)
        raise typer.Exit(1)

    async def run() -> Any:
        container = build_container(config)
        await container.start()
        try:
            return await main(container, list(args or []))
        finally:
            await container.stop()

    try:
        result = asyncio.run(run())
    except Exception:
        traceback.print_exc()
        typer.secho(f"{file}: main() failed", fg="red", err=True)
        raise typer.Exit(1) from None
    if isinstance(result, int) and not isinstance(result, bool):
        raise typer.Exit(result)
