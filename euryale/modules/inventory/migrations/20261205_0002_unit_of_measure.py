"""inventory: `unit_of_measure` (Medusa 2.21 inventory items) and a SKU uniqueness that ignores deleted items.

Revision ID: inventory_0002
Revises: inventory_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "inventory_0002"
down_revision = "inventory_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE "inventory_item" ADD COLUMN IF NOT EXISTS "unit_of_measure" text')
    op.execute('DROP INDEX IF EXISTS "IDX_inventory_item_sku_unique"')
    op.execute('CREATE UNIQUE INDEX IF NOT EXISTS "IDX_inventory_item_sku_unique" ON "inventory_item" (sku) '
               'WHERE deleted_at IS NULL')
    op.execute('CREATE UNIQUE INDEX IF NOT EXISTS "IDX_inventory_level_item_location" ON "inventory_level" '
               '(inventory_item_id, location_id) WHERE deleted_at IS NULL')
    op.execute('CREATE INDEX IF NOT EXISTS "IDX_reservation_item_line_item_id" ON "reservation_item" (line_item_id) '
               'WHERE deleted_at IS NULL')


def downgrade() -> None:
    op.execute('DROP INDEX IF EXISTS "IDX_reservation_item_line_item_id"')
    op.execute('DROP INDEX IF EXISTS "IDX_inventory_level_item_location"')
    op.execute('ALTER TABLE "inventory_item" DROP COLUMN IF EXISTS "unit_of_measure"')
