"""Tables of the notification module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

notification_provider = Table(
    "notification_provider",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("handle", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("is_enabled", Boolean, nullable=False, server_default=text("true")),
    Column("channels", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

notification = Table(
    "notification",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("to", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("template", Text, nullable=False),
    Column("data", JSONB, nullable=True),
    Column("trigger_type", Text, nullable=True),
    Column("resource_id", Text, nullable=True),
    Column("resource_type", Text, nullable=True),
    Column("receiver_id", Text, nullable=True),
    Column("original_notification_id", Text, nullable=True),
    Column("idempotency_key", Text, nullable=True),
    Column("external_id", Text, nullable=True),
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("provider_id", Text, ForeignKey("notification_provider.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)
