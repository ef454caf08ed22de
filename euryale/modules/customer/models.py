"""Tables of the customer module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

customer = Table(
    "customer",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("company_name", Text, nullable=True),
    Column("first_name", Text, nullable=True),
    Column("last_name", Text, nullable=True),
    Column("email", Text, nullable=True),
    Column("phone", Text, nullable=True),
    Column("has_account", Boolean, nullable=False, server_default=text("false")),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("created_by", Text, nullable=True),
)

customer_address = Table(
    "customer_address",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("address_name", Text, nullable=True),
    Column("is_default_shipping", Boolean, nullable=False, server_default=text("false")),
    Column("is_default_billing", Boolean, nullable=False, server_default=text("false")),
    Column("customer_id", Text, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
    Column("company", Text, nullable=True),
    Column("first_name", Text, nullable=True),
    Column("last_name", Text, nullable=True),
    Column("address_1", Text, nullable=True),
    Column("address_2", Text, nullable=True),
    Column("city", Text, nullable=True),
    Column("country_code", Text, nullable=True),
    Column("province", Text, nullable=True),
    Column("postal_code", Text, nullable=True),
    Column("phone", Text, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

customer_group = Table(
    "customer_group",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_by", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

customer_group_customer = Table(
    "customer_group_customer",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("customer_id", Text, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
    Column("customer_group_id", Text, ForeignKey("customer_group.id", ondelete="CASCADE"), nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("created_by", Text, nullable=True),
)
