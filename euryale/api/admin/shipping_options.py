"""Admin shipping options (with prices and rules), shipping option types and shipping profiles."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from euryale.api._logistics import Strict, deleted, reread, transaction
from euryale.db import crud
from euryale.errors import not_allowed
from euryale.flows import logistics as flows
from euryale.http.actors import require_user
from euryale.links import service as links
from euryale.modules.fulfillment import service as fulfillment
from euryale.modules.fulfillment.models import shipping_option, shipping_option_type
from euryale.query.logistics import (
    shipping_option_resource,
    shipping_option_type_resource,
    shipping_profile_resource,
)
from euryale.query.request import WireRoute, list_envelope

router = APIRouter(dependencies=[Depends(require_user)], route_class=WireRoute)
OPTIONS = shipping_option_resource()
TYPES = shipping_option_type_resource()
PROFILES = shipping_profile_resource()
Operator = Literal["in", "eq", "ne", "gt", "gte", "lt", "lte", "nin"]


class RuleIn(Strict):
    attribute: str
    operator: Operator
    value: str | list[str] | None = None


class RuleUpdate(RuleIn):
    id: str


class RuleUpsert(Strict):
    id: str | None = None
    attribute: str
    operator: Operator
    value: str | list[str] | None = None


class TypeIn(Strict):
    label: str
    description: str | None = None
    code: str


class PriceIn(Strict):
    id: str | None = None
    currency_code: str | None = None
    region_id: str | None = None
    amount: Decimal | None = None
    rules: dict[str, Any] | None = None


class OptionCreate(Strict):
    name: str
    service_zone_id: str
    shipping_profile_id: str
    data: dict[str, Any] | None = None
    price_type: Literal["flat", "calculated"] = "flat"
    provider_id: str
    type: TypeIn | None = None
    type_id: str | None = None
    prices: list[PriceIn] = Field(default_factory=list)
    rules: list[RuleIn] = Field(default_factory=list)
    metadata: dict[str, Any] | None = None


class OptionUpdate(Strict):
    name: str | None = None
    data: dict[str, Any] | None = None
    price_type: Literal["flat", "calculated"] | None = None
    provider_id: str | None = None
    shipping_profile_id: str | None = None
    service_zone_id: str | None = None
    type: TypeIn | None = None
    type_id: str | None = None
    prices: list[PriceIn] | None = None
    rules: list[RuleUpsert] | None = None
    metadata: dict[str, Any] | None = None


class RulesBatch(Strict):
    create: list[RuleIn] = Field(default_factory=list)
    update: list[RuleUpdate] = Field(default_factory=list)
    delete: list[str] = Field(default_factory=list)


class TypeUpdate(Strict):
    label: str | None = None
    description: str | None = None
    code: str | None = None


class ProfileCreate(Strict):
    name: str
    type: str
    metadata: dict[str, Any] | None = None


class ProfileUpdate(Strict):
    name: str | None = None
    type: str | None = None
    metadata: dict[str, Any] | None = None


def _prices(prices: list[PriceIn]) -> list[dict[str, Any]]:
    return [p.model_dump(exclude_none=True) for p in prices]


# ---------------------------------------------------------------- shipping options

@router.get("/admin/shipping-options")
async def list_options(request: Request) -> dict[str, Any]:
    return await list_envelope(request, OPTIONS, "shipping_options", store=False, default_limit=20)


@router.post("/admin/shipping-options")
async def create_option(request: Request, body: OptionCreate) -> dict[str, Any]:
    data = body.sent()
    data["prices"] = _prices(body.prices)
    async with transaction(request, "create-shipping-options-workflow") as conn:
        option_id = await flows.create_shipping_option(conn, data=data)
    return await reread(request, OPTIONS, "shipping_option", option_id)


@router.get("/admin/shipping-options/{option_id}")
async def get_option(request: Request, option_id: str) -> dict[str, Any]:
    return await reread(request, OPTIONS, "shipping_option", option_id)


@router.post("/admin/shipping-options/{option_id}")
async def update_option(request: Request, option_id: str, body: OptionUpdate) -> dict[str, Any]:
    data = body.sent()
    if body.prices is not None:
        data["prices"] = _prices(body.prices)
    async with transaction(request, "update-shipping-options-workflow") as conn:
        await flows.update_shipping_option(conn, option_id=option_id, data=data)
    return await reread(request, OPTIONS, "shipping_option", option_id)


@router.delete("/admin/shipping-options/{option_id}")
async def delete_option(request: Request, option_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-shipping-options-workflow") as conn:
        await flows.delete_shipping_option(conn, option_id=option_id)
    return deleted(option_id, "shipping_option")


@router.post("/admin/shipping-options/{option_id}/rules/batch")
async def batch_rules(request: Request, option_id: str, body: RulesBatch) -> dict[str, Any]:
    async with transaction(request, "batch-shipping-option-rules") as conn:
        return await fulfillment.batch_option_rules(
            conn, option_id=option_id, create=[r.sent() for r in body.create],
            update_=[r.sent() for r in body.update], delete=body.delete)


# ---------------------------------------------------------------- shipping option types

@router.get("/admin/shipping-option-types")
async def list_types(request: Request) -> dict[str, Any]:
    return await list_envelope(request, TYPES, "shipping_option_types", store=False, default_limit=20)


@router.post("/admin/shipping-option-types")
async def create_type(request: Request, body: TypeIn) -> dict[str, Any]:
    async with transaction(request, "create-shipping-option-types") as conn:
        row = await fulfillment.create_shipping_option_type(conn, label=body.label, code=body.code,
                                                            description=body.description)
    return await reread(request, TYPES, "shipping_option_type", row["id"])


@router.get("/admin/shipping-option-types/{type_id}")
async def get_type(request: Request, type_id: str) -> dict[str, Any]:
    return await reread(request, TYPES, "shipping_option_type", type_id)


@router.post("/admin/shipping-option-types/{type_id}")
async def update_type(request: Request, type_id: str, body: TypeUpdate) -> dict[str, Any]:


    async with transaction(request, "update-shipping-option-types") as conn:
        await fulfillment.retrieve_shipping_option_type(conn, type_id=type_id)
        await crud.update_row(conn, shipping_option_type, type_id, body.sent())
    return await reread(request, TYPES, "shipping_option_type", type_id)


@router.delete("/admin/shipping-option-types/{type_id}")
async def delete_type(request: Request, type_id: str) -> dict[str, Any]:


    async with transaction(request, "delete-shipping-option-types") as conn:
        await fulfillment.retrieve_shipping_option_type(conn, type_id=type_id)
        if await crud.rows_where(conn, shipping_option, shipping_option.c.shipping_option_type_id == type_id):
            raise not_allowed(f"Cannot delete Shipping Option Type {type_id} used by Shipping Options")
        await crud.soft_delete(conn, shipping_option_type, [type_id])
    return deleted(type_id, "shipping_option_type")


# ---------------------------------------------------------------- shipping profiles

@router.get("/admin/shipping-profiles")
async def list_profiles(request: Request) -> dict[str, Any]:
    return await list_envelope(request, PROFILES, "shipping_profiles", store=False, default_limit=20)


@router.post("/admin/shipping-profiles")
async def create_profile(request: Request, body: ProfileCreate) -> dict[str, Any]:
    async with transaction(request, "create-shipping-profiles") as conn:
        row = await fulfillment.create_shipping_profile(conn, name=body.name, type=body.type,
                                                        metadata=body.metadata)
    return await reread(request, PROFILES, "shipping_profile", row["id"])


@router.get("/admin/shipping-profiles/{profile_id}")
async def get_profile(request: Request, profile_id: str) -> dict[str, Any]:
    return await reread(request, PROFILES, "shipping_profile", profile_id)


@router.post("/admin/shipping-profiles/{profile_id}")
async def update_profile(request: Request, profile_id: str, body: ProfileUpdate) -> dict[str, Any]:
    async with transaction(request, "update-shipping-profiles") as conn:
        await fulfillment.update_shipping_profile(conn, shipping_profile_id=profile_id, data=body.sent())
    return await reread(request, PROFILES, "shipping_profile", profile_id)


@router.delete("/admin/shipping-profiles/{profile_id}")
async def delete_profile(request: Request, profile_id: str) -> dict[str, Any]:
    async with transaction(request, "delete-shipping-profile") as conn:
        await fulfillment.retrieve_shipping_profile(conn, shipping_profile_id=profile_id)
        products = (await links.linked(conn, "product_shipping_profile", right_ids=[profile_id])).get(profile_id)
        if products:
            raise not_allowed(f"Cannot delete Shipping Profile {profile_id} with linked products")
        await fulfillment.delete_shipping_profile(conn, shipping_profile_id=profile_id)
    return deleted(profile_id, "shipping_profile")
