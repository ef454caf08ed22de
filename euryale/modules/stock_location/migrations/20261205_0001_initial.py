"""stock location: initial tables (stock_location_address, stock_location).

Revision ID: stock_location_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "stock_location_0001"
down_revision = None
branch_labels = ("stock_location",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "stock_location_address" (\n    "id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "address_1" text NOT NULL,\n    "address_2" text,\n    "company" text,\n    "city" text,\n    "country_code" text NOT NULL,\n    "phone" text,\n    "province" text,\n    "postal_code" text,\n    "metadata" jsonb,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "stock_location" (\n    "id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "name" text NOT NULL,\n    "address_id" text,\n    "metadata" jsonb,\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_stock_location_address_deleted_at" ON "stock_location_address" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_stock_location_deleted_at" ON "stock_location" (deleted_at) WHERE deleted_at IS NOT NULL',
    'ALTER TABLE "stock_location" ADD CONSTRAINT "stock_location_address_id_foreign" FOREIGN KEY ("address_id") REFERENCES "stock_location_address" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "stock_location" CASCADE')
    op.execute('DROP TABLE IF EXISTS "stock_location_address" CASCADE')
