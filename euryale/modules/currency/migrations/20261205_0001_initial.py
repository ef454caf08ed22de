"""currency: initial tables (currency).

Revision ID: currency_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "currency_0001"
down_revision = None
branch_labels = ("currency",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "currency" (\n    "code" text NOT NULL,\n    "symbol" text NOT NULL,\n    "symbol_native" text NOT NULL,\n    "name" text NOT NULL,\n    "decimal_digits" integer NOT NULL DEFAULT 0,\n    "rounding" numeric NOT NULL DEFAULT 0,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("code")\n)',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "currency" CASCADE')
