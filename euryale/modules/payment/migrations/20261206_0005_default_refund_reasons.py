"""payment: the three refund reasons a new Medusa 2.21 store starts with (Shipping Issue, Customer Care Adjustment,
Pricing Error), added only to a store that has no refund reason yet, as Medusa's own migration does.

Revision ID: payment_0005
Revises: payment_0004
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from ulid import ULID

revision = "payment_0005"
down_revision = "payment_0004"
branch_labels = None
depends_on = None

DEFAULTS = (
    ("Shipping Issue", "shipping_issue", "Refund due to lost, delayed, or misdelivered shipment"),
    ("Customer Care Adjustment", "customer_care_adjustment",
     "Refund given as goodwill or compensation for inconvenience"),
    ("Pricing Error", "pricing_error", "Refund to correct an overcharge, missing discount, or incorrect price"),
)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text('SELECT 1 FROM "refund_reason" LIMIT 1')).first() is not None:
        return
    for label, code, description in DEFAULTS:
        conn.execute(sa.text('INSERT INTO "refund_reason" (id, label, code, description) '
                             "VALUES (:id, :label, :code, :description)"),
                     {"id": f"refr_{ULID()}", "label": label, "code": code, "description": description})


def downgrade() -> None:
    conn = op.get_bind()
    for label, code, description in DEFAULTS:
        conn.execute(sa.text('DELETE FROM "refund_reason" WHERE label = :label AND code = :code '
                             "AND description = :description"),
                     {"label": label, "code": code, "description": description})
