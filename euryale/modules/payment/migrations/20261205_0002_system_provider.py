"""payment: the `pp_system_default` provider row (enabled), as Medusa registers it at boot.

Revision ID: payment_0002
Revises: payment_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "payment_0002"
down_revision = "payment_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("INSERT INTO payment_provider (id, is_enabled) VALUES ('pp_system_default', true) "
               "ON CONFLICT (id) DO NOTHING")


def downgrade() -> None:
    op.execute("DELETE FROM payment_provider WHERE id = 'pp_system_default'")
