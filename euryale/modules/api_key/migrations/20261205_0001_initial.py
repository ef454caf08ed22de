"""api key: initial tables (api_key).

Revision ID: api_key_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "api_key_0001"
down_revision = None
branch_labels = ("api_key",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "api_key" (\n    "id" text NOT NULL,\n    "token" text NOT NULL,\n    "salt" text NOT NULL,\n    "redacted" text NOT NULL,\n    "title" text NOT NULL,\n    "type" text NOT NULL,\n    "last_used_at" timestamptz,\n    "created_by" text NOT NULL,\n    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    "revoked_by" text,\n    "revoked_at" timestamptz,\n    PRIMARY KEY ("id")\n)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "IDX_api_key_token_unique" ON "api_key" (token)',
    'CREATE INDEX IF NOT EXISTS "IDX_api_key_type" ON "api_key" (type)',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "api_key" CASCADE')
