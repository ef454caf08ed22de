"""Alembic, driven programmatically over one graph of per-module branches.

Each module (core and user), the links and the framework own a folder of revisions whose first revision carries
a branch label; `upgrade("heads")` applies them all. Every run holds a PostgreSQL advisory lock, so replicas that
race on `db:migrate` apply each revision exactly once: the first runs them, the others wait, find nothing pending
and exit 0.

A run is one transaction (PostgreSQL's DDL is transactional): the lock is the transaction's, and a run that fails
leaves the schema as it found it. A transaction-mode pooler (PgBouncer) keeps one transaction on one server
connection, so the release step may go through it like everything else.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATION_LOCK_KEY = 0x45555259414C45  # "EURYALE": one advisory lock for all migration runs
CORE_MODULES = (
    "api_key", "auth", "cart", "currency", "customer", "fulfillment", "inventory", "notification", "order",
    "payment", "pricing", "product", "promotion", "region", "sales_channel", "stock_location", "store", "tax", "user",
    "locking_postgres", "file", "search",
)
HERE = Path(__file__).resolve().parent

# Alembic is imported by the functions that run it: `euryale start` only checks for pending revisions
# (euryale.db.revisions), and a server process need not carry Alembic (~10 MB) for the rest of its life.
if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import Script, ScriptDirectory

    from euryale.config import EuryaleConfig


def project_packages(config: EuryaleConfig) -> list[str]:
    """Import paths of the project's own modules and plugins: their `migrations/` folders join the graph."""
    out = [e.resolve for e in config.modules.values() if not e.resolve.startswith("euryale.")]
    out += [str(p["resolve"]) for p in config.plugins if isinstance(p.get("resolve"), str)]
    return list(dict.fromkeys(out))


def version_locations(extra_packages: Iterable[str] = ()) -> list[str]:
    """Folders of revisions: framework, every core module with migrations, links, then user modules."""
    dirs = [HERE / "framework_migrations"]
    for mod in CORE_MODULES:
        d = HERE.parent / "modules" / mod / "migrations"
        if d.is_dir():
            dirs.append(d)
    dirs.append(HERE.parent / "links" / "migrations")
    dirs.append(HERE / "perf_migrations")  # hot-path indexes (branch `perf`), after the tables they index
    for pkg in extra_packages:
        module = importlib.import_module(pkg)
        if module.__file__:
            d = Path(module.__file__).resolve().parent / "migrations"
            if d.is_dir():
                dirs.append(d)
    return [str(d) for d in dirs if d.is_dir()]


def alembic_config(url: str, extra_packages: Iterable[str] = ()) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "alembic"))
    cfg.set_main_option("version_locations", " ".join(version_locations(extra_packages)))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["database_url"] = url
    return cfg


async def _run_locked(url: str, fn: Any) -> Any:
    """`fn(sync_connection)` (which commits) in one transaction holding the migration lock.

    The lock was a session lock taken in a transaction of its own: through a transaction-mode PgBouncer it stayed
    on whichever server connection took it (unlocking ran on another), and racing runs, each holding one of the
    pooler's server connections while waiting for it, left the run that held it none to continue on: every run
    waited forever (tests/db/test_pgbouncer.py)."""
    engine = create_async_engine(url, poolclass=None)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def _with_connection(cfg: Config, action: Any) -> Any:
    def run(sync_conn: Connection) -> Any:
        cfg.attributes["connection"] = sync_conn
        result = action(cfg)
        sync_conn.commit()
        return result

    return run


def _pending_on(sync_conn: Connection, script: ScriptDirectory) -> list[str]:
    from alembic.runtime.migration import MigrationContext

    ctx = MigrationContext.configure(sync_conn)
    done: set[str] = set()
    for head in ctx.get_current_heads():
        for rev in script.iterate_revisions(head, "base"):
            done.add(rev.revision)
    return [rev.revision for rev in reversed(list(script.walk_revisions("base", "heads"))) if rev.revision not in done]


NEWER_SCHEMA_FIX = ("deploy the version that migrated it (or a newer one), or roll that migration back with it first "
                    "(`euryale db:rollback`)")


def newer_schema(revision: str) -> str:
    """What is wrong when the database is at `revision`, which no revision file of this version names."""
    from euryale import __version__

    return (f"the database is at migration {revision!r}, which this version of Euryale ({__version__}) does not "
            "have: a newer version migrated it")


def unknown_revision(exc: BaseException) -> str | None:
    """The revision Alembic found in the database but in no revision file (a newer version of Euryale migrated it),
    when that is what `exc` says; None otherwise."""
    from alembic.script.revision import RevisionError

    if not isinstance(exc, RevisionError):
        return None
    return str(getattr(exc, "argument", None) or exc)


def pending(url: str, extra_packages: Iterable[str] = ()) -> list[str]:
    """Revisions not yet applied, in apply order."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(url, extra_packages))

    async def go() -> list[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(lambda c: _pending_on(c, script))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def upgrade(url: str, target: str = "heads", extra_packages: Iterable[str] = ()) -> list[str]:
    """Apply pending revisions under the migration lock; returns the revisions this call applied (in order).

    The pending list is computed after the lock is taken, so of several concurrent callers exactly one reports
    (and applies) each revision.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = alembic_config(url, extra_packages)
    script = ScriptDirectory.from_config(cfg)

    def action(c: Config) -> list[str]:
        todo = _pending_on(c.attributes["connection"], script)
        command.upgrade(c, target)
        return todo

    applied: list[str] = asyncio.run(_run_locked(url, _with_connection(cfg, action)))
    return applied


def autogenerate(url: str, cfg: Config, metadata: Sequence[MetaData], **revision: Any) -> list[Script]:
    """Write a revision holding the differences between `metadata` and the database (at every head).

    Only the tables of `metadata` are compared, so other modules' tables are never dropped; when nothing differs,
    nothing is written and the list is empty. Raises alembic's CommandError when migrations are pending.
    """
    from alembic import command

    owned = {name for md in metadata for name in md.tables}

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table":
            return name in owned
        table = getattr(obj, "table", None)
        return table is None or table.name in owned

    def skip_when_empty(context: Any, revision_ids: Any, directives: list[Any]) -> None:
        if directives and directives[0].upgrade_ops.is_empty():
            directives[:] = []

    cfg.attributes.update(target_metadata=list(metadata), include_object=include_object,
                          process_revision_directives=skip_when_empty)

    def action(c: Config) -> list[Script]:
        result = command.revision(c, autogenerate=True, **revision)
        return [s for s in (result if isinstance(result, list) else [result]) if s is not None]

    async def go() -> list[Script]:
        engine = create_async_engine(url, poolclass=None)
        try:
            async with engine.connect() as conn:
                scripts: list[Script] = await conn.run_sync(_with_connection(cfg, action))
                return scripts
        finally:
            await engine.dispose()

    return asyncio.run(go())


def downgrade(url: str, target: str, extra_packages: Iterable[str] = ()) -> None:
    """Revert to `target` (e.g. `product@-1`) under the migration lock."""
    from alembic import command

    cfg = alembic_config(url, extra_packages)
    asyncio.run(_run_locked(url, _with_connection(cfg, lambda c: command.downgrade(c, target))))
