"""Tables of the locking postgres module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

locking = Table(
    "locking",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("owner_id", Text, nullable=True),
    Column("expiration", DateTime(timezone=True), nullable=True),
)
