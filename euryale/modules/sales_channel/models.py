"""Tables of the sales channel module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

sales_channel = Table(
    "sales_channel",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("is_disabled", Boolean, nullable=False, server_default=text("false")),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)
