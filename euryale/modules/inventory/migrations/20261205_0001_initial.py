"""inventory: initial tables (inventory_item, inventory_level, reservation_item).

Revision ID: inventory_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "inventory_0001"
down_revision = None
branch_labels = ("inventory",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "inventory_item" (\n    "id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "sku" text,\n    "origin_country" text,\n    "hs_code" text,\n    "mid_code" text,\n    "material" text,\n    "weight" integer,\n    "length" integer,\n    "height" integer,\n    "width" integer,\n    "requires_shipping" boolean NOT NULL DEFAULT true,\n    "description" text,\n    "title" text,\n    "thumbnail" text,\n    "metadata" jsonb,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "inventory_level" (\n    "id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "inventory_item_id" text NOT NULL,\n    "location_id" text NOT NULL,\n    "stocked_quantity" integer NOT NULL DEFAULT 0,\n    "reserved_quantity" integer NOT NULL DEFAULT 0,\n    "incoming_quantity" integer NOT NULL DEFAULT 0,\n    "metadata" jsonb,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "reservation_item" (\n    "id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "line_item_id" text,\n    "location_id" text NOT NULL,\n    "quantity" integer NOT NULL,\n    "external_id" text,\n    "description" text,\n    "created_by" text,\n    "metadata" jsonb,\n    "inventory_item_id" text NOT NULL,\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_inventory_item_deleted_at" ON "inventory_item" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_inventory_item_sku_unique" ON "inventory_item" (sku)',
    'CREATE INDEX IF NOT EXISTS "IDX_inventory_level_deleted_at" ON "inventory_level" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_inventory_level_inventory_item_id" ON "inventory_level" (inventory_item_id)',
    'CREATE INDEX IF NOT EXISTS "IDX_inventory_level_location_id" ON "inventory_level" (location_id)',
    'CREATE INDEX IF NOT EXISTS "IDX_inventory_level_location_id" ON "inventory_level" (location_id)',
    'CREATE INDEX IF NOT EXISTS "IDX_reservation_item_deleted_at" ON "reservation_item" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_reservation_item_line_item_id" ON "reservation_item" (line_item_id)',
    'CREATE INDEX IF NOT EXISTS "IDX_reservation_item_location_id" ON "reservation_item" (location_id)',
    'CREATE INDEX IF NOT EXISTS "IDX_reservation_item_inventory_item_id" ON "reservation_item" (inventory_item_id)',
    'ALTER TABLE "inventory_level" ADD CONSTRAINT "inventory_level_inventory_item_id_foreign" FOREIGN KEY ("inventory_item_id") REFERENCES "inventory_item" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "reservation_item" ADD CONSTRAINT "reservation_item_inventory_item_id_foreign" FOREIGN KEY ("inventory_item_id") REFERENCES "inventory_item" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "reservation_item" CASCADE')
    op.execute('DROP TABLE IF EXISTS "inventory_level" CASCADE')
    op.execute('DROP TABLE IF EXISTS "inventory_item" CASCADE')
