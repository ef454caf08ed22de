"""product: product_category.external_id (present in Medusa 2.21.2, answered with every category).

Revision ID: product_0005
Revises: product_0004
Create Date: 2026-12-05
"""
from alembic import op

revision = "product_0005"
down_revision = "product_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE "product_category" ADD COLUMN IF NOT EXISTS "external_id" text')


def downgrade() -> None:
    op.execute('ALTER TABLE "product_category" DROP COLUMN IF EXISTS "external_id"')
