"""Tables of the api key module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

api_key = Table(
    "api_key",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("token", Text, nullable=False),
    Column("salt", Text, nullable=False),
    Column("redacted", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("revoked_by", Text, nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)
