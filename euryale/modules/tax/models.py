"""Tables of the tax module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

tax_provider = Table(
    "tax_provider",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("is_enabled", Boolean, nullable=False, server_default=text("true")),
)

tax_region = Table(
    "tax_region",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("provider_id", Text, ForeignKey("tax_provider.id", ondelete="SET NULL"), nullable=True),
    Column("country_code", Text, nullable=False),
    Column("province_code", Text, nullable=True),
    Column("parent_id", Text, ForeignKey("tax_region.id", ondelete="CASCADE"), nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("created_by", Text, nullable=True),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

tax_rate = Table(
    "tax_rate",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("rate", Float, nullable=False),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
    Column("is_combinable", Boolean, nullable=False, server_default=text("false")),
    Column("tax_region_id", Text, ForeignKey("tax_region.id", ondelete="CASCADE"), nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("created_by", Text, nullable=True),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

tax_rate_rule = Table(
    "tax_rate_rule",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("tax_rate_id", Text, ForeignKey("tax_rate.id", ondelete="CASCADE"), nullable=False),
    Column("reference_id", Text, nullable=False),
    Column("reference", Text, nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("created_by", Text, nullable=True),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)
