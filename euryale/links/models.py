"""Link tables: the only place two modules meet in data (one row joins two ids; no foreign keys across modules)."""
from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, DateTime, Integer, Table, Text, text
from sqlalchemy.dialects.postgresql import ARRAY

from euryale.db.schema import metadata


@dataclass(frozen=True)
class LinkDefinition:
    """A link table between two modules' records."""

    table: Table
    id_prefix: str
    left: str
    right: str


product_sales_channel = Table(
    "product_sales_channel",
    metadata,
    Column("id", Text, primary_key=True),
    Column("product_id", Text, nullable=False),
    Column("sales_channel_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

product_variant_inventory_item = Table(
    "product_variant_inventory_item",
    metadata,
    Column("id", Text, primary_key=True),
    Column("variant_id", Text, nullable=False),
    Column("inventory_item_id", Text, nullable=False),
    Column("required_quantity", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

product_variant_price_set = Table(
    "product_variant_price_set",
    metadata,
    Column("id", Text, primary_key=True),
    Column("variant_id", Text, nullable=False),
    Column("price_set_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

shipping_option_price_set = Table(
    "shipping_option_price_set",
    metadata,
    Column("id", Text, primary_key=True),
    Column("shipping_option_id", Text, nullable=False),
    Column("price_set_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

publishable_api_key_sales_channel = Table(
    "publishable_api_key_sales_channel",
    metadata,
    Column("id", Text, primary_key=True),
    Column("publishable_key_id", Text, nullable=False),
    Column("sales_channel_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

sales_channel_stock_location = Table(
    "sales_channel_stock_location",
    metadata,
    Column("id", Text, primary_key=True),
    Column("sales_channel_id", Text, nullable=False),
    Column("stock_location_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

location_fulfillment_set = Table(
    "location_fulfillment_set",
    metadata,
    Column("id", Text, primary_key=True),
    Column("stock_location_id", Text, nullable=False),
    Column("fulfillment_set_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

location_fulfillment_provider = Table(
    "location_fulfillment_provider",
    metadata,
    Column("id", Text, primary_key=True),
    Column("stock_location_id", Text, nullable=False),
    Column("fulfillment_provider_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

region_payment_provider = Table(
    "region_payment_provider",
    metadata,
    Column("id", Text, primary_key=True),
    Column("region_id", Text, nullable=False),
    Column("payment_provider_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

cart_payment_collection = Table(
    "cart_payment_collection",
    metadata,
    Column("id", Text, primary_key=True),
    Column("cart_id", Text, nullable=False),
    Column("payment_collection_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

cart_promotion = Table(
    "cart_promotion",
    metadata,
    Column("id", Text, primary_key=True),
    Column("cart_id", Text, nullable=False),
    Column("promotion_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

order_cart = Table(
    "order_cart",
    metadata,
    Column("id", Text, primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("cart_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

order_payment_collection = Table(
    "order_payment_collection",
    metadata,
    Column("id", Text, primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("payment_collection_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

order_fulfillment = Table(
    "order_fulfillment",
    metadata,
    Column("id", Text, primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("fulfillment_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

order_promotion = Table(
    "order_promotion",
    metadata,
    Column("id", Text, primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("promotion_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

return_fulfillment = Table(
    "return_fulfillment",
    metadata,
    Column("id", Text, primary_key=True),
    Column("return_id", Text, nullable=False),
    Column("fulfillment_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

order_claim_payment_collection = Table(
    "order_claim_payment_collection",
    metadata,
    Column("id", Text, primary_key=True),
    Column("claim_id", Text, nullable=False),
    Column("payment_collection_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

order_exchange_payment_collection = Table(
    "order_exchange_payment_collection",
    metadata,
    Column("id", Text, primary_key=True),
    Column("exchange_id", Text, nullable=False),
    Column("payment_collection_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

product_shipping_profile = Table(
    "product_shipping_profile",
    metadata,
    Column("id", Text, primary_key=True),
    Column("product_id", Text, nullable=False),
    Column("shipping_profile_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

customer_account_holder = Table(
    "customer_account_holder",
    metadata,
    Column("id", Text, primary_key=True),
    Column("customer_id", Text, nullable=False),
    Column("account_holder_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)


LINKS: dict[str, LinkDefinition] = {
    "product_sales_channel": LinkDefinition(product_sales_channel, "prodsc", "product_id", "sales_channel_id"),
    "product_variant_inventory_item": LinkDefinition(product_variant_inventory_item, "pvitem", "variant_id", "inventory_item_id"),
    "product_variant_price_set": LinkDefinition(product_variant_price_set, "pvps", "variant_id", "price_set_id"),
    "shipping_option_price_set": LinkDefinition(shipping_option_price_set, "sops", "shipping_option_id", "price_set_id"),
    "publishable_api_key_sales_channel": LinkDefinition(publishable_api_key_sales_channel, "pksc", "publishable_key_id", "sales_channel_id"),
    "sales_channel_stock_location": LinkDefinition(sales_channel_stock_location, "scloc", "sales_channel_id", "stock_location_id"),
    "location_fulfillment_set": LinkDefinition(location_fulfillment_set, "locfs", "stock_location_id", "fulfillment_set_id"),
    "location_fulfillment_provider": LinkDefinition(location_fulfillment_provider, "locfp", "stock_location_id", "fulfillment_provider_id"),
    "region_payment_provider": LinkDefinition(region_payment_provider, "regpp", "region_id", "payment_provider_id"),
    "cart_payment_collection": LinkDefinition(cart_payment_collection, "capaycol", "cart_id", "payment_collection_id"),
    "cart_promotion": LinkDefinition(cart_promotion, "cartpromo", "cart_id", "promotion_id"),
    "order_cart": LinkDefinition(order_cart, "ordercart", "order_id", "cart_id"),
    "order_payment_collection": LinkDefinition(order_payment_collection, "ordpay", "order_id", "payment_collection_id"),
    "order_fulfillment": LinkDefinition(order_fulfillment, "ordful", "order_id", "fulfillment_id"),
    "order_promotion": LinkDefinition(order_promotion, "orderpromo", "order_id", "promotion_id"),
    "return_fulfillment": LinkDefinition(return_fulfillment, "retful", "return_id", "fulfillment_id"),
    "order_claim_payment_collection": LinkDefinition(order_claim_payment_collection, "claimpay", "claim_id", "payment_collection_id"),
    "order_exchange_payment_collection": LinkDefinition(order_exchange_payment_collection, "excpay", "exchange_id", "payment_collection_id"),
    "product_shipping_profile": LinkDefinition(product_shipping_profile, "prodsp", "product_id", "shipping_profile_id"),
    "customer_account_holder": LinkDefinition(customer_account_holder, "cusacchld", "customer_id", "account_holder_id"),
}


# Product listing counts (euryale.query.listing_count): the version of every store listing is the sum of
# `product_listing_change.weight`, which triggers on `product` and `product_sales_channel` raise with each write that
# may change a listing; a count is served while its `version` is the current one (migration links_0002).
product_listing_change = Table(
    "product_listing_change",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("weight", BigInteger, nullable=False),
)

product_listing_count = Table(
    "product_listing_count",
    metadata,
    Column("channels", ARRAY(Text), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("count", BigInteger, nullable=False),
)
