"""Tables of the fulfillment module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

fulfillment_address = Table(
    "fulfillment_address",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
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
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

fulfillment_provider = Table(
    "fulfillment_provider",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("is_enabled", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

fulfillment_set = Table(
    "fulfillment_set",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

service_zone = Table(
    "service_zone",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("fulfillment_set_id", Text, ForeignKey("fulfillment_set.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

geo_zone = Table(
    "geo_zone",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("type", Text, nullable=False, server_default=text("'country'")),
    Column("country_code", Text, nullable=False),
    Column("province_code", Text, nullable=True),
    Column("city", Text, nullable=True),
    Column("service_zone_id", Text, ForeignKey("service_zone.id", ondelete="CASCADE"), nullable=False),
    Column("postal_expression", JSONB, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

shipping_option_type = Table(
    "shipping_option_type",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("label", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("code", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

shipping_profile = Table(
    "shipping_profile",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

shipping_option = Table(
    "shipping_option",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("price_type", Text, nullable=False, server_default=text("'flat'")),
    Column("service_zone_id", Text, ForeignKey("service_zone.id", ondelete="CASCADE"), nullable=False),
    Column("shipping_profile_id", Text, ForeignKey("shipping_profile.id", ondelete="SET NULL"), nullable=True),
    Column("provider_id", Text, ForeignKey("fulfillment_provider.id", ondelete="SET NULL"), nullable=True),
    Column("data", JSONB, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("shipping_option_type_id", Text, ForeignKey("shipping_option_type.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

shipping_option_rule = Table(
    "shipping_option_rule",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("attribute", Text, nullable=False),
    Column("operator", Text, nullable=False),
    Column("value", JSONB, nullable=True),
    Column("shipping_option_id", Text, ForeignKey("shipping_option.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

fulfillment = Table(
    "fulfillment",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("location_id", Text, nullable=False),
    Column("packed_at", DateTime(timezone=True), nullable=True),
    Column("shipped_at", DateTime(timezone=True), nullable=True),
    Column("marked_shipped_by", Text, nullable=True),
    Column("created_by", Text, nullable=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("canceled_at", DateTime(timezone=True), nullable=True),
    Column("data", JSONB, nullable=True),
    Column("provider_id", Text, ForeignKey("fulfillment_provider.id", ondelete="SET NULL"), nullable=True),
    Column("shipping_option_id", Text, ForeignKey("shipping_option.id", ondelete="SET NULL"), nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("delivery_address_id", Text, ForeignKey("fulfillment_address.id", ondelete="CASCADE"), nullable=True),
    Column("requires_shipping", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

fulfillment_label = Table(
    "fulfillment_label",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("tracking_number", Text, nullable=False),
    Column("tracking_url", Text, nullable=False),
    Column("label_url", Text, nullable=False),
    Column("fulfillment_id", Text, ForeignKey("fulfillment.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

fulfillment_item = Table(
    "fulfillment_item",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("title", Text, nullable=False),
    Column("sku", Text, nullable=False),
    Column("barcode", Text, nullable=False),
    Column("quantity", Numeric, nullable=False),
    Column("line_item_id", Text, nullable=True),
    Column("inventory_item_id", Text, nullable=True),
    Column("fulfillment_id", Text, ForeignKey("fulfillment.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)
