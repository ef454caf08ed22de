"""promotion: `status` (draft/active/inactive), `is_tax_inclusive`, `limit`/`used` on promotions (Medusa 2.21).

Revision ID: promotion_0002
Revises: promotion_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "promotion_0002"
down_revision = "promotion_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE "promotion" ADD COLUMN IF NOT EXISTS "status" text NOT NULL DEFAULT \'draft\' '
               'CHECK ("status" IN (\'draft\', \'active\', \'inactive\'))')
    op.execute('ALTER TABLE "promotion" ADD COLUMN IF NOT EXISTS "is_tax_inclusive" boolean NOT NULL DEFAULT false')
    op.execute('ALTER TABLE "promotion" ADD COLUMN IF NOT EXISTS "limit" integer')
    op.execute('ALTER TABLE "promotion" ADD COLUMN IF NOT EXISTS "used" integer NOT NULL DEFAULT 0')
    op.execute('ALTER TABLE "promotion" ADD COLUMN IF NOT EXISTS "metadata" jsonb')
    op.execute('DROP INDEX IF EXISTS "IDX_promotion_code_unique"')
    op.execute('CREATE UNIQUE INDEX IF NOT EXISTS "IDX_promotion_code_unique" ON "promotion" (code) '
               'WHERE deleted_at IS NULL')


def downgrade() -> None:
    for col in ("metadata", "used", "limit", "is_tax_inclusive", "status"):
        op.execute(f'ALTER TABLE "promotion" DROP COLUMN IF EXISTS "{col}"')
