"""Tables of the promotion module (shape of Medusa v2's schema; money columns are exact numeric)."""
from sqlalchemy import ARRAY, JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from euryale.db.schema import metadata

promotion_campaign = Table(
    "promotion_campaign",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("campaign_identifier", Text, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=True),
    Column("ends_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

promotion_campaign_budget = Table(
    "promotion_campaign_budget",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("type", Text, nullable=False),
    Column("campaign_id", Text, ForeignKey("promotion_campaign.id"), nullable=False),
    Column("currency_code", Text, nullable=True),
    Column("limit", Numeric, nullable=True),
    Column("used", Numeric, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

promotion = Table(
    "promotion",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("code", Text, nullable=False),
    Column("campaign_id", Text, ForeignKey("promotion_campaign.id", ondelete="SET NULL"), nullable=True),
    Column("is_automatic", Boolean, nullable=False, server_default=text("false")),
    Column("type", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("status", Text, nullable=False, server_default=text("'draft'")),
    Column("is_tax_inclusive", Boolean, nullable=False, server_default=text("false")),
    Column("limit", Integer, nullable=True),
    Column("used", Integer, nullable=False, server_default=text("0")),
    Column("metadata", JSONB, nullable=True),
)

promotion_application_method = Table(
    "promotion_application_method",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("value", Numeric, nullable=False),
    Column("currency_code", Text, nullable=True),
    Column("max_quantity", Numeric, nullable=True),
    Column("apply_to_quantity", Numeric, nullable=True),
    Column("buy_rules_min_quantity", Numeric, nullable=True),
    Column("type", Text, nullable=False),
    Column("target_type", Text, nullable=False),
    Column("allocation", Text, nullable=True),
    Column("promotion_id", Text, ForeignKey("promotion.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

promotion_rule = Table(
    "promotion_rule",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("description", Text, nullable=True),
    Column("attribute", Text, nullable=False),
    Column("operator", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

promotion_promotion_rule = Table(
    "promotion_promotion_rule",
    metadata,
    Column("promotion_id", Text, ForeignKey("promotion.id", ondelete="CASCADE"), primary_key=True, nullable=False),
    Column("promotion_rule_id", Text, ForeignKey("promotion_rule.id", ondelete="CASCADE"), primary_key=True, nullable=False),
)

application_method_target_rules = Table(
    "application_method_target_rules",
    metadata,
    Column("application_method_id", Text, ForeignKey("promotion_application_method.id", ondelete="CASCADE"), primary_key=True, nullable=False),
    Column("promotion_rule_id", Text, ForeignKey("promotion_rule.id", ondelete="CASCADE"), primary_key=True, nullable=False),
)

application_method_buy_rules = Table(
    "application_method_buy_rules",
    metadata,
    Column("application_method_id", Text, ForeignKey("promotion_application_method.id", ondelete="CASCADE"), primary_key=True, nullable=False),
    Column("promotion_rule_id", Text, ForeignKey("promotion_rule.id", ondelete="CASCADE"), primary_key=True, nullable=False),
)

promotion_rule_value = Table(
    "promotion_rule_value",
    metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("promotion_rule_id", Text, ForeignKey("promotion_rule.id", ondelete="CASCADE"), nullable=False),
    Column("value", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)
