"""fulfillment: created_at / updated_at / deleted_at on fulfillment_provider (Medusa 2.21.2's model has them and
answers them in a shipping option's `provider`).

Revision ID: fulfillment_0003
Revises: fulfillment_0002
Create Date: 2026-12-05
"""
from alembic import op

revision = "fulfillment_0003"
down_revision = "fulfillment_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE "fulfillment_provider" '
               'ADD COLUMN IF NOT EXISTS "created_at" timestamptz NOT NULL DEFAULT now(), '
               'ADD COLUMN IF NOT EXISTS "updated_at" timestamptz NOT NULL DEFAULT now(), '
               'ADD COLUMN IF NOT EXISTS "deleted_at" timestamptz NULL')


def downgrade() -> None:
    op.execute('ALTER TABLE "fulfillment_provider" DROP COLUMN IF EXISTS "deleted_at", '
               'DROP COLUMN IF EXISTS "updated_at", DROP COLUMN IF EXISTS "created_at"')
