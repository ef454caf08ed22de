"""payment: `pending_authorization` session status (Medusa 2.17: deferred payments - bank transfers, payment
links - wait there until `POST /admin/orders/:id/payment-sessions/authorize`).

Revision ID: payment_0003
Revises: payment_0002
Create Date: 2026-12-05
"""
from alembic import op

revision = "payment_0003"
down_revision = "payment_0002"
branch_labels = None
depends_on = None

STATUSES = ("authorized", "captured", "pending", "requires_more", "error", "canceled")


def _check(statuses: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{s}'" for s in statuses)
    op.execute('ALTER TABLE "payment_session" DROP CONSTRAINT IF EXISTS "payment_session_status_check"')
    op.execute(f'ALTER TABLE "payment_session" ADD CONSTRAINT "payment_session_status_check" '
               f'CHECK ("status" IN ({listed}))')


def upgrade() -> None:
    _check((*STATUSES, "pending_authorization"))


def downgrade() -> None:
    op.execute("UPDATE payment_session SET status = 'pending' WHERE status = 'pending_authorization'")
    _check(STATUSES)
