"""payment: initial tables (payment_collection, payment_method_token, payment_provider, payment_collection_payment_providers, payment_session, payment, capture, refund_reason, refund).

Revision ID: payment_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "payment_0001"
down_revision = None
branch_labels = ("payment",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "payment_collection" (\n    "id" text NOT NULL,\n    "currency_code" text NOT NULL,\n    "amount" numeric NOT NULL,\n    "authorized_amount" numeric,\n    "captured_amount" numeric,\n    "refunded_amount" numeric,\n    "region_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "completed_at" timestamptz,\n    "status" text NOT NULL DEFAULT \'not_paid\' CHECK ("status" IN (\'not_paid\', \'awaiting\', \'authorized\', \'partially_authorized\', \'canceled\')),\n    "metadata" jsonb,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "payment_method_token" (\n    "id" text NOT NULL,\n    "provider_id" text NOT NULL,\n    "data" jsonb,\n    "name" text NOT NULL,\n    "type_detail" text,\n    "description_detail" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "metadata" jsonb,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "payment_provider" (\n    "id" text NOT NULL,\n    "is_enabled" boolean NOT NULL DEFAULT true,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "payment_collection_payment_providers" (\n    "payment_collection_id" text NOT NULL,\n    "payment_provider_id" text NOT NULL,\n    PRIMARY KEY ("payment_collection_id", "payment_provider_id")\n)',
    'CREATE TABLE IF NOT EXISTS "payment_session" (\n    "id" text NOT NULL,\n    "currency_code" text NOT NULL,\n    "amount" numeric NOT NULL,\n    "provider_id" text NOT NULL,\n    "data" jsonb NOT NULL,\n    "context" jsonb,\n    "status" text NOT NULL DEFAULT \'pending\' CHECK ("status" IN (\'authorized\', \'captured\', \'pending\', \'requires_more\', \'error\', \'canceled\')),\n    "authorized_at" timestamptz,\n    "payment_collection_id" text NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "payment" (\n    "id" text NOT NULL,\n    "amount" numeric NOT NULL,\n    "currency_code" text NOT NULL,\n    "provider_id" text NOT NULL,\n    "cart_id" text,\n    "order_id" text,\n    "customer_id" text,\n    "data" jsonb,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "captured_at" timestamptz,\n    "canceled_at" timestamptz,\n    "payment_collection_id" text NOT NULL,\n    "payment_session_id" text NOT NULL,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "capture" (\n    "id" text NOT NULL,\n    "amount" numeric NOT NULL,\n    "payment_id" text NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "created_by" text,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "refund_reason" (\n    "id" text NOT NULL,\n    "label" text NOT NULL,\n    "description" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "refund" (\n    "id" text NOT NULL,\n    "amount" numeric NOT NULL,\n    "payment_id" text NOT NULL,\n    "refund_reason_id" text,\n    "note" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "created_by" text,\n    "metadata" jsonb,\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_payment_collection_region_id" ON "payment_collection" ("region_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_payment_collection_deleted_at" ON "payment_collection" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_payment_method_token_deleted_at" ON "payment_method_token" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_payment_session_payment_collection_id" ON "payment_session" ("payment_collection_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_payment_session_deleted_at" ON "payment_session" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_payment_deleted_at" ON "payment" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_payment_payment_collection_id" ON "payment" ("payment_collection_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_payment_payment_session_id" ON "payment" ("payment_session_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "payment_payment_session_id_unique" ON "payment" ("payment_session_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_payment_provider_id" ON "payment" (provider_id)',
    'CREATE INDEX IF NOT EXISTS "IDX_capture_payment_id" ON "capture" ("payment_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_capture_deleted_at" ON "capture" ("deleted_at")',
    'CREATE INDEX IF NOT EXISTS "IDX_refund_payment_id" ON "refund" ("payment_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_refund_deleted_at" ON "refund" ("deleted_at")',
    'ALTER TABLE "payment_collection_payment_providers" ADD CONSTRAINT "payment_collection_payment_providers_payment_coll_aa276_foreign" FOREIGN KEY ("payment_collection_id") REFERENCES "payment_collection" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "payment_collection_payment_providers" ADD CONSTRAINT "payment_collection_payment_providers_payment_provider_id_foreign" FOREIGN KEY ("payment_provider_id") REFERENCES "payment_provider" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "payment_session" ADD CONSTRAINT "payment_session_payment_collection_id_foreign" FOREIGN KEY ("payment_collection_id") REFERENCES "payment_collection" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "payment" ADD CONSTRAINT "payment_payment_collection_id_foreign" FOREIGN KEY ("payment_collection_id") REFERENCES "payment_collection" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "payment" ADD CONSTRAINT "payment_payment_session_id_foreign" FOREIGN KEY ("payment_session_id") REFERENCES "payment_session" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "capture" ADD CONSTRAINT "capture_payment_id_foreign" FOREIGN KEY ("payment_id") REFERENCES "payment" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "refund" ADD CONSTRAINT "refund_payment_id_foreign" FOREIGN KEY ("payment_id") REFERENCES "payment" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "refund" ADD CONSTRAINT "refund_refund_reason_id_foreign" FOREIGN KEY ("refund_reason_id") REFERENCES "refund_reason" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "refund" CASCADE')
    op.execute('DROP TABLE IF EXISTS "refund_reason" CASCADE')
    op.execute('DROP TABLE IF EXISTS "capture" CASCADE')
    op.execute('DROP TABLE IF EXISTS "payment" CASCADE')
    op.execute('DROP TABLE IF EXISTS "payment_session" CASCADE')
    op.execute('DROP TABLE IF EXISTS "payment_collection_payment_providers" CASCADE')
    op.execute('DROP TABLE IF EXISTS "payment_provider" CASCADE')
    op.execute('DROP TABLE IF EXISTS "payment_method_token" CASCADE')
    op.execute('DROP TABLE IF EXISTS "payment_collection" CASCADE')
