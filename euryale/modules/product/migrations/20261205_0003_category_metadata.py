"""product: product_category.metadata (present in Medusa 2.21).

Revision ID: product_0003
Revises: product_0002
Create Date: 2026-12-05
"""
from alembic import op

revision = "product_0003"
down_revision = "product_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE "product_category" ADD COLUMN IF NOT EXISTS "metadata" jsonb')


def downgrade() -> None:
    op.execute('ALTER TABLE "product_category" DROP COLUMN IF EXISTS "metadata"')
