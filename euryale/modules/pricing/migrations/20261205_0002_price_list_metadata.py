"""pricing: price_list.metadata (present in Medusa 2.21.2, answered with every price list).

Revision ID: pricing_0002
Revises: pricing_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "pricing_0002"
down_revision = "pricing_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE "price_list" ADD COLUMN IF NOT EXISTS "metadata" jsonb')


def downgrade() -> None:
    op.execute('ALTER TABLE "price_list" DROP COLUMN IF EXISTS "metadata"')
