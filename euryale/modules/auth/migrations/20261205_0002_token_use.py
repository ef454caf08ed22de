"""auth: single-use token ledger (password-reset `jti`s consumed atomically) and a provider lookup index.

Revision ID: auth_0002
Revises: auth_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "auth_0002"
down_revision = "auth_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('CREATE TABLE IF NOT EXISTS "auth_token_use" ('
               '"jti" text PRIMARY KEY, "purpose" text NOT NULL, '
               '"used_at" timestamptz NOT NULL DEFAULT now(), "expires_at" timestamptz NOT NULL)')
    op.execute('CREATE INDEX IF NOT EXISTS "IDX_auth_token_use_expires_at" ON "auth_token_use" ("expires_at")')


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "auth_token_use"')
