"""search: index state and documents, with a GIN index on the tsvector (free text) and one on the document
(`jsonb_path_ops`, for the containment filters: status, sales channels, ids...).

Revision ID: search_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "search_0001"
down_revision = None
branch_labels = ("search",)
depends_on = None

STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "search_index" (\n    "name" text NOT NULL,\n    "status" text NOT NULL DEFAULT \'pending\',\n'
    '    "version" integer NOT NULL DEFAULT 0,\n    "last_synced_at" timestamptz,\n    "error" text,\n'
    '    "created_at" timestamptz NOT NULL DEFAULT now(),\n    "updated_at" timestamptz NOT NULL DEFAULT now(),\n'
    '    PRIMARY KEY ("name")\n)',
    'CREATE TABLE IF NOT EXISTS "search_document" (\n    "index_name" text NOT NULL,\n    "entity_id" text NOT NULL,\n'
    '    "document" jsonb NOT NULL,\n    "search_vector" tsvector NOT NULL,\n'
    '    "updated_at" timestamptz NOT NULL DEFAULT now(),\n    PRIMARY KEY ("index_name", "entity_id")\n)',
    'CREATE INDEX IF NOT EXISTS "IDX_search_document_vector" ON "search_document" USING gin ("search_vector")',
    'CREATE INDEX IF NOT EXISTS "IDX_search_document_document" ON "search_document" USING gin ("document" jsonb_path_ops)',
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute('DROP TABLE IF EXISTS "search_document" CASCADE')
    op.execute('DROP TABLE IF EXISTS "search_index" CASCADE')
