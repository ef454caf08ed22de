"""Tables of the inventory module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

inventory_item = Table(
    "inventory_item",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("sku", Text, nullable=True),
    Column("origin_country", Text, nullable=True),
    Column("hs_code", Text, nullable=True),
    Column("mid_code", Text, nullable=True),
    Column("material", Text, nullable=True),
    Column("weight", Integer, nullable=True),
    Column("length", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("width", Integer, nullable=True),
    Column("requires_shipping", Boolean, nullable=False, server_default=text("true")),
    Column("description", Text, nullable=True),
    Column("title", Text, nullable=True),
    Column("thumbnail", Text, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("unit_of_measure", Text, nullable=True),
)

inventory_level = Table(
    "inventory_level",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("inventory_item_id", Text, ForeignKey("inventory_item.id", ondelete="CASCADE"), nullable=False),
    Column("location_id", Text, nullable=False),
    Column("stocked_quantity", Integer, nullable=False, server_default=text("0")),
    Column("reserved_quantity", Integer, nullable=False, server_default=text("0")),
    Column("incoming_quantity", Integer, nullable=False, server_default=text("0")),
    Column("metadata", JSONB, nullable=True),
)

reservation_item = Table(
    "reservation_item",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("line_item_id", Text, nullable=True),
    Column("location_id", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("external_id", Text, nullable=True),
    Column("description", Text, nullable=True),
    Column("created_by", Text, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("inventory_item_id", Text, ForeignKey("inventory_item.id", ondelete="CASCADE"), nullable=False),
)
