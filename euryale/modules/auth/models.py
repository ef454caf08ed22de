"""Tables of the auth module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

auth_identity = Table(
    "auth_identity",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("app_metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

provider_identity = Table(
    "provider_identity",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("provider", Text, nullable=False),
    Column("auth_identity_id", Text, ForeignKey("auth_identity.id", ondelete="CASCADE"), nullable=False),
    Column("user_metadata", JSONB, nullable=True),
    Column("provider_metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

# Not in Medusa's schema: consumed single-use tokens (password reset `jti`), kept until they expire.
auth_token_use = Table(
    "auth_token_use",
    metadata,
    Column("jti", Text, primary_key=True, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
