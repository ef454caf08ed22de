"""pricing: initial tables (price_list, price_list_rule, price_preference, price_set, price, price_rule).

Revision ID: pricing_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "pricing_0001"
down_revision = None
branch_labels = ("pricing",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "price_list" (\n    "id" text NOT NULL,\n    "title" text NOT NULL,\n    "description" text NOT NULL,\n    "status" text NOT NULL DEFAULT \'draft\' CHECK ("status" IN (\'active\', \'draft\')),\n    "type" text NOT NULL DEFAULT \'sale\' CHECK ("type" IN (\'sale\', \'override\')),\n    "starts_at" timestamptz,\n    "ends_at" timestamptz,\n    "rules_count" integer NOT NULL DEFAULT 0,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "price_list_rule" (\n    "id" text NOT NULL,\n    "attribute" text NOT NULL,\n    "value" jsonb,\n    "price_list_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "price_preference" (\n    "id" text NOT NULL,\n    "attribute" text NOT NULL,\n    "value" text,\n    "is_tax_inclusive" boolean NOT NULL DEFAULT false,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "price_set" (\n    "id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "price" (\n    "id" text NOT NULL,\n    "title" text,\n    "currency_code" text NOT NULL,\n    "amount" numeric NOT NULL,\n    "min_quantity" numeric,\n    "max_quantity" numeric,\n    "price_set_id" text NOT NULL,\n    "rules_count" integer NOT NULL DEFAULT 0,\n    "price_list_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "price_rule" (\n    "id" text NOT NULL,\n    "attribute" text NOT NULL,\n    "value" text NOT NULL,\n    "priority" integer NOT NULL DEFAULT 0,\n    "price_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_price_list_deleted_at" ON "price_list" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_price_list_rule_price_list_id" ON "price_list_rule" (price_list_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_price_list_rule_deleted_at" ON "price_list_rule" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_price_preference_deleted_at" ON "price_preference" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_price_preference_attribute_value" ON "price_preference" (attribute, value) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_price_set_deleted_at" ON "price_set" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_price_currency_code" ON "price" (currency_code) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_price_price_set_id" ON "price" (price_set_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_price_price_list_id" ON "price" (price_list_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_price_deleted_at" ON "price" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_price_rule_price_id_attribute_unique" ON "price_rule" (price_id, attribute) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_price_rule_deleted_at" ON "price_rule" (deleted_at) WHERE deleted_at IS NOT NULL',
    'ALTER TABLE "price_list_rule" ADD CONSTRAINT "price_list_rule_price_list_id_foreign" FOREIGN KEY ("price_list_id") REFERENCES "price_list" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "price" ADD CONSTRAINT "price_price_set_id_foreign" FOREIGN KEY ("price_set_id") REFERENCES "price_set" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "price" ADD CONSTRAINT "price_price_list_id_foreign" FOREIGN KEY ("price_list_id") REFERENCES "price_list" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "price_rule" ADD CONSTRAINT "price_rule_price_id_foreign" FOREIGN KEY ("price_id") REFERENCES "price" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "price_rule" CASCADE')
    op.execute('DROP TABLE IF EXISTS "price" CASCADE')
    op.execute('DROP TABLE IF EXISTS "price_set" CASCADE')
    op.execute('DROP TABLE IF EXISTS "price_preference" CASCADE')
    op.execute('DROP TABLE IF EXISTS "price_list_rule" CASCADE')
    op.execute('DROP TABLE IF EXISTS "price_list" CASCADE')
