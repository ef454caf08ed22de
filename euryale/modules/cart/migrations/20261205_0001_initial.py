"""cart: initial tables (cart_address, cart, cart_line_item, cart_line_item_adjustment, cart_line_item_tax_line, cart_shipping_method, cart_shipping_method_adjustment, cart_shipping_method_tax_line).

Revision ID: cart_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "cart_0001"
down_revision = None
branch_labels = ("cart",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "cart_address" (\n    "id" text NOT NULL,\n    "customer_id" text,\n    "company" text,\n    "first_name" text,\n    "last_name" text,\n    "address_1" text,\n    "address_2" text,\n    "city" text,\n    "country_code" text,\n    "province" text,\n    "postal_code" text,\n    "phone" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "cart" (\n    "id" text NOT NULL,\n    "region_id" text,\n    "customer_id" text,\n    "sales_channel_id" text,\n    "email" text,\n    "currency_code" text NOT NULL,\n    "shipping_address_id" text,\n    "billing_address_id" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "locale" text,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "cart_line_item" (\n    "id" text NOT NULL,\n    "cart_id" text NOT NULL,\n    "title" text NOT NULL,\n    "subtitle" text,\n    "thumbnail" text,\n    "quantity" integer NOT NULL,\n    "variant_id" text,\n    "product_id" text,\n    "product_title" text,\n    "product_description" text,\n    "product_subtitle" text,\n    "product_type" text,\n    "product_collection" text,\n    "product_handle" text,\n    "variant_sku" text,\n    "variant_barcode" text,\n    "variant_title" text,\n    "variant_option_values" jsonb,\n    "requires_shipping" boolean NOT NULL DEFAULT true,\n    "is_discountable" boolean NOT NULL DEFAULT true,\n    "is_tax_inclusive" boolean NOT NULL DEFAULT false,\n    "compare_at_unit_price" numeric,\n    "unit_price" numeric NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "is_giftcard" boolean NOT NULL DEFAULT false,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "cart_line_item_adjustment" (\n    "id" text NOT NULL,\n    "description" text,\n    "code" text,\n    "amount" numeric NOT NULL,\n    "provider_id" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "item_id" text NOT NULL,\n    "promotion_id" text,\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id"),\n    CONSTRAINT "cart_line_item_adjustment_check" CHECK (amount >= 0)\n)',
    'CREATE TABLE IF NOT EXISTS "cart_line_item_tax_line" (\n    "id" text NOT NULL,\n    "description" text,\n    "code" text NOT NULL,\n    "rate" numeric NOT NULL,\n    "provider_id" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "item_id" text NOT NULL,\n    "tax_rate_id" text,\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "cart_shipping_method" (\n    "id" text NOT NULL,\n    "cart_id" text NOT NULL,\n    "name" text NOT NULL,\n    "description" jsonb,\n    "amount" numeric NOT NULL,\n    "is_tax_inclusive" boolean NOT NULL DEFAULT false,\n    "shipping_option_id" text,\n    "data" jsonb,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id"),\n    CONSTRAINT "cart_shipping_method_check" CHECK (amount >= 0)\n)',
    'CREATE TABLE IF NOT EXISTS "cart_shipping_method_adjustment" (\n    "id" text NOT NULL,\n    "description" text,\n    "code" text,\n    "amount" numeric NOT NULL,\n    "provider_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "shipping_method_id" text NOT NULL,\n    "metadata" jsonb,\n    "promotion_id" text,\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "cart_shipping_method_tax_line" (\n    "id" text NOT NULL,\n    "description" text,\n    "code" text NOT NULL,\n    "rate" numeric NOT NULL,\n    "provider_id" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "shipping_method_id" text NOT NULL,\n    "tax_rate_id" text,\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_address_deleted_at" ON "cart_address" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_sales_channel_id" ON "cart" ("sales_channel_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_curency_code" ON "cart" ("currency_code")',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_billing_address_id" ON "cart" ("billing_address_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_region_id" ON "cart" (region_id) WHERE deleted_at IS NULL AND region_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_customer_id" ON "cart" (customer_id) WHERE deleted_at IS NULL AND customer_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_sales_channel_id" ON "cart" (sales_channel_id) WHERE deleted_at IS NULL AND sales_channel_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_shipping_address_id" ON "cart" (shipping_address_id) WHERE deleted_at IS NULL AND shipping_address_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_billing_address_id" ON "cart" (billing_address_id) WHERE deleted_at IS NULL AND billing_address_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_deleted_at" ON "cart" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_line_item_cart_id" ON "cart_line_item" (cart_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_line_item_variant_id" ON "cart_line_item" (variant_id) WHERE deleted_at IS NULL AND variant_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_line_item_product_id" ON "cart_line_item" (product_id) WHERE deleted_at IS NULL AND product_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_line_item_deleted_at" ON "cart_line_item" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_adjustment_item_id" ON "cart_line_item_adjustment" (item_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_line_item_adjustment_promotion_id" ON "cart_line_item_adjustment" (promotion_id) WHERE deleted_at IS NULL and promotion_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_line_item_adjustment_deleted_at" ON "cart_line_item_adjustment" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_tax_line_item_id" ON "cart_line_item_tax_line" (item_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_line_item_tax_line_tax_rate_id" ON "cart_line_item_tax_line" (tax_rate_id) WHERE deleted_at IS NULL AND tax_rate_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_line_item_tax_line_deleted_at" ON "cart_line_item_tax_line" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_method_cart_id" ON "cart_shipping_method" (cart_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_method_option_id" ON "cart_shipping_method" (shipping_option_id) WHERE deleted_at IS NULL AND shipping_option_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_shipping_method_deleted_at" ON "cart_shipping_method" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_adjustment_shipping_method_id" ON "cart_shipping_method_adjustment" (shipping_method_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_method_adjustment_promotion_id" ON "cart_shipping_method_adjustment" (promotion_id) WHERE deleted_at IS NULL and promotion_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_shipping_method_adjustment_deleted_at" ON "cart_shipping_method_adjustment" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_tax_line_shipping_method_id" ON "cart_shipping_method_tax_line" (shipping_method_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_method_tax_line_tax_rate_id" ON "cart_shipping_method_tax_line" (tax_rate_id) WHERE deleted_at IS NULL AND tax_rate_id IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_shipping_method_tax_line_deleted_at" ON "cart_shipping_method_tax_line" (deleted_at) WHERE deleted_at IS NOT NULL',
    'ALTER TABLE "cart" ADD CONSTRAINT "cart_shipping_address_id_foreign" FOREIGN KEY ("shipping_address_id") REFERENCES "cart_address" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "cart" ADD CONSTRAINT "cart_billing_address_id_foreign" FOREIGN KEY ("billing_address_id") REFERENCES "cart_address" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "cart_line_item" ADD CONSTRAINT "cart_line_item_cart_id_foreign" FOREIGN KEY ("cart_id") REFERENCES "cart" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "cart_shipping_method" ADD CONSTRAINT "cart_shipping_method_cart_id_foreign" FOREIGN KEY ("cart_id") REFERENCES "cart" ("id") ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "cart_shipping_method_tax_line" CASCADE')
    op.execute('DROP TABLE IF EXISTS "cart_shipping_method_adjustment" CASCADE')
    op.execute('DROP TABLE IF EXISTS "cart_shipping_method" CASCADE')
    op.execute('DROP TABLE IF EXISTS "cart_line_item_tax_line" CASCADE')
    op.execute('DROP TABLE IF EXISTS "cart_line_item_adjustment" CASCADE')
    op.execute('DROP TABLE IF EXISTS "cart_line_item" CASCADE')
    op.execute('DROP TABLE IF EXISTS "cart" CASCADE')
    op.execute('DROP TABLE IF EXISTS "cart_address" CASCADE')
