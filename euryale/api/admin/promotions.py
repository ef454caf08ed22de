"""Admin promotions (rules, target rules, buy rules, rule attribute/value options) and campaigns."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy import text

from euryale.api._logistics import Strict, deleted, reread, transaction
from euryale.errors import invalid_data
from euryale.http.actors import require_user
from euryale.modules.promotion import service as promotions
from euryale.query.logistics import campaign_resource, promotion_resource
from euryale.query.request import WireRoute, list_envelope

router = APIRouter(dependencies=[Depends(require_user)], route_class=WireRoute)
PROMOTIONS = promotion_resource()
CAMPAIGNS = campaign_resource()
Operator = Literal["gte", "lte", "gt", "lt", "eq", "ne", "in"]
RULE_KINDS = {"rules": "rules", "target-rules": "target_rules", "buy-rules": "buy_rules"}


class RuleIn(Strict):
    operator: Operator
    description: str | None = None
    attribute: str
    values: str | list[str]


class RuleUpdate(Strict):
    id: str
    operator: Operator | None = None
    description: str | None = None
    attribute: str | None = None
    values: str | list[str] | None = None


class ApplicationMethodIn(Strict):
    description: str | None = None
    value: Decimal
    currency_code: str | None = None
    max_quantity: Decimal | None = None
    type: Literal["fixed", "percentage"]
    target_type: Literal["order", "shipping_methods", "items"]
    allocation: Literal["each", "across"] | None = None
    target_rules: list[RuleIn] | None = None
    buy_rules: list[RuleIn] | None = None
    apply_to_quantity: Decimal | None = None
    buy_rules_min_quantity: Decimal | None = None


class ApplicationMethodUpdate(Strict):
    description: str | None = None
    value: Decimal | None = None
    currency_code: str | None = None
    max_quantity: Decimal | None = None
    type: Literal["fixed", "percentage"] | None = None
    target_type: Literal["order", "shipping_methods", "items"] | None = None
    allocation: Literal["each", "across"] | None = None
    apply_to_quantity: Decimal | None = None
    buy_rules_min_quantity: Decimal | None = None


class BudgetIn(Strict):
    type: Literal["spend", "usage"] | None = None
    limit: Decimal | None = None
    currency_code: str | None = None


class CampaignIn(Strict):
    name: str
    campaign_identifier: str
    description: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    budget: BudgetIn | None = None
    promotions: list[dict[str, str]] | None = None


class CampaignUpdate(Strict):
    name: str | None = None
    campaign_identifier: str | None = None
    description: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    budget: BudgetIn | None = None
    promotions: list[dict[str, str]] | None = None


class PromotionCreate(Strict):
    code: str
    is_automatic: bool | None = None
    is_tax_inclusive: bool | None = None
    type: Literal["standard", "buyget"]
    status: Literal["draft", "active", "inactive"] | None = None
    campaign_id: str | None = None
    campaign: CampaignIn | None = None
    application_method: ApplicationMethodIn
    rules: list[RuleIn] | None = None
    limit: int | None = None
    metadata: dict[str, Any] | None = None


class PromotionUpdate(Strict):
    code: str | None = None
    is_automatic: bool | None = None
    is_tax_inclusive: bool | None = None
    type: Literal["standard", "buyget"] | None = None
    status: Literal["draft", "active", "inactive"] | None = None
    campaign_id: str | None = None
    application_method: ApplicationMethodUpdate | None = None
    limit: int | None = None
    metadata: dict[str, Any] | None = None


class RulesBatch(Strict):
    create: list[RuleIn] = Field(default_factory=list)
    update: list[RuleUpdate] = Field(default_factory=list)
    delete: list[str] = Field(default_factory=list)


class PromotionsAddRemove(Strict):
    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- promotions

@router.get("/admin/promotions")
async def list_promotions(request: Request) -> dict[str, Any]:
    return await list_envelope(request, PROMOTIONS, "promotions", store=False)


@router.post("/admin/promotions")
async def create_promotion(request: Request, body: PromotionCreate) -> dict[str, Any]:
    async with transaction(request, "create-promotions") as conn:
        row = await promotions.create_promotion(conn, data=body.sent())
    return await reread(request, PROMOTIONS, "promotion", row["id"])


_OPERATORS = [{"id": op, "value": op, "label": label} for op, label in
              (("in", "In"), ("eq", "Equals"), ("ne", "Not In"))]
_ATTRIBUTES: dict[str, list[tuple[str, str, str]]] = {
    "rules": [("customer_group", "customer.groups.id", "Customer Group"), ("region", "region.id", "Region"),
              ("country", "shipping_address.country_code", "Country"), ("sales_channel", "sales_channel_id",
                                                                         "Sales Channel"),
              ("currency_code", "currency_code", "Currency code")],
    "target-rules": [("product", "items.product.id", "Product"),
                     ("product_category", "items.product.categories.id", "Product Category"),
                     ("product_collection", "items.product.collection_id", "Product Collection"),
                     ("product_type", "items.product.type_id", "Product Type"),
                     ("product_tag", "items.product.tags.id", "Product Tag")],
}
_ATTRIBUTES["buy-rules"] = _ATTRIBUTES["target-rules"]
_VALUE_SQL = {
    "customer_group": "SELECT id AS value, name AS label FROM customer_group WHERE deleted_at IS NULL",
    "region": "SELECT id AS value, name AS label FROM region WHERE deleted_at IS NULL",
    "country": "SELECT iso_2 AS value, display_name AS label FROM region_country",
    "sales_channel": "SELECT id AS value, name AS label FROM sales_channel WHERE deleted_at IS NULL",
    "currency_code": "SELECT code AS value, name AS label FROM currency",
    "product": "SELECT id AS value, title AS label FROM product WHERE deleted_at IS NULL",
    "product_category": "SELECT id AS value, name AS label FROM product_category WHERE deleted_at IS NULL",
    "product_collection": "SELECT id AS value, title AS label FROM product_collection WHERE deleted_at IS NULL",
    "product_type": "SELECT id AS value, value AS label FROM product_type WHERE deleted_at IS NULL",
    "product_tag": "SELECT id AS value, value AS label FROM product_tag WHERE deleted_at IS NULL",
    "shipping_option_type": "SELECT id AS value, label AS label FROM shipping_option_type WHERE deleted_at IS NULL",
}


def _kind(rule_type: str) -> str:
    if rule_type not in RULE_KINDS:
        raise invalid_data(f"Invalid param rule_type ({rule_type})")
    return rule_type


_SHIPPING_TARGETS = [("shipping_option_type", "shipping_methods.shipping_option.shipping_option_type_id",
                      "Shipping Option Type")]


@router.get("/admin/promotions/rule-attribute-options/{rule_type}")
async def rule_attribute_options(request: Request, rule_type: str) -> dict[str, Any]:
    attrs = _ATTRIBUTES[_kind(rule_type)]
    if rule_type == "target-rules" and request.query_params.get("application_method_target_type") == \
            "shipping_methods":
        attrs = _SHIPPING_TARGETS
    return {"attributes": [{"id": i, "value": v, "label": label, "field_type": "multiselect", "required": False,
                            "disguised": False, "hydrate": False, "operators": _OPERATORS}
                           for i, v, label in attrs]}


@router.get("/admin/promotions/rule-value-options/{rule_type}/{rule_attribute_id}")
async def rule_value_options(request: Request, rule_type: str, rule_attribute_id: str) -> dict[str, Any]:
    _kind(rule_type)
    sql = _VALUE_SQL.get(rule_attribute_id)
    if sql is None:
        raise invalid_data(f"Invalid rule attribute - {rule_attribute_id}")
    async with request.app.state.container.database().read() as conn:
        rows = (await conn.execute(text(sql + " ORDER BY 2 LIMIT 1000"))).mappings().all()
    return {"values": [{"label": r["label"], "value": r["value"]} for r in rows]}


@router.get("/admin/promotions/{promotion_id}")
async def get_promotion(request: Request, promotion_id: str) -> dict[str, Any]:
    return await reread(request, PROMOTIONS, "promotion", promotion_id)


@router.post("/admin/promotions/{promotion_id}")
async def update_promotion(request: Request, promotion_id: str, body: PromotionUpdate) -> dict[str, Any]:
    async with transaction(request, "update-promotions") as conn:
        await promotions.update_promotion(conn, promotion_id=promotion_id, data=body.sent())
    return await reread(request, PROMOTIONS, "promotion", promotion_id)


@router.delete("/admin/promotions/{promotion_id}")
async def delete_promotion(request: Request, promotion_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-promotions") as conn:
        await promotions.retrieve_promotion(conn, promotion_id=promotion_id)
        await promotions.delete_promotions(conn, ids=[promotion_id])
    return deleted(promotion_id, "promotion")


@router.get("/admin/promotions/{promotion_id}/{rule_type}")
async def get_rules(request: Request, promotion_id: str, rule_type: str) -> dict[str, Any]:
    kind = RULE_KINDS[_kind(rule_type)]
    async with request.app.state.container.database().read() as conn:
        promo = await promotions.retrieve_promotion(conn, promotion_id=promotion_id)
    rules = promo["rules"] if kind == "rules" else (promo["application_method"] or {}).get(kind, [])
    return {"rules": rules}


async def _batch(request: Request, promotion_id: str, kind: str, body: RulesBatch) -> dict[str, Any]:
    async with transaction(request, "batch-promotion-rules") as conn:
        return await promotions.batch_rules(conn, promotion_id=promotion_id, kind=kind,
                                            create=[r.sent() for r in body.create],
                                            update_=[r.sent() for r in body.update], delete_ids=body.delete)


@router.post("/admin/promotions/{promotion_id}/rules/batch")
async def batch_rules(request: Request, promotion_id: str, body: RulesBatch) -> dict[str, Any]:
    return await _batch(request, promotion_id, "rules", body)


@router.post("/admin/promotions/{promotion_id}/target-rules/batch")
async def batch_target_rules(request: Request, promotion_id: str, body: RulesBatch) -> dict[str, Any]:
    return await _batch(request, promotion_id, "target_rules", body)


@router.post("/admin/promotions/{promotion_id}/buy-rules/batch")
async def batch_buy_rules(request: Request, promotion_id: str, body: RulesBatch) -> dict[str, Any]:
    return await _batch(request, promotion_id, "buy_rules", body)


# ---------------------------------------------------------------- campaigns

@router.get("/admin/campaigns")
async def list_campaigns(request: Request) -> dict[str, Any]:
    return await list_envelope(request, CAMPAIGNS, "campaigns", store=False)


@router.post("/admin/campaigns")
async def create_campaign(request: Request, body: CampaignIn) -> dict[str, Any]:
    async with transaction(request, "create-campaigns") as conn:
        row = await promotions.create_campaign(conn, data=body.sent())
    return await reread(request, CAMPAIGNS, "campaign", row["id"])


@router.get("/admin/campaigns/{campaign_id}")
async def get_campaign(request: Request, campaign_id: str) -> dict[str, Any]:
    return await reread(request, CAMPAIGNS, "campaign", campaign_id)


@router.post("/admin/campaigns/{campaign_id}")
async def update_campaign(request: Request, campaign_id: str, body: CampaignUpdate) -> dict[str, Any]:
    async with transaction(request, "update-campaigns") as conn:
        data = body.sent()
        await promotions.update_campaign(conn, campaign_id=campaign_id, data=data)
        if body.promotions is not None:
            await promotions.add_campaign_promotions(conn, campaign_id=campaign_id,
                                                     add=[p["id"] for p in body.promotions], remove=[])
    return await reread(request, CAMPAIGNS, "campaign", campaign_id)


@router.delete("/admin/campaigns/{campaign_id}")
async def delete_campaign(request: Request, campaign_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-campaigns") as conn:
        await promotions.retrieve_campaign(conn, campaign_id=campaign_id)
        await promotions.delete_campaign(conn, campaign_id=campaign_id)
    return deleted(campaign_id, "campaign")


@router.post("/admin/campaigns/{campaign_id}/promotions")
async def campaign_promotions(request: Request, campaign_id: str, body: PromotionsAddRemove) -> dict[str, Any]:
    async with transaction(request, "add-or-remove-campaign-promotions") as conn:
        await promotions.add_campaign_promotions(conn, campaign_id=campaign_id, add=body.add, remove=body.remove)
    return await reread(request, CAMPAIGNS, "campaign", campaign_id)
