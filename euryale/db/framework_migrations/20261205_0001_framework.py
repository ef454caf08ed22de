"""framework: event outbox.

Revision ID: framework_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "framework_0001"
down_revision = None
branch_labels = ("framework",)
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE IF NOT EXISTS event_outbox (
            id text PRIMARY KEY,
            seq bigserial NOT NULL,
            name text NOT NULL,
            data jsonb NOT NULL,
            metadata jsonb,
            group_id text,
            created_at timestamptz NOT NULL DEFAULT now(),
            published_at timestamptz
        )""")
    op.execute("CREATE INDEX IF NOT EXISTS idx_event_outbox_unpublished ON event_outbox (seq) WHERE published_at IS NULL")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS event_outbox")
