"""tax: initial tables (tax_provider, tax_region, tax_rate, tax_rate_rule).

Revision ID: tax_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "tax_0001"
down_revision = None
branch_labels = ("tax",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "tax_provider" (\n    "id" text NOT NULL,\n    "is_enabled" boolean NOT NULL DEFAULT true,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "tax_region" (\n    "id" text NOT NULL,\n    "provider_id" text,\n    "country_code" text NOT NULL,\n    "province_code" text,\n    "parent_id" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "created_by" text,\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id"),\n    CONSTRAINT "CK_tax_region_country_top_level" CHECK (parent_id IS NULL OR province_code IS NOT NULL),\n    CONSTRAINT "CK_tax_region_provider_top_level" CHECK (parent_id IS NULL OR provider_id IS NULL)\n)',
    'CREATE TABLE IF NOT EXISTS "tax_rate" (\n    "id" text NOT NULL,\n    "rate" real NOT NULL,\n    "code" text NOT NULL,\n    "name" text NOT NULL,\n    "is_default" boolean NOT NULL DEFAULT false,\n    "is_combinable" boolean NOT NULL DEFAULT false,\n    "tax_region_id" text NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "created_by" text,\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "tax_rate_rule" (\n    "id" text NOT NULL,\n    "tax_rate_id" text NOT NULL,\n    "reference_id" text NOT NULL,\n    "reference" text NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "created_by" text,\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_tax_region_parent_id" ON "tax_region" ("parent_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_tax_region_deleted_at" ON "tax_region" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_tax_region_unique_country_province" ON "tax_region" (country_code, province_code) WHERE deleted_at IS NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_tax_region_unique_country_nullable_province" ON "tax_region" (country_code) WHERE province_code IS NULL AND deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_tax_rate_tax_region_id" ON "tax_rate" (tax_region_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_tax_rate_deleted_at" ON "tax_rate" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_single_default_region" ON "tax_rate" (tax_region_id) WHERE is_default = true AND deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_tax_rate_rule_tax_rate_id" ON "tax_rate_rule" (tax_rate_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_tax_rate_rule_reference_id" ON "tax_rate_rule" (reference_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_tax_rate_rule_deleted_at" ON "tax_rate_rule" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_tax_rate_rule_unique_rate_reference" ON "tax_rate_rule" (tax_rate_id, reference_id) WHERE deleted_at IS NULL',
    'ALTER TABLE "tax_region" ADD CONSTRAINT "tax_region_provider_id_foreign" FOREIGN KEY ("provider_id") REFERENCES "tax_provider" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
    'ALTER TABLE "tax_region" ADD CONSTRAINT "tax_region_parent_id_foreign" FOREIGN KEY ("parent_id") REFERENCES "tax_region" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "tax_rate" ADD CONSTRAINT "tax_rate_tax_region_id_foreign" FOREIGN KEY ("tax_region_id") REFERENCES "tax_region" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "tax_rate_rule" ADD CONSTRAINT "tax_rate_rule_tax_rate_id_foreign" FOREIGN KEY ("tax_rate_id") REFERENCES "tax_rate" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "tax_rate_rule" CASCADE')
    op.execute('DROP TABLE IF EXISTS "tax_rate" CASCADE')
    op.execute('DROP TABLE IF EXISTS "tax_region" CASCADE')
    op.execute('DROP TABLE IF EXISTS "tax_provider" CASCADE')
