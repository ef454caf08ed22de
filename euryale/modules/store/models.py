"""Tables of the store module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

store = Table(
    "store",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("name", Text, nullable=False, server_default=text("'Medusa Store'")),
    Column("default_sales_channel_id", Text, nullable=True),
    Column("default_region_id", Text, nullable=True),
    Column("default_location_id", Text, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

store_currency = Table(
    "store_currency",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("currency_code", Text, nullable=False),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
    Column("store_id", Text, ForeignKey("store.id", ondelete="CASCADE"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)
