"""product: initial tables (product_category, product_collection, image, product_tag, product_type, product, product_option, product_option_value, product_tags, product_images, product_category_product, product_variant, product_variant_option).

Revision ID: product_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "product_0001"
down_revision = None
branch_labels = ("product",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "product_category" (\n    "id" text NOT NULL,\n    "name" text NOT NULL,\n    "description" text NOT NULL DEFAULT \'\',\n    "handle" text NOT NULL,\n    "mpath" text NOT NULL,\n    "is_active" boolean NOT NULL DEFAULT false,\n    "is_internal" boolean NOT NULL DEFAULT false,\n    "rank" integer NOT NULL DEFAULT 0,\n    "parent_category_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "product_collection" (\n    "id" text NOT NULL,\n    "title" text NOT NULL,\n    "handle" text NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "image" (\n    "id" text NOT NULL,\n    "url" text NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "product_tag" (\n    "id" text NOT NULL,\n    "value" text NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "product_type" (\n    "id" text NOT NULL,\n    "value" text NOT NULL,\n    "metadata" json,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "product" (\n    "id" text NOT NULL,\n    "title" text NOT NULL,\n    "handle" text NOT NULL,\n    "subtitle" text,\n    "description" text,\n    "is_giftcard" boolean NOT NULL DEFAULT false,\n    "status" text NOT NULL CHECK ("status" IN (\'draft\', \'proposed\', \'published\', \'rejected\')),\n    "thumbnail" text,\n    "weight" text,\n    "length" text,\n    "height" text,\n    "width" text,\n    "origin_country" text,\n    "hs_code" text,\n    "mid_code" text,\n    "material" text,\n    "collection_id" text,\n    "type_id" text,\n    "discountable" boolean NOT NULL DEFAULT true,\n    "external_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "metadata" jsonb,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "product_option" (\n    "id" text NOT NULL,\n    "title" text NOT NULL,\n    "product_id" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "is_exclusive" boolean NOT NULL DEFAULT true,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "product_option_value" (\n    "id" text NOT NULL,\n    "value" text NOT NULL,\n    "option_id" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "product_tags" (\n    "product_id" text NOT NULL,\n    "product_tag_id" text NOT NULL,\n    PRIMARY KEY ("product_id", "product_tag_id")\n)',
    'CREATE TABLE IF NOT EXISTS "product_images" (\n    "product_id" text NOT NULL,\n    "image_id" text NOT NULL,\n    PRIMARY KEY ("product_id", "image_id")\n)',
    'CREATE TABLE IF NOT EXISTS "product_category_product" (\n    "product_id" text NOT NULL,\n    "product_category_id" text NOT NULL,\n    PRIMARY KEY ("product_id", "product_category_id")\n)',
    'CREATE TABLE IF NOT EXISTS "product_variant" (\n    "id" text NOT NULL,\n    "title" text NOT NULL,\n    "sku" text,\n    "barcode" text,\n    "ean" text,\n    "upc" text,\n    "allow_backorder" boolean NOT NULL DEFAULT false,\n    "manage_inventory" boolean NOT NULL DEFAULT true,\n    "hs_code" text,\n    "origin_country" text,\n    "mid_code" text,\n    "material" text,\n    "weight" numeric,\n    "length" numeric,\n    "height" numeric,\n    "width" numeric,\n    "metadata" jsonb,\n    "variant_rank" integer DEFAULT 0,\n    "product_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "thumbnail" text,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "product_variant_option" (\n    "variant_id" text NOT NULL,\n    "option_value_id" text NOT NULL,\n    PRIMARY KEY ("variant_id", "option_value_id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_product_category_deleted_at" ON "product_category" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_product_collection_deleted_at" ON "product_collection" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_product_image_deleted_at" ON "image" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_product_tag_deleted_at" ON "product_tag" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_product_type_deleted_at" ON "product_type" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_product_deleted_at" ON "product" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_product_option_deleted_at" ON "product_option" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_product_option_value_deleted_at" ON "product_option_value" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_product_variant_deleted_at" ON "product_variant" ("deleted_at")',
    'ALTER TABLE "product_category" ADD CONSTRAINT "product_category_parent_category_id_foreign" FOREIGN KEY ("parent_category_id") REFERENCES "product_category" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "product" ADD CONSTRAINT "product_collection_id_foreign" FOREIGN KEY ("collection_id") REFERENCES "product_collection" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "product" ADD CONSTRAINT "product_type_id_foreign" FOREIGN KEY ("type_id") REFERENCES "product_type" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "product_option" ADD CONSTRAINT "product_option_product_id_foreign" FOREIGN KEY ("product_id") REFERENCES "product" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "product_option_value" ADD CONSTRAINT "product_option_value_option_id_foreign" FOREIGN KEY ("option_id") REFERENCES "product_option" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "product_tags" ADD CONSTRAINT "product_tags_product_id_foreign" FOREIGN KEY ("product_id") REFERENCES "product" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "product_tags" ADD CONSTRAINT "product_tags_product_tag_id_foreign" FOREIGN KEY ("product_tag_id") REFERENCES "product_tag" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "product_images" ADD CONSTRAINT "product_images_product_id_foreign" FOREIGN KEY ("product_id") REFERENCES "product" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "product_images" ADD CONSTRAINT "product_images_image_id_foreign" FOREIGN KEY ("image_id") REFERENCES "image" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "product_category_product" ADD CONSTRAINT "product_category_product_product_id_foreign" FOREIGN KEY ("product_id") REFERENCES "product" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "product_category_product" ADD CONSTRAINT "product_category_product_product_category_id_foreign" FOREIGN KEY ("product_category_id") REFERENCES "product_category" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "product_variant" ADD CONSTRAINT "product_variant_product_id_foreign" FOREIGN KEY ("product_id") REFERENCES "product" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "product_variant_option" ADD CONSTRAINT "product_variant_option_variant_id_foreign" FOREIGN KEY ("variant_id") REFERENCES "product_variant" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "product_variant_option" ADD CONSTRAINT "product_variant_option_option_value_id_foreign" FOREIGN KEY ("option_value_id") REFERENCES "product_option_value" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "product_variant_option" CASCADE')
    op.execute('DROP TABLE IF EXISTS "product_variant" CASCADE')
    op.execute('DROP TABLE IF EXISTS "product_category_product" CASCADE')
    op.execute('DROP TABLE IF EXISTS "product_images" CASCADE')
    op.execute('DROP TABLE IF EXISTS "product_tags" CASCADE')
    op.execute('DROP TABLE IF EXISTS "product_option_value" CASCADE')
    op.execute('DROP TABLE IF EXISTS "product_option" CASCADE')
    op.execute('DROP TABLE IF EXISTS "product" CASCADE')
    op.execute('DROP TABLE IF EXISTS "product_type" CASCADE')
    op.execute('DROP TABLE IF EXISTS "product_tag" CASCADE')
    op.execute('DROP TABLE IF EXISTS "image" CASCADE')
    op.execute('DROP TABLE IF EXISTS "product_collection" CASCADE')
    op.execute('DROP TABLE IF EXISTS "product_category" CASCADE')
