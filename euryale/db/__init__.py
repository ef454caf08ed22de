"""PostgreSQL access: one async engine per process, transactions as explicit context managers."""

from euryale.db.engine import Database

__all__ = ["Database"]
