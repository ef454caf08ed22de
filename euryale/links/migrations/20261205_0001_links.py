"""links: initial link tables.

Revision ID: links_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "links_0001"
down_revision = None
branch_labels = ("links",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "product_sales_channel" (\n    "id" text NOT NULL,\n    "product_id" text NOT NULL,\n    "sales_channel_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_product_sales_channel_pair_unique" ON "product_sales_channel" ("product_id", "sales_channel_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_product_sales_channel_sales_channel_id" ON "product_sales_channel" ("sales_channel_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "product_variant_inventory_item" (\n    "id" text NOT NULL,\n    "variant_id" text NOT NULL,\n    "inventory_item_id" text NOT NULL,\n    "required_quantity" integer NOT NULL DEFAULT 1,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_product_variant_inventory_item_pair_unique" ON "product_variant_inventory_item" ("variant_id", "inventory_item_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_product_variant_inventory_item_inventory_item_id" ON "product_variant_inventory_item" ("inventory_item_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "product_variant_price_set" (\n    "id" text NOT NULL,\n    "variant_id" text NOT NULL,\n    "price_set_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_product_variant_price_set_pair_unique" ON "product_variant_price_set" ("variant_id", "price_set_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_product_variant_price_set_price_set_id" ON "product_variant_price_set" ("price_set_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "shipping_option_price_set" (\n    "id" text NOT NULL,\n    "shipping_option_id" text NOT NULL,\n    "price_set_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_shipping_option_price_set_pair_unique" ON "shipping_option_price_set" ("shipping_option_id", "price_set_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_option_price_set_price_set_id" ON "shipping_option_price_set" ("price_set_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "publishable_api_key_sales_channel" (\n    "id" text NOT NULL,\n    "publishable_key_id" text NOT NULL,\n    "sales_channel_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_publishable_api_key_sales_channel_pair_unique" ON "publishable_api_key_sales_channel" ("publishable_key_id", "sales_channel_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_publishable_api_key_sales_channel_sales_channel_id" ON "publishable_api_key_sales_channel" ("sales_channel_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "sales_channel_stock_location" (\n    "id" text NOT NULL,\n    "sales_channel_id" text NOT NULL,\n    "stock_location_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_sales_channel_stock_location_pair_unique" ON "sales_channel_stock_location" ("sales_channel_id", "stock_location_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_sales_channel_stock_location_stock_location_id" ON "sales_channel_stock_location" ("stock_location_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "location_fulfillment_set" (\n    "id" text NOT NULL,\n    "stock_location_id" text NOT NULL,\n    "fulfillment_set_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_location_fulfillment_set_pair_unique" ON "location_fulfillment_set" ("stock_location_id", "fulfillment_set_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_location_fulfillment_set_fulfillment_set_id" ON "location_fulfillment_set" ("fulfillment_set_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "location_fulfillment_provider" (\n    "id" text NOT NULL,\n    "stock_location_id" text NOT NULL,\n    "fulfillment_provider_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_location_fulfillment_provider_pair_unique" ON "location_fulfillment_provider" ("stock_location_id", "fulfillment_provider_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_location_fulfillment_provider_fulfillment_provider_id" ON "location_fulfillment_provider" ("fulfillment_provider_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "region_payment_provider" (\n    "id" text NOT NULL,\n    "region_id" text NOT NULL,\n    "payment_provider_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_region_payment_provider_pair_unique" ON "region_payment_provider" ("region_id", "payment_provider_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_region_payment_provider_payment_provider_id" ON "region_payment_provider" ("payment_provider_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "cart_payment_collection" (\n    "id" text NOT NULL,\n    "cart_id" text NOT NULL,\n    "payment_collection_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_cart_payment_collection_pair_unique" ON "cart_payment_collection" ("cart_id", "payment_collection_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_payment_collection_payment_collection_id" ON "cart_payment_collection" ("payment_collection_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "cart_promotion" (\n    "id" text NOT NULL,\n    "cart_id" text NOT NULL,\n    "promotion_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_cart_promotion_pair_unique" ON "cart_promotion" ("cart_id", "promotion_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_cart_promotion_promotion_id" ON "cart_promotion" ("promotion_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "order_cart" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "cart_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_order_cart_pair_unique" ON "order_cart" ("order_id", "cart_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_cart_cart_id" ON "order_cart" ("cart_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "order_payment_collection" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "payment_collection_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_order_payment_collection_pair_unique" ON "order_payment_collection" ("order_id", "payment_collection_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_payment_collection_payment_collection_id" ON "order_payment_collection" ("payment_collection_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "order_fulfillment" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "fulfillment_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_order_fulfillment_pair_unique" ON "order_fulfillment" ("order_id", "fulfillment_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_fulfillment_fulfillment_id" ON "order_fulfillment" ("fulfillment_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "order_promotion" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "promotion_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_order_promotion_pair_unique" ON "order_promotion" ("order_id", "promotion_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_promotion_promotion_id" ON "order_promotion" ("promotion_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "return_fulfillment" (\n    "id" text NOT NULL,\n    "return_id" text NOT NULL,\n    "fulfillment_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_return_fulfillment_pair_unique" ON "return_fulfillment" ("return_id", "fulfillment_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_fulfillment_fulfillment_id" ON "return_fulfillment" ("fulfillment_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "order_claim_payment_collection" (\n    "id" text NOT NULL,\n    "claim_id" text NOT NULL,\n    "payment_collection_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_order_claim_payment_collection_pair_unique" ON "order_claim_payment_collection" ("claim_id", "payment_collection_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_claim_payment_collection_payment_collection_id" ON "order_claim_payment_collection" ("payment_collection_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "order_exchange_payment_collection" (\n    "id" text NOT NULL,\n    "exchange_id" text NOT NULL,\n    "payment_collection_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_order_exchange_payment_collection_pair_unique" ON "order_exchange_payment_collection" ("exchange_id", "payment_collection_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_exchange_payment_collection_payment_collection_id" ON "order_exchange_payment_collection" ("payment_collection_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "product_shipping_profile" (\n    "id" text NOT NULL,\n    "product_id" text NOT NULL,\n    "shipping_profile_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_product_shipping_profile_pair_unique" ON "product_shipping_profile" ("product_id", "shipping_profile_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_product_shipping_profile_shipping_profile_id" ON "product_shipping_profile" ("shipping_profile_id") WHERE deleted_at IS NULL',
    'CREATE TABLE IF NOT EXISTS "customer_account_holder" (\n    "id" text NOT NULL,\n    "customer_id" text NOT NULL,\n    "account_holder_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_customer_account_holder_pair_unique" ON "customer_account_holder" ("customer_id", "account_holder_id") WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_customer_account_holder_account_holder_id" ON "customer_account_holder" ("account_holder_id") WHERE deleted_at IS NULL',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "customer_account_holder"')
    op.execute('DROP TABLE IF EXISTS "product_shipping_profile"')
    op.execute('DROP TABLE IF EXISTS "order_exchange_payment_collection"')
    op.execute('DROP TABLE IF EXISTS "order_claim_payment_collection"')
    op.execute('DROP TABLE IF EXISTS "return_fulfillment"')
    op.execute('DROP TABLE IF EXISTS "order_promotion"')
    op.execute('DROP TABLE IF EXISTS "order_fulfillment"')
    op.execute('DROP TABLE IF EXISTS "order_payment_collection"')
    op.execute('DROP TABLE IF EXISTS "order_cart"')
    op.execute('DROP TABLE IF EXISTS "cart_promotion"')
    op.execute('DROP TABLE IF EXISTS "cart_payment_collection"')
    op.execute('DROP TABLE IF EXISTS "region_payment_provider"')
    op.execute('DROP TABLE IF EXISTS "location_fulfillment_provider"')
    op.execute('DROP TABLE IF EXISTS "location_fulfillment_set"')
    op.execute('DROP TABLE IF EXISTS "sales_channel_stock_location"')
    op.execute('DROP TABLE IF EXISTS "publishable_api_key_sales_channel"')
    op.execute('DROP TABLE IF EXISTS "shipping_option_price_set"')
    op.execute('DROP TABLE IF EXISTS "product_variant_price_set"')
    op.execute('DROP TABLE IF EXISTS "product_variant_inventory_item"')
    op.execute('DROP TABLE IF EXISTS "product_sales_channel"')
