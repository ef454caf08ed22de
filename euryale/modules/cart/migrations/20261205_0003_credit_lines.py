"""cart: `cart_credit_line` (Medusa's cart module table: credits subtracted from the cart total, carried to the
order).

Revision ID: cart_0003
Revises: cart_0002
Create Date: 2026-12-05
"""
from alembic import op

revision = "cart_0003"
down_revision = "cart_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('CREATE TABLE IF NOT EXISTS "cart_credit_line" ('
               '"id" text NOT NULL PRIMARY KEY, "cart_id" text NOT NULL, "reference" text, "reference_id" text, '
               '"amount" numeric NOT NULL, "metadata" jsonb, '
               '"created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), '
               '"deleted_at" timestamptz)')
    op.execute('CREATE INDEX IF NOT EXISTS "IDX_cart_credit_line_cart_id" ON "cart_credit_line" ("cart_id") '
               'WHERE "deleted_at" IS NULL')


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "cart_credit_line"')
