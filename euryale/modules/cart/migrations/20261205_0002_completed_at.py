"""cart: `completed_at` (a completed cart cannot change), `product_type_id` on items, tax-inclusive adjustments.

Revision ID: cart_0002
Revises: cart_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "cart_0002"
down_revision = "cart_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE "cart" ADD COLUMN IF NOT EXISTS "completed_at" timestamptz')
    op.execute('ALTER TABLE "cart_line_item" ADD COLUMN IF NOT EXISTS "product_type_id" text')
    op.execute('ALTER TABLE "cart_line_item_adjustment" ADD COLUMN IF NOT EXISTS "is_tax_inclusive" boolean '
               'NOT NULL DEFAULT false')
    op.execute('ALTER TABLE "cart_shipping_method_adjustment" ADD COLUMN IF NOT EXISTS "is_tax_inclusive" boolean '
               'NOT NULL DEFAULT false')
    op.execute('CREATE INDEX IF NOT EXISTS "IDX_cart_line_item_cart_id" ON "cart_line_item" ("cart_id") '
               'WHERE "deleted_at" IS NULL')
    op.execute('CREATE INDEX IF NOT EXISTS "IDX_cart_shipping_method_cart_id" ON "cart_shipping_method" ("cart_id") '
               'WHERE "deleted_at" IS NULL')


def downgrade() -> None:
    op.execute('ALTER TABLE "cart" DROP COLUMN IF EXISTS "completed_at"')
    op.execute('ALTER TABLE "cart_line_item" DROP COLUMN IF EXISTS "product_type_id"')
    op.execute('ALTER TABLE "cart_line_item_adjustment" DROP COLUMN IF EXISTS "is_tax_inclusive"')
    op.execute('ALTER TABLE "cart_shipping_method_adjustment" DROP COLUMN IF EXISTS "is_tax_inclusive"')
