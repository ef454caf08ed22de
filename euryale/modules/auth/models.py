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

# MFA and verification (Medusa 2.15.3 / 2.16.0 tables, same columns and partial indexes).
auth_mfa_factor = Table(
    "auth_mfa_factor",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("auth_identity_id", Text, ForeignKey("auth_identity.id", ondelete="CASCADE"), nullable=False),
    Column("provider", Text, nullable=False),
    Column("status", Text, nullable=False),
    # {"secret": AES-256-GCM "v1:iv:tag:ciphertext", "issuer", "last_step"}; never answered
    Column("provider_metadata", JSONB, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

auth_mfa_recovery_code = Table(
    "auth_mfa_recovery_code",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("auth_identity_id", Text, ForeignKey("auth_identity.id", ondelete="CASCADE"), nullable=False),
    Column("code_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

auth_verification = Table(
    "auth_verification",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("auth_identity_id", Text, ForeignKey("auth_identity.id", ondelete="CASCADE"), nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("entity_type", Text, nullable=False),
    Column("code_provider", Text, nullable=False),
    Column("verified_at", DateTime(timezone=True), nullable=True),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("provider_metadata", JSONB, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

# Not in Medusa's schema (Medusa keeps challenges in the cache module): a login's pending MFA challenge. A row
# makes the attempt counter one atomic UPDATE and works the same with one process or many.
auth_mfa_challenge = Table(
    "auth_mfa_challenge",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("auth_identity_id", Text, ForeignKey("auth_identity.id", ondelete="CASCADE"), nullable=False),
    Column("auth_provider", Text, nullable=True),
    Column("methods", JSONB, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("max_attempts", Integer, nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)
