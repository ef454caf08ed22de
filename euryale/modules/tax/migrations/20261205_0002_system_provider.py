"""tax: the `tp_system` provider row (Medusa's system tax provider).

Revision ID: tax_0002
Revises: tax_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "tax_0002"
down_revision = "tax_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('INSERT INTO "tax_provider" (id, is_enabled) VALUES (\'tp_system\', true) ON CONFLICT (id) DO NOTHING')


def downgrade() -> None:
    op.execute('DELETE FROM "tax_provider" WHERE id = \'tp_system\'')
