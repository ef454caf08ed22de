"""product: images of a variant (Medusa 2.11+ `product_variant_product_image`).

Revision ID: product_0004
Revises: product_0003
Create Date: 2026-12-05
"""
from alembic import op

revision = "product_0004"
down_revision = "product_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('CREATE TABLE IF NOT EXISTS "product_variant_product_image" ('
               '"id" text PRIMARY KEY, "variant_id" text NOT NULL REFERENCES "product_variant" ("id") '
               'ON DELETE CASCADE, "image_id" text NOT NULL REFERENCES "image" ("id") ON DELETE CASCADE, '
               '"created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), '
               '"deleted_at" timestamptz)')
    op.execute('CREATE UNIQUE INDEX IF NOT EXISTS "IDX_variant_image_pair" ON "product_variant_product_image" '
               '("variant_id", "image_id") WHERE deleted_at IS NULL')
    op.execute('CREATE INDEX IF NOT EXISTS "IDX_variant_image_image" ON "product_variant_product_image" ("image_id")')


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "product_variant_product_image"')
