"""customer: initial tables (customer, customer_address, customer_group, customer_group_customer).

Revision ID: customer_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "customer_0001"
down_revision = None
branch_labels = ("customer",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "customer" (\n    "id" text NOT NULL,\n    "company_name" text,\n    "first_name" text,\n    "last_name" text,\n    "email" text,\n    "phone" text,\n    "has_account" boolean NOT NULL DEFAULT false,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    "created_by" text,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "customer_address" (\n    "id" text NOT NULL,\n    "address_name" text,\n    "is_default_shipping" boolean NOT NULL DEFAULT false,\n    "is_default_billing" boolean NOT NULL DEFAULT false,\n    "customer_id" text NOT NULL,\n    "company" text,\n    "first_name" text,\n    "last_name" text,\n    "address_1" text,\n    "address_2" text,\n    "city" text,\n    "country_code" text,\n    "province" text,\n    "postal_code" text,\n    "phone" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "customer_group" (\n    "id" text NOT NULL,\n    "name" text NOT NULL,\n    "metadata" jsonb,\n    "created_by" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "customer_group_customer" (\n    "id" text NOT NULL,\n    "customer_id" text NOT NULL,\n    "customer_group_id" text NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "created_by" text,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_customer_email_has_account_unique" ON "customer" (email, has_account) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_customer_address_customer_id" ON "customer_address" ("customer_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_customer_address_unique_customer_billing" ON "customer_address" (customer_id) WHERE "is_default_billing" = true',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_customer_address_unique_customer_shipping" ON "customer_address" (customer_id) WHERE "is_default_shipping" = true',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_customer_group_name_unique" ON "customer_group" (name) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_customer_group_customer_group_id" ON "customer_group_customer" ("customer_group_id")',
    'CREATE INDEX IF NOT EXISTS "IDX_customer_group_customer_customer_id" ON "customer_group_customer" ("customer_id")',
    'ALTER TABLE "customer_address" ADD CONSTRAINT "customer_address_customer_id_foreign" FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
    'ALTER TABLE "customer_group_customer" ADD CONSTRAINT "customer_group_customer_customer_group_id_foreign" FOREIGN KEY ("customer_group_id") REFERENCES "customer_group" ("id") ON DELETE CASCADE',
    'ALTER TABLE "customer_group_customer" ADD CONSTRAINT "customer_group_customer_customer_id_foreign" FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "customer_group_customer" CASCADE')
    op.execute('DROP TABLE IF EXISTS "customer_group" CASCADE')
    op.execute('DROP TABLE IF EXISTS "customer_address" CASCADE')
    op.execute('DROP TABLE IF EXISTS "customer" CASCADE')
