"""product: 2.21 columns (image.product_id/rank, option value rank, collection external_id) and unique handles.

Revision ID: product_0002
Revises: product_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "product_0002"
down_revision = "product_0001"
branch_labels = None
depends_on = None

STATEMENTS = [
    'ALTER TABLE "image" ADD COLUMN IF NOT EXISTS "product_id" text REFERENCES "product" ("id") ON DELETE CASCADE',
    'ALTER TABLE "image" ADD COLUMN IF NOT EXISTS "rank" integer NOT NULL DEFAULT 0',
    'ALTER TABLE "product_option_value" ADD COLUMN IF NOT EXISTS "rank" integer',
    'ALTER TABLE "product_collection" ADD COLUMN IF NOT EXISTS "external_id" text',
    'CREATE INDEX IF NOT EXISTS "IDX_image_product_id" ON "image" ("product_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_product_variant_product_id" ON "product_variant" ("product_id") '
    'WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_product_option_product_id" ON "product_option" ("product_id") '
    'WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_product_option_value_option_id" ON "product_option_value" ("option_id") '
    'WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_product_collection_id" ON "product" ("collection_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_product_type_id" ON "product" ("type_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_product_tags_tag" ON "product_tags" ("product_tag_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_product_category_product_cat" ON "product_category_product" '
    '("product_category_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_product_variant_option_value" ON "product_variant_option" ("option_value_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_product_handle_unique" ON "product" ("handle") WHERE deleted_at IS NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_collection_handle_unique" ON "product_collection" ("handle") '
    'WHERE deleted_at IS NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_category_handle_unique" ON "product_category" ("handle") '
    'WHERE deleted_at IS NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_tag_value_unique" ON "product_tag" ("value") WHERE deleted_at IS NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_type_value_unique" ON "product_type" ("value") WHERE deleted_at IS NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_product_variant_sku_unique" ON "product_variant" ("sku") '
    'WHERE deleted_at IS NULL',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('ALTER TABLE "image" DROP COLUMN IF EXISTS "rank"')
    op.execute('ALTER TABLE "image" DROP COLUMN IF EXISTS "product_id"')
    op.execute('ALTER TABLE "product_option_value" DROP COLUMN IF EXISTS "rank"')
    op.execute('ALTER TABLE "product_collection" DROP COLUMN IF EXISTS "external_id"')
