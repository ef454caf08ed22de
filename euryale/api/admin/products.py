"""Admin products: CRUD, variants, options, batch; responses re-read through the product query layer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from euryale.api._logistics import transaction
from euryale.api.common import AddRemove, Strict, batch_deleted, deleted
from euryale.errors import MedusaError, MedusaErrorType, invalid_data, not_found
from euryale.flows import products as flows
from euryale.http.actors import require_user
from euryale.http.query import ListParams
from euryale.modules.product import service as product_service
from euryale.modules.product.models import product_option, product_variant
from euryale.query.cache import bump_after_write
from euryale.query.catalog import option_resource
from euryale.query.engine import Resource, list_resource
from euryale.query.products import product_resource, variant_resource
from euryale.query.request import WireRoute, list_envelope, read_request, retrieve_one

router = APIRouter(dependencies=[Depends(bump_after_write, scope="function"), Depends(require_user)], route_class=WireRoute)
PRODUCTS = product_resource(store=False)
VARIANTS = variant_resource(store=False)
ALL_VARIANTS = variant_resource(store=False, all_variants=True)
PRODUCT_OPTIONS = option_resource(defaults=("id", "title"))  # Medusa 2.21.2's defaults on this route
Status = Literal["draft", "proposed", "published", "rejected"]


class IdRef(Strict):
    id: str


class ImageIn(Strict):
    url: str
    id: str | None = None
    metadata: dict[str, Any] | None = None


class PriceIn(Strict):
    id: str | None = None
    currency_code: str | None = None
    amount: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    min_quantity: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    max_quantity: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    rules: dict[str, str] | None = None


class OptionIn(Strict):
    title: str
    values: list[str]


class InventoryItemRef(Strict):
    inventory_item_id: str
    required_quantity: int | None = None


class VariantFields(Strict):
    sku: str | None = None
    ean: str | None = None
    upc: str | None = None
    barcode: str | None = None
    hs_code: str | None = None
    mid_code: str | None = None
    allow_backorder: bool | None = None
    manage_inventory: bool | None = None
    variant_rank: int | None = None
    weight: Decimal | None = None
    length: Decimal | None = None
    height: Decimal | None = None
    width: Decimal | None = None
    origin_country: str | None = None
    material: str | None = None
    metadata: dict[str, Any] | None = None
    thumbnail: str | None = None
    options: dict[str, str] | None = None
    prices: list[PriceIn] | None = None


class VariantCreate(VariantFields):
    title: str
    prices: list[PriceIn] = Field(default_factory=list)
    inventory_items: list[InventoryItemRef] | None = None


class VariantUpdate(VariantFields):
    inventory_items: list[InventoryItemRef] | None = None
    id: str | None = None
    title: str | None = None


class ProductFields(Strict):
    subtitle: str | None = None
    description: str | None = None
    is_giftcard: bool | None = None
    discountable: bool | None = None
    images: list[ImageIn] | None = None
    thumbnail: str | None = None
    handle: str | None = None
    status: Status | None = None
    external_id: str | None = None
    type_id: str | None = None
    collection_id: str | None = None
    categories: list[IdRef] | None = None
    tags: list[IdRef] | None = None
    sales_channels: list[IdRef] | None = None
    shipping_profile_id: str | None = None
    weight: Decimal | None = None
    length: Decimal | None = None
    height: Decimal | None = None
    width: Decimal | None = None
    hs_code: str | None = None
    mid_code: str | None = None
    origin_country: str | None = None
    material: str | None = None
    metadata: dict[str, Any] | None = None
    additional_data: dict[str, Any] | None = None


class ProductCreate(ProductFields):
    title: str
    options: list[OptionIn] | None = None
    variants: list[VariantCreate] | None = None


class OptionUpsert(Strict):
    id: str | None = None
    title: str
    values: list[str] = Field(default_factory=list)


class ProductUpdate(ProductFields):
    title: str | None = None
    options: list[OptionUpsert] | None = None
    variants: list[VariantUpdate] | None = None


class ProductBatch(Strict):
    create: list[ProductCreate] = Field(default_factory=list)
    update: list[dict[str, Any]] = Field(default_factory=list)
    delete: list[str] = Field(default_factory=list)


class VariantBatch(Strict):
    create: list[VariantCreate] = Field(default_factory=list)
    update: list[VariantUpdate] = Field(default_factory=list)
    delete: list[str] = Field(default_factory=list)


class OptionLinkBatch(Strict):
    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


def _dump(model: BaseModel) -> dict[str, Any]:
    data = model.model_dump(exclude_unset=True)
    data.pop("additional_data", None)
    for v in data.get("variants") or []:
        for p in v.get("prices") or []:
            if p.get("currency_code"):
                p["currency_code"] = p["currency_code"].lower()
    return data


def _validate_new_prices(variants: list[dict[str, Any]]) -> None:
    for v in variants:
        for p in v.get("prices") or []:
            if not p.get("id") and (p.get("currency_code") is None or p.get("amount") is None):
                raise invalid_data("Invalid request: Field 'prices.currency_code' and 'prices.amount' are required")


async def _product_response(request: Request, product_id: str) -> dict[str, Any]:
    return {"product": await retrieve_one(request, PRODUCTS, product_id, store=False)}


@router.get("/admin/products")
async def list_products(request: Request) -> dict[str, Any]:
    """Products with filters, `q`, `fields`, `order` and pagination."""
    rr = read_request(request, PRODUCTS, store=False)
    ctx: dict[str, Any] = {}
    vsel = rr.sel.relation("variants")
    if vsel is not None and vsel.has("calculated_price"):
        vsel.relations.pop("calculated_price", None)
        vsel.scalars.discard("calculated_price")
    return await list_envelope(request, PRODUCTS, "products", store=False, ctx=ctx, read=rr)


@router.post("/admin/products")
async def create_product(body: ProductCreate, request: Request) -> dict[str, Any]:
    """createProductsWorkflow for one product."""
    data = _dump(body)
    if not data.get("options"):  # Medusa 2.21.2 requires at least one option on create
        raise invalid_data(f"Product options are not provided for: [{data.get('title')}].")
    _validate_new_prices(data.get("variants") or [])
    [pid] = await flows.create_products(request.app.state.container, [data])
    return await _product_response(request, pid)


async def _batch_answer(request: Request, resource: Resource, created: list[str], updated: list[str],
                        deleted_ids: list[str], obj: str) -> dict[str, Any]:
    """Medusa's batch response: created and updated records with the request's `fields`, then the deleted ids."""
    sel = read_request(request, resource, store=False).sel

    async def fetch(ids: list[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        async with request.app.state.container.database().read() as conn:
            rows, _ = await list_resource(conn, resource, query={"id": ids}, params=ListParams(
                limit=len(ids), offset=0, order=None, fields=None), sel=sel)
        return rows
    return {"created": await fetch(created), "updated": await fetch(updated),
            "deleted": batch_deleted(deleted_ids, obj)}


@router.post("/admin/products/batch")
async def batch_products(body: ProductBatch, request: Request) -> dict[str, Any]:
    """Create, update and delete products in one call."""
    container = request.app.state.container
    created_ids = await flows.create_products(container, [_dump(p) for p in body.create]) if body.create else []
    updated_ids = []
    for raw in body.update:
        upd = ProductUpdate.model_validate({k: v for k, v in raw.items() if k != "id"})
        if not raw.get("id"):
            raise invalid_data("Invalid request: Field 'update.id' is required")
        await flows.update_product(container, raw["id"], _dump(upd))
        updated_ids.append(raw["id"])
    if body.delete:
        await flows.delete_products(container, body.delete)
    return await _batch_answer(request, PRODUCTS, created_ids, updated_ids, body.delete, "product")


@router.get("/admin/products/{product_id}")
async def retrieve_product(product_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/products/{product_id}`."""
    try:
        return await _product_response(request, product_id)
    except MedusaError as err:
        if err.type == "not_found":
            raise not_found("Product not found") from None  # Medusa's wording on this route
        raise


@router.post("/admin/products/{product_id}")
async def update_product(product_id: str, body: ProductUpdate, request: Request) -> dict[str, Any]:
    """updateProductsWorkflow (variants listed replace the product's variants)."""
    data = _dump(body)
    _validate_new_prices(data.get("variants") or [])
    try:
        await flows.update_product(request.app.state.container, product_id, data)
    except MedusaError as exc:
        if exc.type == MedusaErrorType.NOT_FOUND and exc.message == f"Product with id: {product_id} was not found":
            # the update workflow's wording in Medusa 2.21.2 (the retrieve route says "Product not found")
            raise not_found(f'Product with id "{product_id}" not found') from None
        raise
    return await _product_response(request, product_id)


@router.delete("/admin/products/{product_id}")
async def delete_product(product_id: str, request: Request) -> dict[str, Any]:
    """`DELETE /admin/products/{product_id}`; an unknown id is deleted already (200, as Medusa 2.21.2)."""
    try:
        await flows.delete_products(request.app.state.container, [product_id])
    except MedusaError as exc:
        if exc.type != MedusaErrorType.NOT_FOUND or product_id not in exc.message:
            raise
    return deleted(product_id, "product")


# --- variants ------------------------------------------------------------------------------------------------------

@router.get("/admin/products/{product_id}/variants")
async def list_variants(product_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/products/{product_id}/variants`."""
    async with request.app.state.container.database().read() as conn:
        await product_service.require_product(conn, product_id=product_id)
    return await list_envelope(request, VARIANTS, "variants", store=False,
                               extra=[product_variant.c.product_id == product_id])


@router.post("/admin/products/{product_id}/variants")
async def create_variant(product_id: str, body: VariantCreate, request: Request) -> dict[str, Any]:
    """`POST /admin/products/{product_id}/variants`."""
    data = _dump(body)
    _validate_new_prices([data])
    async with transaction(request, "create-product-variants") as conn:
        await product_service.require_product(conn, product_id=product_id)
        await flows.upsert_variants_in(conn, product_id, [data])
    return await _product_response(request, product_id)


@router.post("/admin/products/{product_id}/variants/batch")
async def batch_variants(product_id: str, body: VariantBatch, request: Request) -> dict[str, Any]:
    """`POST /admin/products/{product_id}/variants/batch`."""
    async with transaction(request, "batch-product-variants") as conn:
        await product_service.require_product(conn, product_id=product_id)
        updates = [_dump(v) for v in body.update]
        if any(not u.get("id") for u in updates):
            raise invalid_data("Invalid request: Field 'update.id' is required")
        created = await flows.upsert_variants_in(conn, product_id, [_dump(v) for v in body.create] + updates)
        await flows.delete_variants_in(conn, body.delete)
    return await _batch_answer(request, VARIANTS, created, [u["id"] for u in updates], body.delete, "variant")


@router.get("/admin/products/{product_id}/variants/{variant_id}")
async def retrieve_variant(product_id: str, variant_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/products/{product_id}/variants/{variant_id}`."""
    variant = await retrieve_one(request, VARIANTS, variant_id, store=False,
                                 extra=[product_variant.c.product_id == product_id], label="Variant")
    return {"variant": variant}


@router.post("/admin/products/{product_id}/variants/{variant_id}")
async def update_variant(product_id: str, variant_id: str, body: VariantUpdate, request: Request) -> dict[str, Any]:
    """`POST /admin/products/{product_id}/variants/{variant_id}`."""
    data = _dump(body)
    data["id"] = variant_id
    async with transaction(request, "update-product-variants") as conn:
        await product_service.require_product(conn, product_id=product_id)
        await flows.upsert_variants_in(conn, product_id, [data])
    return await _product_response(request, product_id)


@router.delete("/admin/products/{product_id}/variants/{variant_id}")
async def delete_variant(product_id: str, variant_id: str, request: Request) -> dict[str, Any]:
    """`DELETE /admin/products/{product_id}/variants/{variant_id}`."""
    async with transaction(request, "delete-product-variants") as conn:
        await _require_variant(conn, product_id, variant_id)
        await flows.delete_variants_in(conn, [variant_id])
        from euryale.events import Event
        from euryale.events.outbox import stage_events
        await stage_events(conn, [Event("product-variant.deleted", {"id": variant_id})])
    parent = await _product_response(request, product_id)
    return deleted(variant_id, "variant", parent=parent["product"])


# --- options -------------------------------------------------------------------------------------------------------

@router.get("/admin/products/{product_id}/options")
async def list_product_options(product_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/products/{product_id}/options`."""
    async with request.app.state.container.database().read() as conn:
        await product_service.require_product(conn, product_id=product_id)
    return await list_envelope(request, PRODUCT_OPTIONS, "product_options", store=False,
                               extra=[product_option.c.product_id == product_id])


@router.post("/admin/products/{product_id}/options/batch")
async def link_product_options(product_id: str, body: OptionLinkBatch, request: Request) -> dict[str, Any]:
    """Attach standalone options to a product (`add`) or detach them (`remove`)."""
    from sqlalchemy import update
    async with transaction(request, "batch-link-product-options") as conn:
        await product_service.require_product(conn, product_id=product_id)
        if body.add:
            await conn.execute(update(product_option).where(product_option.c.id.in_(body.add))
                               .values(product_id=product_id))
        if body.remove:
            await conn.execute(update(product_option).where(product_option.c.id.in_(body.remove),
                                                            product_option.c.product_id == product_id)
                               .values(product_id=None))
    return await _product_response(request, product_id)


@router.get("/admin/product-variants")
async def list_all_variants(request: Request) -> dict[str, Any]:
    """`GET /admin/product-variants`."""
    return await list_envelope(request, ALL_VARIANTS, "variants", store=False)




# --- variant ↔ inventory item links ----------------------------------------------------------------------------------

class InventoryLinkBody(Strict):
    inventory_item_id: str
    required_quantity: int = 1


class InventoryQuantityBody(Strict):
    required_quantity: int


class InventoryLink(Strict):
    variant_id: str
    inventory_item_id: str
    required_quantity: int | None = None


class InventoryLinkBatch(Strict):
    create: list[InventoryLink] = Field(default_factory=list)
    update: list[InventoryLink] = Field(default_factory=list)
    delete: list[InventoryLink] = Field(default_factory=list)


async def _require_variant(conn: Any, product_id: str, variant_id: str) -> None:
    from sqlalchemy import select
    row = (await conn.execute(select(product_variant.c.id).where(
        product_variant.c.id == variant_id, product_variant.c.product_id == product_id,
        product_variant.c.deleted_at.is_(None)))).first()
    if row is None:
        raise not_found(f"Variant with id: {variant_id} was not found")


async def _set_link(conn: Any, variant_id: str, item_id: str, quantity: int | None, *, remove: bool = False) -> None:
    from sqlalchemy import func, update

    from euryale.links import service as links
    from euryale.links.models import product_variant_inventory_item as link
    if remove:
        await links.dismiss_links(conn, "product_variant_inventory_item", [(variant_id, item_id)])
        return
    await links.create_links(conn, "product_variant_inventory_item", [(variant_id, item_id)],
                             extra={"required_quantity": quantity or 1})
    if quantity:
        await conn.execute(update(link).where(link.c.variant_id == variant_id, link.c.inventory_item_id == item_id,
                                              link.c.deleted_at.is_(None))
                           .values(required_quantity=quantity, updated_at=func.now()))


async def _variant_response(request: Request, product_id: str, variant_id: str) -> dict[str, Any]:
    variant = await retrieve_one(request, VARIANTS, variant_id, store=False,
                                 extra=[product_variant.c.product_id == product_id], label="Variant")
    return {"variant": variant}


@router.post("/admin/products/{product_id}/variants/inventory-items/batch")
async def batch_variant_inventory(product_id: str, body: InventoryLinkBatch, request: Request) -> dict[str, Any]:
    """`POST /admin/products/{product_id}/variants/inventory-items/batch`."""
    async with transaction(request, "batch-variants-inventory-items") as conn:
        for entry in body.create + body.update + body.delete:
            await _require_variant(conn, product_id, entry.variant_id)
        for entry in body.create + body.update:
            await _set_link(conn, entry.variant_id, entry.inventory_item_id, entry.required_quantity)
        for entry in body.delete:
            await _set_link(conn, entry.variant_id, entry.inventory_item_id, None, remove=True)
    return {"created": [e.model_dump() for e in body.create], "updated": [e.model_dump() for e in body.update],
            "deleted": [e.model_dump() for e in body.delete]}


@router.post("/admin/products/{product_id}/variants/{variant_id}/inventory-items")
async def link_variant_inventory(product_id: str, variant_id: str, body: InventoryLinkBody,
                                 request: Request) -> dict[str, Any]:
    """`POST /admin/products/{product_id}/variants/{variant_id}/inventory-items`."""
    async with transaction(request, "create-link") as conn:
        await _require_variant(conn, product_id, variant_id)
        await _set_link(conn, variant_id, body.inventory_item_id, body.required_quantity)
    return await _variant_response(request, product_id, variant_id)


@router.post("/admin/products/{product_id}/variants/{variant_id}/inventory-items/{item_id}")
async def update_variant_inventory(product_id: str, variant_id: str, item_id: str, body: InventoryQuantityBody,
                                   request: Request) -> dict[str, Any]:
    """`POST /admin/products/{product_id}/variants/{variant_id}/inventory-items/{item_id}`."""
    async with transaction(request, "update-link") as conn:
        await _require_variant(conn, product_id, variant_id)
        await _set_link(conn, variant_id, item_id, body.required_quantity)
    return await _variant_response(request, product_id, variant_id)


@router.delete("/admin/products/{product_id}/variants/{variant_id}/inventory-items/{item_id}")
async def unlink_variant_inventory(product_id: str, variant_id: str, item_id: str, request: Request
                                   ) -> dict[str, Any]:
    """`DELETE /admin/products/{product_id}/variants/{variant_id}/inventory-items/{item_id}`."""
    async with transaction(request, "dismiss-link") as conn:
        await _require_variant(conn, product_id, variant_id)
        await _set_link(conn, variant_id, item_id, None, remove=True)
    parent = await _variant_response(request, product_id, variant_id)
    return deleted(item_id, "variant-inventory-item-link", parent=parent["variant"])


# --- variant images --------------------------------------------------------------------------------------------------

@router.post("/admin/products/{product_id}/images/{image_id}/variants/batch")
async def image_variants(product_id: str, image_id: str, body: AddRemove, request: Request) -> dict[str, Any]:
    """Show an image on (or hide it from) some variants."""
    async with transaction(request, "batch-image-variants") as conn:
        await product_service.require_product(conn, product_id=product_id)
        await product_service.set_variant_images(conn, product_id=product_id,
                                                 pairs_add=[(v, image_id) for v in body.add],
                                                 pairs_remove=[(v, image_id) for v in body.remove])
    return {"added": body.add, "removed": body.remove}


@router.post("/admin/products/{product_id}/variants/{variant_id}/images/batch")
async def variant_images(product_id: str, variant_id: str, body: AddRemove, request: Request) -> dict[str, Any]:
    """Attach images of the product to one variant."""
    async with transaction(request, "batch-variant-images") as conn:
        await product_service.require_product(conn, product_id=product_id)
        await product_service.set_variant_images(conn, product_id=product_id,
                                                 pairs_add=[(variant_id, i) for i in body.add],
                                                 pairs_remove=[(variant_id, i) for i in body.remove])
    return {"added": body.add, "removed": body.remove}
