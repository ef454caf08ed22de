"""fulfillment: the `manual_manual` provider row, and shipping option types shared by many options (Medusa 2.10+).

Revision ID: fulfillment_0002
Revises: fulfillment_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "fulfillment_0002"
down_revision = "fulfillment_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('INSERT INTO "fulfillment_provider" (id, is_enabled) VALUES (\'manual_manual\', true) '
               'ON CONFLICT (id) DO NOTHING')
    op.execute('DROP INDEX IF EXISTS "shipping_option_shipping_option_type_id_unique"')
    op.execute('CREATE INDEX IF NOT EXISTS "IDX_shipping_option_type_id" ON "shipping_option" '
               '(shipping_option_type_id)')


def downgrade() -> None:
    op.execute('DROP INDEX IF EXISTS "IDX_shipping_option_type_id"')
