"""fulfillment: initial tables (fulfillment_address, fulfillment_provider, fulfillment_set, service_zone, geo_zone, shipping_option_type, shipping_profile, shipping_option, shipping_option_rule, fulfillment, fulfillment_label, fulfillment_item).

Revision ID: fulfillment_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "fulfillment_0001"
down_revision = None
branch_labels = ("fulfillment",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "fulfillment_address" (\n    "id" text NOT NULL,\n    "company" text,\n    "first_name" text,\n    "last_name" text,\n    "address_1" text,\n    "address_2" text,\n    "city" text,\n    "country_code" text,\n    "province" text,\n    "postal_code" text,\n    "phone" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "fulfillment_provider" (\n    "id" text NOT NULL,\n    "is_enabled" boolean NOT NULL DEFAULT true,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "fulfillment_set" (\n    "id" text NOT NULL,\n    "name" text NOT NULL,\n    "type" text NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "service_zone" (\n    "id" text NOT NULL,\n    "name" text NOT NULL,\n    "metadata" jsonb,\n    "fulfillment_set_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "geo_zone" (\n    "id" text NOT NULL,\n    "type" text NOT NULL DEFAULT \'country\' CHECK ("type" IN (\'country\', \'province\', \'city\', \'zip\')),\n    "country_code" text NOT NULL,\n    "province_code" text,\n    "city" text,\n    "service_zone_id" text NOT NULL,\n    "postal_expression" jsonb,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "shipping_option_type" (\n    "id" text NOT NULL,\n    "label" text NOT NULL,\n    "description" text,\n    "code" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "shipping_profile" (\n    "id" text NOT NULL,\n    "name" text NOT NULL,\n    "type" text NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "shipping_option" (\n    "id" text NOT NULL,\n    "name" text NOT NULL,\n    "price_type" text NOT NULL DEFAULT \'flat\' CHECK ("price_type" IN (\'calculated\', \'flat\')),\n    "service_zone_id" text NOT NULL,\n    "shipping_profile_id" text,\n    "provider_id" text,\n    "data" jsonb,\n    "metadata" jsonb,\n    "shipping_option_type_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "shipping_option_rule" (\n    "id" text NOT NULL,\n    "attribute" text NOT NULL,\n    "operator" text NOT NULL CHECK ("operator" IN (\'in\', \'eq\', \'ne\', \'gt\', \'gte\', \'lt\', \'lte\', \'nin\')),\n    "value" jsonb,\n    "shipping_option_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "fulfillment" (\n    "id" text NOT NULL,\n    "location_id" text NOT NULL,\n    "packed_at" timestamptz,\n    "shipped_at" timestamptz,\n    "marked_shipped_by" text,\n    "created_by" text,\n    "delivered_at" timestamptz,\n    "canceled_at" timestamptz,\n    "data" jsonb,\n    "provider_id" text,\n    "shipping_option_id" text,\n    "metadata" jsonb,\n    "delivery_address_id" text,\n    "requires_shipping" boolean NOT NULL DEFAULT true,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "fulfillment_label" (\n    "id" text NOT NULL,\n    "tracking_number" text NOT NULL,\n    "tracking_url" text NOT NULL,\n    "label_url" text NOT NULL,\n    "fulfillment_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "fulfillment_item" (\n    "id" text NOT NULL,\n    "title" text NOT NULL,\n    "sku" text NOT NULL,\n    "barcode" text NOT NULL,\n    "quantity" numeric NOT NULL,\n    "line_item_id" text,\n    "inventory_item_id" text,\n    "fulfillment_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_address_deleted_at" ON "fulfillment_address" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_fulfillment_set_name_unique" ON "fulfillment_set" (name) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_set_deleted_at" ON "fulfillment_set" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_service_zone_name_unique" ON "service_zone" (name) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_service_zone_fulfillment_set_id" ON "service_zone" (fulfillment_set_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_service_zone_deleted_at" ON "service_zone" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_geo_zone_country_code" ON "geo_zone" (country_code) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_geo_zone_province_code" ON "geo_zone" (province_code) WHERE deleted_at IS NULL AND province_code IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_geo_zone_city" ON "geo_zone" (city) WHERE deleted_at IS NULL AND city IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_geo_zone_service_zone_id" ON "geo_zone" (service_zone_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_geo_zone_deleted_at" ON "geo_zone" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_option_type_deleted_at" ON "shipping_option_type" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_shipping_profile_name_unique" ON "shipping_profile" (name) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_profile_deleted_at" ON "shipping_profile" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "shipping_option_shipping_option_type_id_unique" ON "shipping_option" ("shipping_option_type_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_option_service_zone_id" ON "shipping_option" (service_zone_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_option_shipping_profile_id" ON "shipping_option" (shipping_profile_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_option_provider_id" ON "shipping_option" (provider_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_option_shipping_option_type_id" ON "shipping_option" (shipping_option_type_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_option_deleted_at" ON "shipping_option" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_option_rule_shipping_option_id" ON "shipping_option_rule" (shipping_option_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_shipping_option_rule_deleted_at" ON "shipping_option_rule" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "fulfillment_delivery_address_id_unique" ON "fulfillment" ("delivery_address_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_location_id" ON "fulfillment" (location_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_provider_id" ON "fulfillment" (provider_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_shipping_option_id" ON "fulfillment" (shipping_option_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_deleted_at" ON "fulfillment" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_label_fulfillment_id" ON "fulfillment_label" (fulfillment_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_label_deleted_at" ON "fulfillment_label" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_item_line_item_id" ON "fulfillment_item" (line_item_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_item_inventory_item_id" ON "fulfillment_item" (inventory_item_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_item_fulfillment_id" ON "fulfillment_item" (fulfillment_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_fulfillment_item_deleted_at" ON "fulfillment_item" (deleted_at) WHERE deleted_at IS NOT NULL',
    'ALTER TABLE "service_zone" ADD CONSTRAINT "service_zone_fulfillment_set_id_foreign" FOREIGN KEY ("fulfillment_set_id") REFERENCES "fulfillment_set" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "geo_zone" ADD CONSTRAINT "geo_zone_service_zone_id_foreign" FOREIGN KEY ("service_zone_id") REFERENCES "service_zone" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "shipping_option" ADD CONSTRAINT "shipping_option_service_zone_id_foreign" FOREIGN KEY ("service_zone_id") REFERENCES "service_zone" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "shipping_option" ADD CONSTRAINT "shipping_option_shipping_profile_id_foreign" FOREIGN KEY ("shipping_profile_id") REFERENCES "shipping_profile" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "shipping_option" ADD CONSTRAINT "shipping_option_provider_id_foreign" FOREIGN KEY ("provider_id") REFERENCES "fulfillment_provider" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "shipping_option" ADD CONSTRAINT "shipping_option_shipping_option_type_id_foreign" FOREIGN KEY ("shipping_option_type_id") REFERENCES "shipping_option_type" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "shipping_option_rule" ADD CONSTRAINT "shipping_option_rule_shipping_option_id_foreign" FOREIGN KEY ("shipping_option_id") REFERENCES "shipping_option" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "fulfillment" ADD CONSTRAINT "fulfillment_provider_id_foreign" FOREIGN KEY ("provider_id") REFERENCES "fulfillment_provider" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "fulfillment" ADD CONSTRAINT "fulfillment_shipping_option_id_foreign" FOREIGN KEY ("shipping_option_id") REFERENCES "shipping_option" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "fulfillment" ADD CONSTRAINT "fulfillment_delivery_address_id_foreign" FOREIGN KEY ("delivery_address_id") REFERENCES "fulfillment_address" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "fulfillment_label" ADD CONSTRAINT "fulfillment_label_fulfillment_id_foreign" FOREIGN KEY ("fulfillment_id") REFERENCES "fulfillment" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "fulfillment_item" ADD CONSTRAINT "fulfillment_item_fulfillment_id_foreign" FOREIGN KEY ("fulfillment_id") REFERENCES "fulfillment" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "fulfillment_item" CASCADE')
    op.execute('DROP TABLE IF EXISTS "fulfillment_label" CASCADE')
    op.execute('DROP TABLE IF EXISTS "fulfillment" CASCADE')
    op.execute('DROP TABLE IF EXISTS "shipping_option_rule" CASCADE')
    op.execute('DROP TABLE IF EXISTS "shipping_option" CASCADE')
    op.execute('DROP TABLE IF EXISTS "shipping_profile" CASCADE')
    op.execute('DROP TABLE IF EXISTS "shipping_option_type" CASCADE')
    op.execute('DROP TABLE IF EXISTS "geo_zone" CASCADE')
    op.execute('DROP TABLE IF EXISTS "service_zone" CASCADE')
    op.execute('DROP TABLE IF EXISTS "fulfillment_set" CASCADE')
    op.execute('DROP TABLE IF EXISTS "fulfillment_provider" CASCADE')
    op.execute('DROP TABLE IF EXISTS "fulfillment_address" CASCADE')
