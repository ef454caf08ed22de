"""locking postgres: initial tables (locking).

Revision ID: locking_postgres_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "locking_postgres_0001"
down_revision = None
branch_labels = ("locking_postgres",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "locking" (\n    "id" text NOT NULL,\n    "owner_id" text,\n    "expiration" timestamptz,\n    PRIMARY KEY ("id")\n)',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "locking" CASCADE')
