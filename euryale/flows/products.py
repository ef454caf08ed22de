"""Product workflows: create / update / delete products and variants across the product and pricing modules and
their links (variant ↔ price set, product ↔ sales channel, product ↔ shipping profile), in one transaction each,
with the contract's events staged in that transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows._workflow import flow_workflow
from euryale.links import service as links
from euryale.modules.inventory import service as inventory
from euryale.modules.pricing import service as pricing
from euryale.modules.product import service as products
from euryale.modules.product.models import product_variant
from euryale.modules.sales_channel.models import sales_channel
from euryale.modules.store.models import store


async def _default_sales_channel(conn: AsyncConnection) -> str | None:
    row = (await conn.execute(select(store.c.default_sales_channel_id).where(store.c.deleted_at.is_(None))
                              .order_by(store.c.created_at).limit(1))).first()
    return row.default_sales_channel_id if row is not None else None


async def _check_channels(conn: AsyncConnection, ids: Sequence[str]) -> None:
    if not ids:
        return
    found = {r[0] for r in await conn.execute(select(sales_channel.c.id).where(
        sales_channel.c.id.in_(list(ids)), sales_channel.c.deleted_at.is_(None)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise not_found(f"Sales channel with id: {', '.join(missing)} was not found")


async def add_variant_prices(conn: AsyncConnection, *, variant_ids: Sequence[str],
                             prices: Sequence[Sequence[dict[str, Any]]]) -> None:
    """Create one price set per variant and link it."""
    set_ids = await pricing.create_price_sets(conn, price_sets=list(prices))
    await links.create_links(conn, "product_variant_price_set", list(zip(variant_ids, set_ids, strict=True)))


async def link_inventory_in(conn: AsyncConnection, variant_ids: Sequence[str],
                            variants: Sequence[dict[str, Any]]) -> None:
    """Medusa's createVariantInventoryItems: managed variants get their given inventory items linked, or one new
    item each (sku/title of the variant, required quantity 1)."""
    to_create: list[tuple[str, dict[str, Any]]] = []
    for vid, v in zip(variant_ids, variants, strict=True):
        given = v.get("inventory_items") or []
        if given:
            for item in given:
                await links.create_links(conn, "product_variant_inventory_item", [(vid, item["inventory_item_id"])],
                                         extra={"required_quantity": item.get("required_quantity") or 1})
        elif v.get("manage_inventory", True):
            to_create.append((vid, {"sku": v.get("sku"), "title": v.get("title"), "requires_shipping": True,
                                    "origin_country": v.get("origin_country"), "hs_code": v.get("hs_code"),
                                    "mid_code": v.get("mid_code"), "material": v.get("material")}))
    if to_create:
        created = await inventory.create_inventory_items(conn, items=[i for _, i in to_create])
        await links.create_links(conn, "product_variant_inventory_item",
                                 [(vid, row["id"]) for (vid, _), row in zip(to_create, created, strict=True)],
                                 extra={"required_quantity": 1})


async def create_products_in(conn: AsyncConnection, items: Sequence[dict[str, Any]]) -> list[str]:
    """Create products (options, variants + prices, images, tags, categories, channels) inside `conn`."""
    default_channel: str | None = None
    ids: list[str] = []
    events: list[Event] = []
    for data in items:
        pid, variant_ids = await products.create_product(conn, data=data)
        variants = data.get("variants") or []
        await add_variant_prices(conn, variant_ids=variant_ids, prices=[v.get("prices") or [] for v in variants])
        await link_inventory_in(conn, variant_ids, variants)
        channels = [c["id"] for c in data.get("sales_channels") or []]
        if "sales_channels" not in data or data.get("sales_channels") is None:
            default_channel = default_channel or await _default_sales_channel(conn)
            channels = [default_channel] if default_channel else []
        await _check_channels(conn, channels)
        await links.create_links(conn, "product_sales_channel", [(pid, c) for c in channels])
        if data.get("shipping_profile_id"):
            await links.create_links(conn, "product_shipping_profile", [(pid, data["shipping_profile_id"])])
        ids.append(pid)
        # workflow events and the product module's own events (CONTRACT D.1 + D.2)
        events += [Event("product.created", {"id": pid}), Event("product.product.created", {"id": pid})]
        events.extend(Event("product-variant.created", {"id": v}) for v in variant_ids)
        events.extend(Event("product.product-variant.created", {"id": v}) for v in variant_ids)
    await stage_events(conn, events)
    return ids


@flow_workflow("create-products")
async def create_products(container: Any, items: Sequence[dict[str, Any]]) -> list[str]:
    """createProductsWorkflow: one transaction for all the products."""
    async with container.database().transaction() as conn:
        return await create_products_in(conn, items)


@flow_workflow("update-products")
async def update_product(container: Any, product_id: str, data: dict[str, Any]) -> None:
    """updateProductsWorkflow for one product: scalars, images, tags, categories, channels, shipping profile."""
    async with container.database().transaction() as conn:
        await products.require_product(conn, product_id=product_id)
        await products.update_product(conn, product_id=product_id, data=data)
        if data.get("sales_channels") is not None:
            channels = [c["id"] for c in data["sales_channels"]]
            await _check_channels(conn, channels)
            await links.dismiss_all(conn, "product_sales_channel", left_ids=[product_id])
            await links.create_links(conn, "product_sales_channel", [(product_id, c) for c in channels])
        if "shipping_profile_id" in data:
            await links.dismiss_all(conn, "product_shipping_profile", left_ids=[product_id])
            if data["shipping_profile_id"]:
                await links.create_links(conn, "product_shipping_profile",
                                         [(product_id, data["shipping_profile_id"])])
        if data.get("options") is not None:
            await products.upsert_options(conn, product_id=product_id, options=data["options"])
        if data.get("variants") is not None:
            await upsert_variants_in(conn, product_id, data["variants"], replace=True)
        await stage_events(conn, [Event("product.updated", {"id": product_id}),
                                  Event("product.product.updated", {"id": product_id})])


async def upsert_variants_in(conn: AsyncConnection, product_id: str, variants: Sequence[dict[str, Any]], *,
                             replace: bool = False) -> list[str]:
    """Update variants that carry an `id`, create the others; with `replace`, delete the ones not listed."""
    option_map = await products.product_option_map(conn, product_id=product_id)
    existing = {r[0] for r in await conn.execute(select(product_variant.c.id).where(
        product_variant.c.product_id == product_id, product_variant.c.deleted_at.is_(None)))}
    to_update = [v for v in variants if v.get("id")]
    for v in to_update:
        if v["id"] not in existing:
            raise not_found(f"Variant with id: {v['id']} was not found")
    to_create = [v for v in variants if not v.get("id")]
    events: list[Event] = []
    for v in to_update:
        await products.update_variant(conn, variant_id=v["id"], data=v, option_map=option_map)
        if v.get("prices") is not None:
            await set_variant_prices(conn, v["id"], v["prices"])
        events.append(Event("product-variant.updated", {"id": v["id"]}))
    created = await products.create_variants(conn, product_id=product_id, variants=to_create, option_map=option_map)
    await add_variant_prices(conn, variant_ids=created, prices=[v.get("prices") or [] for v in to_create])
    await link_inventory_in(conn, created, to_create)
    events.extend(Event("product-variant.created", {"id": v}) for v in created)
    if replace:
        gone = sorted(existing - {v["id"] for v in to_update})
        await delete_variants_in(conn, gone)
        events.extend(Event("product-variant.deleted", {"id": v}) for v in gone)
    await stage_events(conn, events)
    return created


async def set_variant_prices(conn: AsyncConnection, variant_id: str, prices: Sequence[dict[str, Any]]) -> None:
    """Replace a variant's base prices (creating its price set when it has none)."""
    current = await links.linked(conn, "product_variant_price_set", left_ids=[variant_id])
    sets = current.get(variant_id) or []
    if not sets:
        await add_variant_prices(conn, variant_ids=[variant_id], prices=[prices])
    else:
        await pricing.replace_prices(conn, price_set_id=sets[0], prices=prices)


async def delete_variants_in(conn: AsyncConnection, variant_ids: Sequence[str]) -> None:
    """Soft-delete variants, their price sets and links."""
    if not variant_ids:
        return
    current = await links.linked(conn, "product_variant_price_set", left_ids=list(variant_ids))
    await products.delete_variants(conn, variant_ids=variant_ids)
    await pricing.delete_price_sets(conn, price_set_ids=[s for sets in current.values() for s in sets])
    await links.dismiss_all(conn, "product_variant_price_set", left_ids=list(variant_ids))
    await links.dismiss_all(conn, "product_variant_inventory_item", left_ids=list(variant_ids))


@flow_workflow("delete-products")
async def delete_products(container: Any, product_ids: Sequence[str]) -> None:
    """deleteProductsWorkflow: soft-delete products, variants, prices and links."""
    async with container.database().transaction() as conn:
        for pid in product_ids:
            await products.require_product(conn, product_id=pid)
        variant_ids = await products.delete_products(conn, product_ids=product_ids)
        await delete_variants_in(conn, variant_ids)
        await links.dismiss_all(conn, "product_sales_channel", left_ids=list(product_ids))
        await links.dismiss_all(conn, "product_shipping_profile", left_ids=list(product_ids))
        await stage_events(conn, [Event("product.deleted", {"id": p}) for p in product_ids]
                           + [Event("product.product.deleted", {"id": p}) for p in product_ids])
