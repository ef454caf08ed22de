"""Tables of the user module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

invite = Table(
    "invite",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("email", Text, nullable=False),
    Column("accepted", Boolean, nullable=False, server_default=text("false")),
    Column("token", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

user = Table(
    "user",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("first_name", Text, nullable=True),
    Column("last_name", Text, nullable=True),
    Column("email", Text, nullable=False),
    Column("avatar_url", Text, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)
