"""Tables of the pricing module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

price_list = Table(
    "price_list",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'draft'")),
    Column("type", Text, nullable=False, server_default=text("'sale'")),
    Column("starts_at", DateTime(timezone=True), nullable=True),
    Column("ends_at", DateTime(timezone=True), nullable=True),
    Column("rules_count", Integer, nullable=False, server_default=text("0")),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

price_list_rule = Table(
    "price_list_rule",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("attribute", Text, nullable=False),
    Column("value", JSONB, nullable=True),
    Column("price_list_id", Text, ForeignKey("price_list.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

price_preference = Table(
    "price_preference",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("attribute", Text, nullable=False),
    Column("value", Text, nullable=True),
    Column("is_tax_inclusive", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

price_set = Table(
    "price_set",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

price = Table(
    "price",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("title", Text, nullable=True),
    Column("currency_code", Text, nullable=False),
    Column("amount", Numeric, nullable=False),
    Column("min_quantity", Numeric, nullable=True),
    Column("max_quantity", Numeric, nullable=True),
    Column("price_set_id", Text, ForeignKey("price_set.id", ondelete="CASCADE"), nullable=False),
    Column("rules_count", Integer, nullable=False, server_default=text("0")),
    Column("price_list_id", Text, ForeignKey("price_list.id", ondelete="CASCADE"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

price_rule = Table(
    "price_rule",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("attribute", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("priority", Integer, nullable=False, server_default=text("0")),
    Column("price_id", Text, ForeignKey("price.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)
