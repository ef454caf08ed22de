"""order: fields a cart carries into its order (`product_type_id` on line items, tax-inclusive adjustments).

Revision ID: order_0002
Revises: order_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "order_0002"
down_revision = "order_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE "order_line_item" ADD COLUMN IF NOT EXISTS "product_type_id" text')
    op.execute('ALTER TABLE "order_line_item_adjustment" ADD COLUMN IF NOT EXISTS "is_tax_inclusive" boolean '
               'NOT NULL DEFAULT false')
    op.execute('ALTER TABLE "order_shipping_method_adjustment" ADD COLUMN IF NOT EXISTS "is_tax_inclusive" boolean '
               'NOT NULL DEFAULT false')
    op.execute('CREATE INDEX IF NOT EXISTS "IDX_order_customer_id_created" ON "order" ("customer_id", "created_at") '
               'WHERE "deleted_at" IS NULL')


def downgrade() -> None:
    op.execute('ALTER TABLE "order_line_item" DROP COLUMN IF EXISTS "product_type_id"')
    op.execute('ALTER TABLE "order_line_item_adjustment" DROP COLUMN IF EXISTS "is_tax_inclusive"')
    op.execute('ALTER TABLE "order_shipping_method_adjustment" DROP COLUMN IF EXISTS "is_tax_inclusive"')
