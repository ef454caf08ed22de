"""sales channel: initial tables (sales_channel).

Revision ID: sales_channel_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "sales_channel_0001"
down_revision = None
branch_labels = ("sales_channel",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "sales_channel" (\n    "id" text NOT NULL,\n    "name" text NOT NULL,\n    "description" text,\n    "is_disabled" boolean NOT NULL DEFAULT false,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_sales_channel_deleted_at" ON "sales_channel" ("deleted_at")',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "sales_channel" CASCADE')
