"""Alembic environment: always handed a live connection by euryale.db.migrate (which holds the lock)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
