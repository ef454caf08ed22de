"""Tables of the payment module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

payment_collection = Table(
    "payment_collection",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("currency_code", Text, nullable=False),
    Column("amount", Numeric, nullable=False),
    Column("authorized_amount", Numeric, nullable=True),
    Column("captured_amount", Numeric, nullable=True),
    Column("refunded_amount", Numeric, nullable=True),
    Column("region_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("status", Text, nullable=False, server_default=text("'not_paid'")),
    Column("metadata", JSONB, nullable=True),
)

payment_method_token = Table(
    "payment_method_token",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("provider_id", Text, nullable=False),
    Column("data", JSONB, nullable=True),
    Column("name", Text, nullable=False),
    Column("type_detail", Text, nullable=True),
    Column("description_detail", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("metadata", JSONB, nullable=True),
)

payment_provider = Table(
    "payment_provider",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("is_enabled", Boolean, nullable=False, server_default=text("true")),
)

payment_collection_payment_providers = Table(
    "payment_collection_payment_providers",
    metadata,
    Column("payment_collection_id", Text, ForeignKey("payment_collection.id", ondelete="CASCADE"), primary_key=True, nullable=False),
    Column("payment_provider_id", Text, ForeignKey("payment_provider.id", ondelete="CASCADE"), primary_key=True, nullable=False),
)

payment_session = Table(
    "payment_session",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("currency_code", Text, nullable=False),
    Column("amount", Numeric, nullable=False),
    Column("provider_id", Text, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("context", JSONB, nullable=True),
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("authorized_at", DateTime(timezone=True), nullable=True),
    Column("payment_collection_id", Text, ForeignKey("payment_collection.id"), nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

payment = Table(
    "payment",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("amount", Numeric, nullable=False),
    Column("currency_code", Text, nullable=False),
    Column("provider_id", Text, nullable=False),
    Column("cart_id", Text, nullable=True),
    Column("order_id", Text, nullable=True),
    Column("customer_id", Text, nullable=True),
    Column("data", JSONB, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("captured_at", DateTime(timezone=True), nullable=True),
    Column("canceled_at", DateTime(timezone=True), nullable=True),
    Column("payment_collection_id", Text, ForeignKey("payment_collection.id"), nullable=False),
    Column("payment_session_id", Text, ForeignKey("payment_session.id"), nullable=False),
)

capture = Table(
    "capture",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("amount", Numeric, nullable=False),
    Column("payment_id", Text, ForeignKey("payment.id", ondelete="CASCADE"), nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("created_by", Text, nullable=True),
)

refund_reason = Table(
    "refund_reason",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("label", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

refund = Table(
    "refund",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("amount", Numeric, nullable=False),
    Column("payment_id", Text, ForeignKey("payment.id", ondelete="CASCADE"), nullable=False),
    Column("refund_reason_id", Text, ForeignKey("refund_reason.id", ondelete="SET NULL"), nullable=True),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("created_by", Text, nullable=True),
    Column("metadata", JSONB, nullable=True),
)
