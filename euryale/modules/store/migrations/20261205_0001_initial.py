"""store: initial tables (store, store_currency).

Revision ID: store_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "store_0001"
down_revision = None
branch_labels = ("store",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "store" (\n    "id" text NOT NULL,\n    "name" text NOT NULL DEFAULT \'Medusa Store\',\n    "default_sales_channel_id" text,\n    "default_region_id" text,\n    "default_location_id" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "store_currency" (\n    "id" text NOT NULL,\n    "currency_code" text NOT NULL,\n    "is_default" boolean NOT NULL DEFAULT false,\n    "store_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_store_deleted_at" ON "store" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_store_currency_deleted_at" ON "store_currency" (deleted_at) WHERE deleted_at IS NOT NULL',
    'ALTER TABLE "store_currency" ADD CONSTRAINT "store_currency_store_id_foreign" FOREIGN KEY ("store_id") REFERENCES "store" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "store_currency" CASCADE')
    op.execute('DROP TABLE IF EXISTS "store" CASCADE')
