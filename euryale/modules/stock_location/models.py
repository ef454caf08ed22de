"""Tables of the stock location module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

stock_location_address = Table(
    "stock_location_address",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("address_1", Text, nullable=False),
    Column("address_2", Text, nullable=True),
    Column("company", Text, nullable=True),
    Column("city", Text, nullable=True),
    Column("country_code", Text, nullable=False),
    Column("phone", Text, nullable=True),
    Column("province", Text, nullable=True),
    Column("postal_code", Text, nullable=True),
    Column("metadata", JSONB, nullable=True),
)

stock_location = Table(
    "stock_location",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("name", Text, nullable=False),
    Column("address_id", Text, ForeignKey("stock_location_address.id", ondelete="SET NULL"), nullable=True),
    Column("metadata", JSONB, nullable=True),
)
