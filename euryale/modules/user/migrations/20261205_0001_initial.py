"""user: initial tables (invite, user).

Revision ID: user_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "user_0001"
down_revision = None
branch_labels = ("user",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "invite" (\n    "id" text NOT NULL,\n    "email" text NOT NULL,\n    "accepted" boolean NOT NULL DEFAULT false,\n    "token" text NOT NULL,\n    "expires_at" timestamptz NOT NULL,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE TABLE IF NOT EXISTS "user" (\n    "id" text NOT NULL,\n    "first_name" text,\n    "last_name" text,\n    "email" text NOT NULL,\n    "avatar_url" text,\n    "metadata" jsonb,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "deleted_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_invite_email" ON "invite" (email) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_invite_token" ON "invite" (token) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_invite_deleted_at" ON "invite" (deleted_at) WHERE deleted_at IS NOT NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_user_email" ON "user" (email) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS "IDX_user_deleted_at" ON "user" (deleted_at) WHERE deleted_at IS NOT NULL',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "user" CASCADE')
    op.execute('DROP TABLE IF EXISTS "invite" CASCADE')
