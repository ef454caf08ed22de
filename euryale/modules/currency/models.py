"""Tables of the currency module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

currency = Table(
    "currency",
    metadata,
    Column("code", Text, primary_key=True, nullable=False),
    Column("symbol", Text, nullable=False),
    Column("symbol_native", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("decimal_digits", Integer, nullable=False, server_default=text("0")),
    Column("rounding", Numeric, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)
