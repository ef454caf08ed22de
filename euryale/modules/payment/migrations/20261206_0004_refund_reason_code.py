"""payment: `refund_reason.code` (Medusa 2.21), required. Reasons created before it get a code derived from their
label (lower case, spaces to underscores), as Medusa's own upgrade fills it.

Revision ID: payment_0004
Revises: payment_0003
Create Date: 2026-12-06
"""
from alembic import op

revision = "payment_0004"
down_revision = "payment_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE "refund_reason" ADD COLUMN IF NOT EXISTS "code" text')
    op.execute("""UPDATE "refund_reason" SET "code" = lower(replace("label", ' ', '_')) WHERE "code" IS NULL""")
    op.execute('ALTER TABLE "refund_reason" ALTER COLUMN "code" SET NOT NULL')


def downgrade() -> None:
    op.execute('ALTER TABLE "refund_reason" DROP COLUMN IF EXISTS "code"')
