"""framework: workflow executions, scheduled job runs, held (grouped) outbox events.

Revision ID: framework_0002
Revises: framework_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "framework_0002"
down_revision = "framework_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Medusa's workflow_execution shape (2.21: run_id + retention_time columns); one live row per
    # (workflow_id, transaction_id) is what makes runs idempotent by transaction id.
    op.execute("""
        CREATE TABLE IF NOT EXISTS workflow_execution (
            id text NOT NULL UNIQUE,
            workflow_id text NOT NULL,
            transaction_id text NOT NULL,
            run_id text NOT NULL,
            execution jsonb,
            context jsonb,
            state text NOT NULL,
            retention_time integer,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            deleted_at timestamptz,
            PRIMARY KEY (workflow_id, transaction_id, run_id)
        )""")
    op.execute("CREATE UNIQUE INDEX IF NOT EXISTS uq_workflow_execution_wf_tx ON workflow_execution "
               "(workflow_id, transaction_id) WHERE deleted_at IS NULL")
    op.execute("CREATE INDEX IF NOT EXISTS idx_workflow_execution_workflow_id ON workflow_execution (workflow_id)")
    op.execute("CREATE INDEX IF NOT EXISTS idx_workflow_execution_transaction_id ON workflow_execution "
               "(transaction_id)")
    op.execute("CREATE INDEX IF NOT EXISTS idx_workflow_execution_state ON workflow_execution (state)")
    # One row per (job, tick): the unique key is what makes a tick run once across worker replicas.
    op.execute("""
        CREATE TABLE IF NOT EXISTS job_run (
            name text NOT NULL,
            tick_at timestamptz NOT NULL,
            worker text,
            status text NOT NULL DEFAULT 'running',
            error text,
            duration_ms integer,
            started_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz,
            PRIMARY KEY (name, tick_at)
        )""")
    # Events staged by a workflow step stay held until the workflow succeeds (then released) or fails (deleted).
    op.execute("ALTER TABLE event_outbox ADD COLUMN IF NOT EXISTS held boolean NOT NULL DEFAULT false")
    op.execute("CREATE INDEX IF NOT EXISTS idx_event_outbox_group ON event_outbox (group_id) WHERE group_id IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS idx_event_outbox_group")
    op.execute("ALTER TABLE event_outbox DROP COLUMN IF EXISTS held")
    op.execute("DROP TABLE IF EXISTS job_run")
    op.execute("DROP TABLE IF EXISTS workflow_execution")
