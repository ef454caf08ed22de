"""notification: initial tables (notification_provider, notification).

Revision ID: notification_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "notification_0001"
down_revision = None
branch_labels = ("notification",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "notification_provider" (\n    "id" text NOT NULL,\n    "handle" text NOT NULL,\n    "name" text NOT NULL,\n    "is_enabled" boolean NOT NULL DEFAULT true,\n    "channels" text[] NOT NULL DEFAULT \'{}\',\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "notification" (\n    "id" text NOT NULL,\n    "to" text NOT NULL,\n    "channel" text NOT NULL,\n    "template" text NOT NULL,\n    "data" jsonb,\n    "trigger_type" text,\n    "resource_id" text,\n    "resource_type" text,\n    "receiver_id" text,\n    "original_notification_id" text,\n    "idempotency_key" text,\n    "external_id" text,\n    "status" text NOT NULL DEFAULT \'pending\' CHECK ("status" IN (\'pending\', \'success\', \'failure\')),\n    "provider_id" text,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_notification_receiver_id" ON "notification" (receiver_id) WHERE deleted_at IS NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_notification_idempotency_key_unique" ON "notification" (idempotency_key) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_notification_provider_id" ON "notification" (provider_id) WHERE deleted_at IS NULL',
    'ALTER TABLE "notification" ADD CONSTRAINT "notification_provider_id_foreign" FOREIGN KEY ("provider_id") REFERENCES "notification_provider" ("id") ON DELETE SET NULL ON UPDATE CASCADE',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "notification" CASCADE')
    op.execute('DROP TABLE IF EXISTS "notification_provider" CASCADE')
