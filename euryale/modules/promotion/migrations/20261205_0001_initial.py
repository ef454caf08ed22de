"""promotion: initial tables (promotion_campaign, promotion_campaign_budget, promotion, promotion_application_method, promotion_rule, promotion_promotion_rule, application_method_target_rules, application_method_buy_rules, promotion_rule_value).

Revision ID: promotion_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "promotion_0001"
down_revision = None
branch_labels = ("promotion",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "promotion_campaign" (\n    "id" text NOT NULL,\n    "name" text NOT NULL,\n    "description" text,\n    "campaign_identifier" text NOT NULL,\n    "starts_at" timestamptz,\n    "ends_at" timestamptz,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "promotion_campaign_budget" (\n    "id" text NOT NULL,\n    "type" text NOT NULL CHECK ("type" IN (\'spend\', \'usage\')),\n    "campaign_id" text NOT NULL,\n    "currency_code" text,\n    "limit" numeric,\n    "used" numeric NOT NULL DEFAULT 0,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "promotion" (\n    "id" text NOT NULL,\n    "code" text NOT NULL,\n    "campaign_id" text,\n    "is_automatic" boolean NOT NULL DEFAULT false,\n    "type" text NOT NULL CHECK ("type" IN (\'standard\', \'buyget\')),\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "promotion_application_method" (\n    "id" text NOT NULL,\n    "value" numeric NOT NULL,\n    "currency_code" text,\n    "max_quantity" numeric,\n    "apply_to_quantity" numeric,\n    "buy_rules_min_quantity" numeric,\n    "type" text NOT NULL CHECK ("type" IN (\'fixed\', \'percentage\')),\n    "target_type" text NOT NULL CHECK ("target_type" IN (\'order\', \'shipping_methods\', \'items\')),\n    "allocation" text CHECK ("allocation" IN (\'each\', \'across\')),\n    "promotion_id" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "promotion_rule" (\n    "id" text NOT NULL,\n    "description" text,\n    "attribute" text NOT NULL,\n    "operator" text NOT NULL CHECK ("operator" IN (\'gte\', \'lte\', \'gt\', \'lt\', \'eq\', \'ne\', \'in\')),\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "promotion_promotion_rule" (\n    "promotion_id" text NOT NULL,\n    "promotion_rule_id" text NOT NULL,\n    PRIMARY KEY ("promotion_id", "promotion_rule_id")\n)',
    'CREATE TABLE IF NOT EXISTS "application_method_target_rules" (\n    "application_method_id" text NOT NULL,\n    "promotion_rule_id" text NOT NULL,\n    PRIMARY KEY ("application_method_id", "promotion_rule_id")\n)',
    'CREATE TABLE IF NOT EXISTS "application_method_buy_rules" (\n    "application_method_id" text NOT NULL,\n    "promotion_rule_id" text NOT NULL,\n    PRIMARY KEY ("application_method_id", "promotion_rule_id")\n)',
    'CREATE TABLE IF NOT EXISTS "promotion_rule_value" (\n    "id" text NOT NULL,\n    "promotion_rule_id" text NOT NULL,\n    "value" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_promotion_campaign_campaign_identifier_unique" ON "promotion_campaign" (campaign_identifier) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_campaign_budget_type" ON "promotion_campaign_budget" ("type")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "promotion_campaign_budget_campaign_id_unique" ON "promotion_campaign_budget" ("campaign_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_promotion_code" ON "promotion" ("code")',
    'CREATE INDEX IF NOT EXISTS "IDX_promotion_type" ON "promotion" ("type")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_promotion_code_unique" ON "promotion" ("code")',
    'CREATE INDEX IF NOT EXISTS "IDX_application_method_type" ON "promotion_application_method" ("type")',
    'CREATE INDEX IF NOT EXISTS "IDX_application_method_target_type" ON "promotion_application_method" ("target_type")',
    'CREATE INDEX IF NOT EXISTS "IDX_application_method_allocation" ON "promotion_application_method" ("allocation")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "promotion_application_method_promotion_id_unique" ON "promotion_application_method" ("promotion_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_promotion_application_method_currency_code" ON "promotion_application_method" (currency_code) WHERE deleted_at IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_promotion_rule_attribute" ON "promotion_rule" ("attribute")',
    'CREATE INDEX IF NOT EXISTS "IDX_promotion_rule_operator" ON "promotion_rule" ("operator")',
    'CREATE INDEX IF NOT EXISTS "IDX_promotion_rule_promotion_rule_value_id" ON "promotion_rule_value" ("promotion_rule_id")',
    'ALTER TABLE "promotion_campaign_budget" ADD CONSTRAINT "promotion_campaign_budget_campaign_id_foreign" FOREIGN KEY ("campaign_id") REFERENCES "promotion_campaign" ("id") ON UPDATE CASCADE',
    'ALTER TABLE "promotion" ADD CONSTRAINT "promotion_campaign_id_foreign" FOREIGN KEY ("campaign_id") REFERENCES "promotion_campaign" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "promotion_application_method" ADD CONSTRAINT "promotion_application_method_promotion_id_foreign" FOREIGN KEY ("promotion_id") REFERENCES "promotion" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "promotion_promotion_rule" ADD CONSTRAINT "promotion_promotion_rule_promotion_id_foreign" FOREIGN KEY ("promotion_id") REFERENCES "promotion" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "promotion_promotion_rule" ADD CONSTRAINT "promotion_promotion_rule_promotion_rule_id_foreign" FOREIGN KEY ("promotion_rule_id") REFERENCES "promotion_rule" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "application_method_target_rules" ADD CONSTRAINT "application_method_target_rules_application_method_id_foreign" FOREIGN KEY ("application_method_id") REFERENCES "promotion_application_method" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "application_method_target_rules" ADD CONSTRAINT "application_method_target_rules_promotion_rule_id_foreign" FOREIGN KEY ("promotion_rule_id") REFERENCES "promotion_rule" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "application_method_buy_rules" ADD CONSTRAINT "application_method_buy_rules_application_method_id_foreign" FOREIGN KEY ("application_method_id") REFERENCES "promotion_application_method" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "application_method_buy_rules" ADD CONSTRAINT "application_method_buy_rules_promotion_rule_id_foreign" FOREIGN KEY ("promotion_rule_id") REFERENCES "promotion_rule" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "promotion_rule_value" ADD CONSTRAINT "promotion_rule_value_promotion_rule_id_foreign" FOREIGN KEY ("promotion_rule_id") REFERENCES "promotion_rule" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "promotion_rule_value" CASCADE')
    op.execute('DROP TABLE IF EXISTS "application_method_buy_rules" CASCADE')
    op.execute('DROP TABLE IF EXISTS "application_method_target_rules" CASCADE')
    op.execute('DROP TABLE IF EXISTS "promotion_promotion_rule" CASCADE')
    op.execute('DROP TABLE IF EXISTS "promotion_rule" CASCADE')
    op.execute('DROP TABLE IF EXISTS "promotion_application_method" CASCADE')
    op.execute('DROP TABLE IF EXISTS "promotion" CASCADE')
    op.execute('DROP TABLE IF EXISTS "promotion_campaign_budget" CASCADE')
    op.execute('DROP TABLE IF EXISTS "promotion_campaign" CASCADE')
