"""Tables of the product module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

product_category = Table(
    "product_category",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=text("''")),
    Column("handle", Text, nullable=False),
    Column("mpath", Text, nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=text("false")),
    Column("is_internal", Boolean, nullable=False, server_default=text("false")),
    Column("rank", Integer, nullable=False, server_default=text("0")),
    Column("parent_category_id", Text, ForeignKey("product_category.id", ondelete="CASCADE"), nullable=True),
    Column("external_id", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("metadata", JSONB, nullable=True),
)

product_collection = Table(
    "product_collection",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("title", Text, nullable=False),
    Column("handle", Text, nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("external_id", Text, nullable=True),
)

image = Table(
    "image",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("url", Text, nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("product_id", Text, ForeignKey("product.id", ondelete="CASCADE"), nullable=True),
    Column("rank", Integer, nullable=False, server_default=text("0")),
)

product_tag = Table(
    "product_tag",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("value", Text, nullable=False),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

product_type = Table(
    "product_type",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("value", Text, nullable=False),
    Column("metadata", JSON, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

product = Table(
    "product",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("title", Text, nullable=False),
    Column("handle", Text, nullable=False),
    Column("subtitle", Text, nullable=True),
    Column("description", Text, nullable=True),
    Column("is_giftcard", Boolean, nullable=False, server_default=text("false")),
    Column("status", Text, nullable=False),
    Column("thumbnail", Text, nullable=True),
    Column("weight", Text, nullable=True),
    Column("length", Text, nullable=True),
    Column("height", Text, nullable=True),
    Column("width", Text, nullable=True),
    Column("origin_country", Text, nullable=True),
    Column("hs_code", Text, nullable=True),
    Column("mid_code", Text, nullable=True),
    Column("material", Text, nullable=True),
    Column("collection_id", Text, ForeignKey("product_collection.id", ondelete="SET NULL"), nullable=True),
    Column("type_id", Text, ForeignKey("product_type.id", ondelete="SET NULL"), nullable=True),
    Column("discountable", Boolean, nullable=False, server_default=text("true")),
    Column("external_id", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("metadata", JSONB, nullable=True),
)

product_option = Table(
    "product_option",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("title", Text, nullable=False),
    Column("product_id", Text, ForeignKey("product.id", ondelete="CASCADE"), nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("is_exclusive", Boolean, nullable=False, server_default=text("true")),
)

product_option_value = Table(
    "product_option_value",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("value", Text, nullable=False),
    Column("option_id", Text, ForeignKey("product_option.id", ondelete="CASCADE"), nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("rank", Integer, nullable=True),
)

product_tags = Table(
    "product_tags",
    metadata,
    Column("product_id", Text, ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, nullable=False),
    Column("product_tag_id", Text, ForeignKey("product_tag.id", ondelete="CASCADE"), primary_key=True, nullable=False),
)

product_images = Table(
    "product_images",
    metadata,
    Column("product_id", Text, ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, nullable=False),
    Column("image_id", Text, ForeignKey("image.id", ondelete="CASCADE"), primary_key=True, nullable=False),
)

product_category_product = Table(
    "product_category_product",
    metadata,
    Column("product_id", Text, ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, nullable=False),
    Column("product_category_id", Text, ForeignKey("product_category.id", ondelete="CASCADE"), primary_key=True, nullable=False),
)

product_variant = Table(
    "product_variant",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("title", Text, nullable=False),
    Column("sku", Text, nullable=True),
    Column("barcode", Text, nullable=True),
    Column("ean", Text, nullable=True),
    Column("upc", Text, nullable=True),
    Column("allow_backorder", Boolean, nullable=False, server_default=text("false")),
    Column("manage_inventory", Boolean, nullable=False, server_default=text("true")),
    Column("hs_code", Text, nullable=True),
    Column("origin_country", Text, nullable=True),
    Column("mid_code", Text, nullable=True),
    Column("material", Text, nullable=True),
    Column("weight", Numeric, nullable=True),
    Column("length", Numeric, nullable=True),
    Column("height", Numeric, nullable=True),
    Column("width", Numeric, nullable=True),
    Column("metadata", JSONB, nullable=True),
    Column("variant_rank", Integer, nullable=True, server_default=text("0")),
    Column("product_id", Text, ForeignKey("product.id", ondelete="CASCADE"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("thumbnail", Text, nullable=True),
)

product_variant_option = Table(
    "product_variant_option",
    metadata,
    Column("variant_id", Text, ForeignKey("product_variant.id", ondelete="CASCADE"), primary_key=True, nullable=False),
    Column("option_value_id", Text, ForeignKey("product_option_value.id", ondelete="CASCADE"), primary_key=True, nullable=False),
)

product_variant_product_image = Table(
    "product_variant_product_image",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("variant_id", Text, ForeignKey("product_variant.id", ondelete="CASCADE"), nullable=False),
    Column("image_id", Text, ForeignKey("image.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

# Store documents (euryale.query.product_documents): a product's storefront JSON for one read shape, valid while
# `version` equals the product's `product_document_version`, which triggers bump on every write to what it shows
# (migration product_0006).
product_document_version = Table(
    "product_document_version",
    metadata,
    Column("product_id", Text, primary_key=True, nullable=False),
    Column("version", BigInteger, nullable=False),
)

product_document = Table(
    "product_document",
    metadata,
    Column("product_id", Text, ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, nullable=False),
    Column("shape", Text, primary_key=True, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("variant_ids", ARRAY(Text), nullable=False),
)
