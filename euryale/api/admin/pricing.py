"""Admin price lists (with prices and rules) and price preferences."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from euryale.api._logistics import transaction
from euryale.errors import invalid_data
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.http.actors import require_user
from euryale.links.models import product_variant_price_set as pvps
from euryale.modules.pricing import service as pricing
from euryale.modules.product.models import product_variant
from euryale.query.cache import bump_after_write
from euryale.query.catalog import price_list_resource, price_preference_resource
from euryale.query.request import WireRoute, list_envelope, retrieve_one

router = APIRouter(dependencies=[Depends(bump_after_write, scope="function"), Depends(require_user)], route_class=WireRoute)
LISTS = price_list_resource()
PREFS = price_preference_resource()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListPriceCreate(Strict):
    currency_code: str
    amount: Decimal = Field(ge=0, allow_inf_nan=False)
    variant_id: str
    min_quantity: Decimal | None = None
    max_quantity: Decimal | None = None
    rules: dict[str, str] | None = None


class ListPriceUpdate(Strict):
    id: str
    currency_code: str | None = None
    amount: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    variant_id: str | None = None
    min_quantity: Decimal | None = None
    max_quantity: Decimal | None = None
    rules: dict[str, str] | None = None


class PriceListFields(Strict):
    description: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    status: Literal["active", "draft"] | None = None
    type: Literal["sale", "override"] | None = None
    rules: dict[str, list[str]] | None = None


class PriceListCreate(PriceListFields):
    title: str
    description: str
    prices: list[ListPriceCreate] | None = None


class PriceListUpdate(PriceListFields):
    title: str | None = None


class PriceBatch(Strict):
    create: list[ListPriceCreate] = Field(default_factory=list)
    update: list[ListPriceUpdate] = Field(default_factory=list)
    delete: list[str] = Field(default_factory=list)


class ProductsBody(Strict):
    remove: list[str] = Field(default_factory=list)


class PreferenceCreate(Strict):
    attribute: str
    value: str
    is_tax_inclusive: bool | None = None


class PreferenceUpdate(Strict):
    attribute: str | None = None
    value: str | None = None
    is_tax_inclusive: bool | None = None


async def _variant_sets(conn: Any, variant_ids: list[str]) -> dict[str, str]:
    if not variant_ids:
        return {}
    found = {r.variant_id: r.price_set_id for r in await conn.execute(
        select(pvps.c.variant_id, pvps.c.price_set_id).where(pvps.c.variant_id.in_(variant_ids),
                                                             pvps.c.deleted_at.is_(None)))}
    missing = [v for v in variant_ids if v not in found]
    if missing:
        raise invalid_data(f"Variants with IDs {', '.join(missing)} do not exist or have no prices")
    return found


async def _add_prices(conn: Any, price_list_id: str, prices: list[ListPriceCreate]) -> list[str]:
    sets = await _variant_sets(conn, list({p.variant_id for p in prices}))
    return await pricing.add_price_list_prices(conn, price_list_id=price_list_id, prices=[
        (sets[p.variant_id], p.model_dump(exclude={"variant_id"}, exclude_none=True)) for p in prices])


async def _one(request: Request, price_list_id: str) -> dict[str, Any]:
    return {"price_list": await retrieve_one(request, LISTS, price_list_id, store=False)}


@router.get("/admin/price-lists")
async def list_price_lists(request: Request) -> dict[str, Any]:
    """`GET /admin/price-lists`."""
    return await list_envelope(request, LISTS, "price_lists", store=False)


@router.post("/admin/price-lists")
async def create_price_list(body: PriceListCreate, request: Request) -> dict[str, Any]:
    """`POST /admin/price-lists`."""
    async with transaction(request, "create-price-lists") as conn:
        pl_id = await pricing.create_price_list(conn, data=body.model_dump(exclude_unset=True, exclude={"prices"}))
        await _add_prices(conn, pl_id, body.prices or [])
        await stage_events(conn, [Event("price-list.created", {"id": pl_id})])
    return await _one(request, pl_id)


@router.get("/admin/price-lists/{price_list_id}")
async def retrieve_price_list(price_list_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/price-lists/{price_list_id}`."""
    return await _one(request, price_list_id)


@router.post("/admin/price-lists/{price_list_id}")
async def update_price_list(price_list_id: str, body: PriceListUpdate, request: Request) -> dict[str, Any]:
    """`POST /admin/price-lists/{price_list_id}`."""
    async with transaction(request, "update-price-lists") as conn:
        await pricing.update_price_list(conn, price_list_id=price_list_id, data=body.model_dump(exclude_unset=True))
        await stage_events(conn, [Event("price-list.updated", {"id": price_list_id})])
    return await _one(request, price_list_id)


@router.delete("/admin/price-lists/{price_list_id}")
async def delete_price_list(price_list_id: str, request: Request) -> dict[str, Any]:
    """`DELETE /admin/price-lists/{price_list_id}`."""
    async with transaction(request, "delete-price-lists") as conn:
        await pricing.delete_price_list(conn, price_list_id=price_list_id)
        await stage_events(conn, [Event("price-list.deleted", {"id": price_list_id})])
    return {"id": price_list_id, "object": "price_list", "deleted": True}


@router.get("/admin/price-lists/{price_list_id}/prices")
async def list_price_list_prices(price_list_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/price-lists/{price_list_id}/prices`."""
    pl = await retrieve_one(request, LISTS, price_list_id, store=False,
                            sel=LISTS.selection("id,*prices", store=False))
    prices = pl.get("prices") or []
    return {"prices": prices, "count": len(prices), "offset": 0, "limit": len(prices)}


@router.post("/admin/price-lists/{price_list_id}/prices/batch")
async def batch_prices(price_list_id: str, body: PriceBatch, request: Request) -> dict[str, Any]:
    """`POST /admin/price-lists/{price_list_id}/prices/batch`."""
    async with transaction(request, "batch-price-list-prices") as conn:
        await pricing.require_price_list(conn, price_list_id=price_list_id)
        created = await _add_prices(conn, price_list_id, body.create)
        updated = await pricing.update_price_list_prices(
            conn, price_list_id=price_list_id, prices=[u.model_dump(exclude_unset=True, exclude={"variant_id"})
                                                       for u in body.update])
        deleted = await pricing.remove_price_list_prices(conn, price_list_id=price_list_id, price_ids=body.delete)
        await stage_events(conn, [Event("price-list.updated", {"id": price_list_id})])
    pl = await retrieve_one(request, LISTS, price_list_id, store=False, sel=LISTS.selection("id,*prices"))
    by_id = {p["id"]: p for p in pl.get("prices") or []}
    touched = [by_id[i] for i in [*created, *updated] if i in by_id]
    async with request.app.state.container.database().read() as conn:
        rules = await pricing.price_rule_rows(conn, [{"id": p["id"], "rules_count": len(p["rules"])} for p in touched
                                                     if p.get("rules")])
    shaped = {p["id"]: _batch_price(p, rules.get(p["id"], [])) for p in touched}
    return {"created": [shaped[i] for i in created if i in shaped], "updated": [shaped[i] for i in updated if i in shaped],
            "deleted": {"ids": deleted or body.delete, "object": "price", "deleted": True}}


def _batch_price(p: dict[str, Any], price_rules: list[dict[str, Any]]) -> dict[str, Any]:
    """A price as Medusa 2.21.2's price-list batch answers it: its set as `{id, variant: {id}}`, its rule rows."""
    variant_id = p.get("variant_id")
    return {"id": p["id"], "currency_code": p["currency_code"], "amount": p["amount"],
            "min_quantity": p["min_quantity"], "max_quantity": p["max_quantity"], "created_at": p["created_at"],
            "updated_at": p["updated_at"], "deleted_at": p["deleted_at"], "price_set_id": p["price_set_id"],
            "price_set": {"id": p["price_set_id"], "variant": {"id": variant_id} if variant_id else None},
            "price_rules": price_rules}


@router.post("/admin/price-lists/{price_list_id}/products")
async def remove_products(price_list_id: str, body: ProductsBody, request: Request) -> dict[str, Any]:
    """Remove the list's prices of the given products' variants."""
    async with transaction(request, "remove-price-list-products") as conn:
        await pricing.require_price_list(conn, price_list_id=price_list_id)
        sets = [r[0] for r in await conn.execute(
            select(pvps.c.price_set_id).join(product_variant, product_variant.c.id == pvps.c.variant_id)
            .where(product_variant.c.product_id.in_(body.remove), pvps.c.deleted_at.is_(None)))]
        await pricing.remove_price_list_prices(conn, price_list_id=price_list_id, price_set_ids=sets)
    return await _one(request, price_list_id)


@router.get("/admin/price-preferences")
async def list_preferences(request: Request) -> dict[str, Any]:
    """`GET /admin/price-preferences`."""
    return await list_envelope(request, PREFS, "price_preferences", store=False, default_limit=300)


@router.post("/admin/price-preferences")
async def create_preference(body: PreferenceCreate, request: Request) -> dict[str, Any]:
    """`POST /admin/price-preferences`."""
    async with transaction(request, "create-price-preferences") as conn:
        pref_id = await pricing.create_price_preference(conn, data=body.model_dump(exclude_unset=True))
    return {"price_preference": await retrieve_one(request, PREFS, pref_id, store=False)}


@router.get("/admin/price-preferences/{preference_id}")
async def retrieve_preference(preference_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/price-preferences/{preference_id}`."""
    return {"price_preference": await retrieve_one(request, PREFS, preference_id, store=False)}


@router.post("/admin/price-preferences/{preference_id}")
async def update_preference(preference_id: str, body: PreferenceUpdate, request: Request) -> dict[str, Any]:
    """`POST /admin/price-preferences/{preference_id}`."""
    async with transaction(request, "update-price-preferences") as conn:
        await pricing.update_price_preference(conn, preference_id=preference_id,
                                              data=body.model_dump(exclude_unset=True))
    return {"price_preference": await retrieve_one(request, PREFS, preference_id, store=False)}


@router.delete("/admin/price-preferences/{preference_id}")
async def delete_preference(preference_id: str, request: Request) -> dict[str, Any]:
    """`DELETE /admin/price-preferences/{preference_id}`."""
    async with transaction(request, "delete-price-preferences") as conn:
        await pricing.delete_price_preference(conn, preference_id=preference_id)
    return {"id": preference_id, "object": "price_preference", "deleted": True}


