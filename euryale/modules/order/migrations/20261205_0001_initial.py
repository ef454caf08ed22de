"""order: initial tables (order_address, order, order_line_item, order_item, order_line_item_adjustment, order_line_item_tax_line, order_shipping_method, order_shipping_method_adjustment, order_shipping_method_tax_line, order_summary, return, order_exchange, order_exchange_item, order_claim, order_transaction, order_shipping, order_claim_item, order_claim_item_image, order_change, order_change_action, return_reason, return_item).

Revision ID: order_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "order_0001"
down_revision = None
branch_labels = ("order",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "order_address" (\n    "id" text NOT NULL,\n    "customer_id" text,\n    "company" text,\n    "first_name" text,\n    "last_name" text,\n    "address_1" text,\n    "address_2" text,\n    "city" text,\n    "country_code" text,\n    "province" text,\n    "postal_code" text,\n    "phone" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order" (\n    "id" text NOT NULL,\n    "display_id" serial NOT NULL,\n    "region_id" text,\n    "customer_id" text,\n    "version" integer NOT NULL DEFAULT 1,\n    "sales_channel_id" text,\n    "status" text NOT NULL DEFAULT \'pending\' CHECK ("status" IN (\'pending\', \'completed\', \'draft\', \'archived\', \'canceled\', \'requires_action\')),\n    "is_draft_order" boolean NOT NULL DEFAULT false,\n    "email" text,\n    "currency_code" text NOT NULL,\n    "shipping_address_id" text,\n    "billing_address_id" text,\n    "no_notification" boolean,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "canceled_at" timestamptz,\n    "custom_display_id" text,\n    "locale" text,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_line_item" (\n    "id" text NOT NULL,\n    "title" text NOT NULL,\n    "subtitle" text,\n    "thumbnail" text,\n    "variant_id" text,\n    "product_id" text,\n    "product_title" text,\n    "product_description" text,\n    "product_subtitle" text,\n    "product_type" text,\n    "product_collection" text,\n    "product_handle" text,\n    "variant_sku" text,\n    "variant_barcode" text,\n    "variant_title" text,\n    "variant_option_values" jsonb,\n    "requires_shipping" boolean NOT NULL,\n    "is_discountable" boolean NOT NULL,\n    "is_tax_inclusive" boolean NOT NULL,\n    "compare_at_unit_price" numeric,\n    "unit_price" numeric,\n    "is_custom_price" boolean NOT NULL DEFAULT false,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "is_giftcard" boolean NOT NULL DEFAULT false,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_item" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "version" integer NOT NULL,\n    "item_id" text NOT NULL,\n    "unit_price" numeric,\n    "compare_at_unit_price" numeric,\n    "quantity" numeric NOT NULL,\n    "fulfilled_quantity" numeric NOT NULL,\n    "delivered_quantity" numeric NOT NULL,\n    "shipped_quantity" numeric NOT NULL,\n    "return_requested_quantity" numeric NOT NULL,\n    "return_received_quantity" numeric NOT NULL,\n    "return_dismissed_quantity" numeric NOT NULL,\n    "written_off_quantity" numeric NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_line_item_adjustment" (\n    "id" text NOT NULL,\n    "description" text,\n    "promotion_id" text,\n    "code" text,\n    "amount" numeric NOT NULL,\n    "provider_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "item_id" text NOT NULL,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_line_item_tax_line" (\n    "id" text NOT NULL,\n    "description" text,\n    "tax_rate_id" text,\n    "code" text NOT NULL,\n    "rate" numeric NOT NULL,\n    "provider_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "item_id" text,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_shipping_method" (\n    "id" text NOT NULL,\n    "name" text NOT NULL,\n    "description" jsonb,\n    "amount" numeric NOT NULL,\n    "is_tax_inclusive" boolean NOT NULL DEFAULT false,\n    "is_custom_amount" boolean NOT NULL DEFAULT false,\n    "shipping_option_id" text,\n    "data" jsonb,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_shipping_method_adjustment" (\n    "id" text NOT NULL,\n    "description" text,\n    "promotion_id" text,\n    "code" text,\n    "amount" numeric NOT NULL,\n    "provider_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "shipping_method_id" text NOT NULL,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_shipping_method_tax_line" (\n    "id" text NOT NULL,\n    "description" text,\n    "tax_rate_id" text,\n    "code" text NOT NULL,\n    "rate" numeric NOT NULL,\n    "provider_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "shipping_method_id" text NOT NULL,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_summary" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "version" integer NOT NULL DEFAULT 1,\n    "totals" jsonb NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "return" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "exchange_id" text,\n    "claim_id" text,\n    "order_version" integer NOT NULL,\n    "display_id" serial NOT NULL,\n    "status" text NOT NULL DEFAULT \'open\' CHECK ("status" IN (\'open\', \'requested\', \'received\', \'partially_received\', \'canceled\')),\n    "location_id" text,\n    "no_notification" boolean,\n    "refund_amount" numeric,\n    "created_by" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "requested_at" timestamptz,\n    "received_at" timestamptz,\n    "canceled_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_exchange" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "return_id" text,\n    "order_version" integer NOT NULL,\n    "display_id" serial NOT NULL,\n    "no_notification" boolean,\n    "difference_due" numeric,\n    "allow_backorder" boolean NOT NULL DEFAULT false,\n    "created_by" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "canceled_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_exchange_item" (\n    "id" text NOT NULL,\n    "quantity" numeric NOT NULL,\n    "exchange_id" text NOT NULL,\n    "item_id" text NOT NULL,\n    "note" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_claim" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "return_id" text,\n    "order_version" integer NOT NULL,\n    "display_id" serial NOT NULL,\n    "type" text NOT NULL CHECK ("type" IN (\'refund\', \'replace\')),\n    "no_notification" boolean,\n    "refund_amount" numeric,\n    "created_by" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "canceled_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_transaction" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "return_id" text,\n    "exchange_id" text,\n    "claim_id" text,\n    "version" integer NOT NULL DEFAULT 1,\n    "amount" numeric NOT NULL,\n    "currency_code" text NOT NULL,\n    "reference" text,\n    "reference_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_shipping" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "return_id" text,\n    "exchange_id" text,\n    "claim_id" text,\n    "version" integer NOT NULL,\n    "shipping_method_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_claim_item" (\n    "id" text NOT NULL,\n    "reason" text CHECK ("reason" IN (\'missing_item\', \'wrong_item\', \'production_failure\', \'other\')),\n    "quantity" numeric NOT NULL,\n    "claim_id" text NOT NULL,\n    "item_id" text NOT NULL,\n    "is_additional_item" boolean NOT NULL DEFAULT false,\n    "note" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_claim_item_image" (\n    "id" text NOT NULL,\n    "claim_item_id" text NOT NULL,\n    "url" text NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_change" (\n    "id" text NOT NULL,\n    "order_id" text NOT NULL,\n    "return_id" text,\n    "claim_id" text,\n    "exchange_id" text,\n    "version" integer NOT NULL,\n    "change_type" text,\n    "description" text,\n    "status" text NOT NULL DEFAULT \'pending\' CHECK ("status" IN (\'confirmed\', \'declined\', \'requested\', \'pending\', \'canceled\')),\n    "internal_note" text,\n    "created_by" text,\n    "requested_by" text,\n    "requested_at" timestamptz,\n    "confirmed_by" text,\n    "confirmed_at" timestamptz,\n    "declined_by" text,\n    "declined_reason" text,\n    "metadata" jsonb,\n    "declined_at" timestamptz,\n    "canceled_by" text,\n    "canceled_at" timestamptz,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "order_change_action" (\n    "id" text NOT NULL,\n    "ordering" integer NOT NULL,\n    "order_id" text,\n    "return_id" text,\n    "claim_id" text,\n    "exchange_id" text,\n    "version" integer,\n    "order_change_id" text,\n    "reference" text,\n    "reference_id" text,\n    "action" text NOT NULL,\n    "details" jsonb NOT NULL,\n    "amount" numeric,\n    "internal_note" text,\n    "applied" boolean NOT NULL DEFAULT false,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "return_reason" (\n    "id" text NOT NULL,\n    "value" text NOT NULL,\n    "label" text NOT NULL,\n    "description" text,\n    "parent_return_reason_id" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "return_item" (\n    "id" text NOT NULL,\n    "reason_id" text,\n    "quantity" numeric NOT NULL,\n    "received_quantity" numeric NOT NULL DEFAULT 0,\n    "damaged_quantity" numeric NOT NULL DEFAULT 0,\n    "return_id" text NOT NULL,\n    "item_id" text NOT NULL,\n    "note" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_order_address_customer_id" ON "order_address" (customer_id)',
    'CREATE INDEX IF NOT EXISTS "IDX_order_display_id" ON "order" (display_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_region_id" ON "order" (region_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_customer_id" ON "order" (customer_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_customer_id" ON "order" (customer_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_is_draft_order" ON "order" (is_draft_order) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_currency_code" ON "order" (currency_code) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_address_id" ON "order" (shipping_address_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_billing_address_id" ON "order" (billing_address_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_deleted_at" ON "order" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_line_item_variant_id" ON "order_line_item" (variant_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_line_item_product_id" ON "order_line_item" (product_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_line_item_deleted_at" ON "order_line_item" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_item_order_id" ON "order_item" (order_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_item_version" ON "order_item" (version) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_item_item_id" ON "order_item" (item_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_item_deleted_at" ON "order_item" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_line_item_adjustment_item_id" ON "order_line_item_adjustment" (item_id)',
    'CREATE INDEX IF NOT EXISTS "IDX_order_line_item_tax_line_item_id" ON "order_line_item_tax_line" (item_id)',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_method_shipping_option_id" ON "order_shipping_method" (shipping_option_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_method_deleted_at" ON "order_shipping_method" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_method_adjustment_shipping_method_id" ON "order_shipping_method_adjustment" (shipping_method_id)',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_method_tax_line_shipping_method_id" ON "order_shipping_method_tax_line" (shipping_method_id)',
    'CREATE INDEX IF NOT EXISTS "IDX_order_summary_deleted_at" ON "order_summary" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_summary_order_id_version" ON "order_summary" (order_id, version) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "return_exchange_id_unique" ON "return" ("exchange_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "return_claim_id_unique" ON "return" ("claim_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_return_order_id" ON "return" (order_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_exchange_id" ON "return" (exchange_id) WHERE exchange_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_claim_id" ON "return" (claim_id) WHERE claim_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_display_id" ON "return" (display_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_deleted_at" ON "return" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "order_exchange_return_id_unique" ON "order_exchange" ("return_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_order_exchange_order_id" ON "order_exchange" (order_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_exchange_return_id" ON "order_exchange" (return_id) WHERE return_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_exchange_display_id" ON "order_exchange" (display_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_exchange_deleted_at" ON "order_exchange" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_exchange_item_exchange_id" ON "order_exchange_item" (exchange_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_exchange_item_item_id" ON "order_exchange_item" (item_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_claim_item_image_deleted_at" ON "order_claim_item_image" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "order_claim_return_id_unique" ON "order_claim" ("return_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_order_claim_order_id" ON "order_claim" (order_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_claim_return_id" ON "order_claim" (return_id) WHERE return_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_claim_display_id" ON "order_claim" (display_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_claim_deleted_at" ON "order_claim" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_transaction_order_id" ON "order_transaction" (order_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_transaction_return_id" ON "order_transaction" (return_id) WHERE return_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_transaction_exchange_id" ON "order_transaction" (exchange_id) WHERE exchange_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_transaction_claim_id" ON "order_transaction" (claim_id) WHERE claim_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_transaction_currency_code" ON "order_transaction" (currency_code) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_transaction_reference_id" ON "order_transaction" (reference_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_transaction_deleted_at" ON "order_transaction" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_transaction_order_id_version" ON "order_transaction" (order_id, version) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_order_id" ON "order_shipping" (order_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_return_id" ON "order_shipping" (return_id) WHERE return_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_exchange_id" ON "order_shipping" (exchange_id) WHERE exchange_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_claim_id" ON "order_shipping" (claim_id) WHERE claim_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_version" ON "order_shipping" (version) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_shipping_method_id" ON "order_shipping" (shipping_method_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_shipping_deleted_at" ON "order_shipping" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_claim_item_claim_id" ON "order_claim_item" (claim_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_claim_item_item_id" ON "order_claim_item" (item_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_claim_item_deleted_at" ON "order_claim_item" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_claim_item_image_claim_item_id" ON "order_claim_item_image" (claim_item_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_claim_item_image_deleted_at" ON "order_claim_item_image" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_order_id" ON "order_change" (order_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_return_id" ON "order_change" (return_id) WHERE return_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_claim_id" ON "order_change" (claim_id) WHERE claim_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_exchange_id" ON "order_change" (exchange_id) WHERE exchange_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_order_id_version" ON "order_change" (order_id, version) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_status" ON "order_change" (status) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_deleted_at" ON "order_change" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_order_id_version" ON "order_change" (order_id, version) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_action_ordering" ON "order_change_action" (ordering) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_action_order_id" ON "order_change_action" (order_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_action_return_id" ON "order_change_action" (return_id) WHERE return_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_action_claim_id" ON "order_change_action" (claim_id) WHERE claim_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_action_exchange_id" ON "order_change_action" (exchange_id) WHERE exchange_id IS NOT NULL AND deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_action_order_change_id" ON "order_change_action" (order_change_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_order_change_action_deleted_at" ON "order_change_action" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_reason_value" ON "return_reason" (value) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_reason_parent_return_reason_id" ON "return_reason" (parent_return_reason_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_reason_deleted_at" ON "return_reason" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_item_reason_id" ON "return_item" (reason_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_item_return_id" ON "return_item" (return_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_item_item_id" ON "return_item" (item_id) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_return_item_deleted_at" ON "return_item" (deleted_at) WHERE deleted_at IS NOT NULL',
    'ALTER TABLE "order" ADD CONSTRAINT "order_shipping_address_id_foreign" FOREIGN KEY ("shipping_address_id") REFERENCES "order_address" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order" ADD CONSTRAINT "order_billing_address_id_foreign" FOREIGN KEY ("billing_address_id") REFERENCES "order_address" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_item" ADD CONSTRAINT "order_item_order_id_foreign" FOREIGN KEY ("order_id") REFERENCES "order" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "order_item" ADD CONSTRAINT "order_item_item_id_foreign" FOREIGN KEY ("item_id") REFERENCES "order_line_item" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "order_line_item_adjustment" ADD CONSTRAINT "order_line_item_adjustment_item_id_foreign" FOREIGN KEY ("item_id") REFERENCES "order_line_item" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "order_line_item_tax_line" ADD CONSTRAINT "order_line_item_tax_line_item_id_foreign" FOREIGN KEY ("item_id") REFERENCES "order_line_item" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "order_shipping_method_adjustment" ADD CONSTRAINT "order_shipping_method_adjustment_shipping_method_id_foreign" FOREIGN KEY ("shipping_method_id") REFERENCES "order_shipping_method" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "order_shipping_method_tax_line" ADD CONSTRAINT "order_shipping_method_tax_line_shipping_method_id_foreign" FOREIGN KEY ("shipping_method_id") REFERENCES "order_shipping_method" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "order_summary" ADD CONSTRAINT "order_summary_order_id_foreign" FOREIGN KEY ("order_id") REFERENCES "order" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "return" ADD CONSTRAINT "return_order_id_foreign" FOREIGN KEY ("order_id") REFERENCES "order" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "return" ADD CONSTRAINT "return_exchange_id_foreign" FOREIGN KEY ("exchange_id") REFERENCES "order_exchange" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "return" ADD CONSTRAINT "return_claim_id_foreign" FOREIGN KEY ("claim_id") REFERENCES "order_claim" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_exchange" ADD CONSTRAINT "order_exchange_order_id_foreign" FOREIGN KEY ("order_id") REFERENCES "order" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "order_exchange" ADD CONSTRAINT "order_exchange_return_id_foreign" FOREIGN KEY ("return_id") REFERENCES "return" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_exchange_item" ADD CONSTRAINT "order_exchange_item_exchange_id_foreign" FOREIGN KEY ("exchange_id") REFERENCES "order_exchange" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "order_exchange_item" ADD CONSTRAINT "order_exchange_item_item_id_foreign" FOREIGN KEY ("item_id") REFERENCES "order_line_item" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "order_claim" ADD CONSTRAINT "order_claim_order_id_foreign" FOREIGN KEY ("order_id") REFERENCES "order" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "order_claim" ADD CONSTRAINT "order_claim_return_id_foreign" FOREIGN KEY ("return_id") REFERENCES "return" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_transaction" ADD CONSTRAINT "order_transaction_order_id_foreign" FOREIGN KEY ("order_id") REFERENCES "order" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "order_transaction" ADD CONSTRAINT "order_transaction_return_id_foreign" FOREIGN KEY ("return_id") REFERENCES "return" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_transaction" ADD CONSTRAINT "order_transaction_exchange_id_foreign" FOREIGN KEY ("exchange_id") REFERENCES "order_exchange" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_transaction" ADD CONSTRAINT "order_transaction_claim_id_foreign" FOREIGN KEY ("claim_id") REFERENCES "order_claim" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_shipping" ADD CONSTRAINT "order_shipping_order_id_foreign" FOREIGN KEY ("order_id") REFERENCES "order" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "order_shipping" ADD CONSTRAINT "order_shipping_return_id_foreign" FOREIGN KEY ("return_id") REFERENCES "return" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_shipping" ADD CONSTRAINT "order_shipping_exchange_id_foreign" FOREIGN KEY ("exchange_id") REFERENCES "order_exchange" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_shipping" ADD CONSTRAINT "order_shipping_claim_id_foreign" FOREIGN KEY ("claim_id") REFERENCES "order_claim" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_shipping" ADD CONSTRAINT "order_shipping_shipping_method_id_foreign" FOREIGN KEY ("shipping_method_id") REFERENCES "order_shipping_method" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "order_claim_item" ADD CONSTRAINT "order_claim_item_claim_id_foreign" FOREIGN KEY ("claim_id") REFERENCES "order_claim" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "order_claim_item" ADD CONSTRAINT "order_claim_item_item_id_foreign" FOREIGN KEY ("item_id") REFERENCES "order_line_item" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "order_claim_item_image" ADD CONSTRAINT "order_claim_item_image_claim_item_id_foreign" FOREIGN KEY ("claim_item_id") REFERENCES "order_claim_item" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "order_change" ADD CONSTRAINT "order_change_order_id_foreign" FOREIGN KEY ("order_id") REFERENCES "order" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "order_change" ADD CONSTRAINT "order_change_return_id_foreign" FOREIGN KEY ("return_id") REFERENCES "return" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_change" ADD CONSTRAINT "order_change_claim_id_foreign" FOREIGN KEY ("claim_id") REFERENCES "order_claim" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_change" ADD CONSTRAINT "order_change_exchange_id_foreign" FOREIGN KEY ("exchange_id") REFERENCES "order_exchange" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_change_action" ADD CONSTRAINT "order_change_action_order_id_foreign" FOREIGN KEY ("order_id") REFERENCES "order" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "order_change_action" ADD CONSTRAINT "order_change_action_return_id_foreign" FOREIGN KEY ("return_id") REFERENCES "return" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_change_action" ADD CONSTRAINT "order_change_action_claim_id_foreign" FOREIGN KEY ("claim_id") REFERENCES "order_claim" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_change_action" ADD CONSTRAINT "order_change_action_exchange_id_foreign" FOREIGN KEY ("exchange_id") REFERENCES "order_exchange" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "order_change_action" ADD CONSTRAINT "order_change_action_order_change_id_foreign" FOREIGN KEY ("order_change_id") REFERENCES "order_change" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "return_reason" ADD CONSTRAINT "return_reason_parent_return_reason_id_foreign" FOREIGN KEY ("parent_return_reason_id") REFERENCES "return_reason" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "return_item" ADD CONSTRAINT "return_item_reason_id_foreign" FOREIGN KEY ("reason_id") REFERENCES "return_reason" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "return_item" ADD CONSTRAINT "return_item_return_id_foreign" FOREIGN KEY ("return_id") REFERENCES "return" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "return_item" ADD CONSTRAINT "return_item_item_id_foreign" FOREIGN KEY ("item_id") REFERENCES "order_line_item" ("id") ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "return_item" CASCADE')
    op.execute('DROP TABLE IF EXISTS "return_reason" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_change_action" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_change" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_claim_item_image" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_claim_item" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_shipping" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_transaction" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_claim" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_exchange_item" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_exchange" CASCADE')
    op.execute('DROP TABLE IF EXISTS "return" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_summary" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_shipping_method_tax_line" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_shipping_method_adjustment" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_shipping_method" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_line_item_tax_line" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_line_item_adjustment" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_item" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_line_item" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order" CASCADE')
    op.execute('DROP TABLE IF EXISTS "order_address" CASCADE')
