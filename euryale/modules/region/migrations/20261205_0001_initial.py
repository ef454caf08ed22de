"""region: initial tables (region, region_country).

Revision ID: region_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "region_0001"
down_revision = None
branch_labels = ("region",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "region" (\n    "id" text NOT NULL,\n    "name" text NOT NULL,\n    "currency_code" text NOT NULL,\n    "automatic_taxes" boolean NOT NULL DEFAULT true,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "region_country" (\n    "iso_2" text NOT NULL,\n    "iso_3" text NOT NULL,\n    "num_code" text NOT NULL,\n    "name" text NOT NULL,\n    "display_name" text NOT NULL,\n    "region_id" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("iso_2")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_region_country_region_id_iso_2_unique" ON "region_country" (region_id, iso_2)',
    'ALTER TABLE "region_country" ADD CONSTRAINT "region_country_region_id_foreign" FOREIGN KEY ("region_id") REFERENCES "region" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "region_country" CASCADE')
    op.execute('DROP TABLE IF EXISTS "region" CASCADE')
