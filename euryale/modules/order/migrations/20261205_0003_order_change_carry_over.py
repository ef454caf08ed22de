"""order: `order_change.carry_over_promotions` (Medusa 2.12), set by `POST /admin/order-changes/:id`.

Revision ID: order_0003
Revises: order_0002
Create Date: 2026-12-05
"""
from alembic import op

revision = "order_0003"
down_revision = "order_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE "order_change" ADD COLUMN IF NOT EXISTS "carry_over_promotions" boolean')


def downgrade() -> None:
    op.execute('ALTER TABLE "order_change" DROP COLUMN IF EXISTS "carry_over_promotions"')
