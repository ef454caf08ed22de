"""auth: initial tables (auth_identity, provider_identity).

Revision ID: auth_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "auth_0001"
down_revision = None
branch_labels = ("auth",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "auth_identity" (\n    "id" text NOT NULL,\n    "app_metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "provider_identity" (\n    "id" text NOT NULL,\n    "entity_id" text NOT NULL,\n    "provider" text NOT NULL,\n    "auth_identity_id" text NOT NULL,\n    "user_metadata" jsonb,\n    "provider_metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_provider_identity_auth_identity_id" ON "provider_identity" (auth_identity_id)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_provider_identity_provider_entity_id" ON "provider_identity" (entity_id, provider)',
    'ALTER TABLE "provider_identity" ADD CONSTRAINT "provider_identity_auth_identity_id_foreign" FOREIGN KEY ("auth_identity_id") REFERENCES "auth_identity" ("id") ON DELETE CASCADE ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "provider_identity" CASCADE')
    op.execute('DROP TABLE IF EXISTS "auth_identity" CASCADE')
