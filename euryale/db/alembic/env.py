"""Alembic environment: always handed a live connection by euryale.db.migrate (which holds the lock).

`db:generate` adds `target_metadata`, `include_object` and `process_revision_directives` to the config's
attributes to autogenerate a user module's revision from its models.
"""

from alembic import context

attributes = context.config.attributes
context.configure(
    connection=attributes["connection"],
    # euryale.db.migrate hands a connection inside the run's one transaction (which holds the lock): Alembic
    # begins none of its own
    transaction_per_migration=True,
    target_metadata=attributes.get("target_metadata"),
    include_object=attributes.get("include_object"),
    process_revision_directives=attributes.get("process_revision_directives"),
)
with context.begin_transaction():
    context.run_migrations()
