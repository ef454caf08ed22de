"""Tables of the region module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

region = Table(
    "region",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("currency_code", Text, nullable=False),
    Column("automatic_taxes", Boolean, nullable=False, server_default=text("true")),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

region_country = Table(
    "region_country",
    metadata,
    Column("iso_2", Text, primary_key=True, nullable=False),
    Column("iso_3", Text, nullable=False),
    Column("num_code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("region_id", Text, ForeignKey("region.id", ondelete="SET NULL"), nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)
