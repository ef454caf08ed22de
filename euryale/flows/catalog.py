"""Catalog workflows other than products: regions, sales channels, API keys, stores.

Each runs in one transaction and stages the contract's events in it; key changes also drop cached lookups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows._workflow import flow_workflow
from euryale.http.store_context import forget_publishable_key
from euryale.links import service as links
from euryale.modules.api_key import service as api_keys
from euryale.modules.payment.models import payment_provider
from euryale.modules.pricing.service import upsert_price_preference
from euryale.modules.region import service as regions
from euryale.modules.sales_channel import service as channels
from euryale.modules.sales_channel.models import sales_channel


async def _ensure_payment_providers(conn: Any, ids: Sequence[str]) -> None:
    """Payment providers are registered by the payment module; unknown ids are refused like Medusa does."""
    if not ids:
        return
    found = {r[0] for r in await conn.execute(select(payment_provider.c.id).where(
        payment_provider.c.id.in_(list(ids))))}
    missing = [i for i in ids if i not in found]
    if missing:
        from euryale.errors import not_found
        raise not_found(f"Payment providers with ids {', '.join(missing)} not found")


@flow_workflow("create-regions")
async def create_region(container: Any, data: dict[str, Any]) -> str:
    """createRegionsWorkflow: region, countries, payment providers, tax-inclusive preference."""
    async with container.database().transaction() as conn:
        region_id = await regions.create_region(conn, data=data)
        providers = list(data.get("payment_providers") or [])
        await _ensure_payment_providers(conn, providers)
        await links.create_links(conn, "region_payment_provider", [(region_id, p) for p in providers])
        if data.get("is_tax_inclusive") is not None:
            await upsert_price_preference(conn, attribute="region_id", value=region_id,
                                          is_tax_inclusive=bool(data["is_tax_inclusive"]))
        await stage_events(conn, [Event("region.created", {"id": region_id})])
    return region_id


@flow_workflow("update-regions")
async def update_region(container: Any, region_id: str, data: dict[str, Any]) -> None:
    """updateRegionsWorkflow: fields, countries, payment providers, preference."""
    async with container.database().transaction() as conn:
        await regions.update_region(conn, region_id=region_id, data=data)
        if data.get("payment_providers") is not None:
            providers = list(data["payment_providers"])
            await _ensure_payment_providers(conn, providers)
            await links.dismiss_all(conn, "region_payment_provider", left_ids=[region_id])
            await links.create_links(conn, "region_payment_provider", [(region_id, p) for p in providers])
        if data.get("is_tax_inclusive") is not None:
            await upsert_price_preference(conn, attribute="region_id", value=region_id,
                                          is_tax_inclusive=bool(data["is_tax_inclusive"]))
        await stage_events(conn, [Event("region.updated", {"id": region_id})])


@flow_workflow("delete-regions")
async def delete_region(container: Any, region_id: str) -> None:
    """deleteRegionsWorkflow: soft-delete, unlink providers."""
    async with container.database().transaction() as conn:
        await regions.delete_region(conn, region_id=region_id)
        await links.dismiss_all(conn, "region_payment_provider", left_ids=[region_id])
        await stage_events(conn, [Event("region.deleted", {"id": region_id})])


@flow_workflow("create-sales-channels")
async def create_sales_channels(container: Any, data: list[dict[str, Any]]) -> list[str]:
    """createSalesChannelsWorkflow: insert channels, stage `sales-channel.created`."""
    async with container.database().transaction() as conn:
        ids = await channels.create_sales_channels(conn, data=data)
        await stage_events(conn, [Event("sales-channel.created", {"id": i}) for i in ids])
    return ids


@flow_workflow("update-sales-channels")
async def update_sales_channel(container: Any, sales_channel_id: str, data: dict[str, Any]) -> None:
    """updateSalesChannelsWorkflow."""
    async with container.database().transaction() as conn:
        await channels.update_sales_channel(conn, sales_channel_id=sales_channel_id, data=data)
        await stage_events(conn, [Event("sales-channel.updated", {"id": sales_channel_id})])


async def _tokens_of_channel_keys(conn: Any, sales_channel_ids: Sequence[str]) -> list[str]:
    from euryale.links.models import publishable_api_key_sales_channel as pksc
    from euryale.modules.api_key.models import api_key
    return [r[0] for r in await conn.execute(
        select(api_key.c.token).join(pksc, pksc.c.publishable_key_id == api_key.c.id)
        .where(pksc.c.sales_channel_id.in_(list(sales_channel_ids))))]


@flow_workflow("delete-sales-channels")
async def delete_sales_channel(container: Any, sales_channel_id: str) -> None:
    """deleteSalesChannelsWorkflow: unlink products, locations and keys."""
    async with container.database().transaction() as conn:
        tokens = await _tokens_of_channel_keys(conn, [sales_channel_id])
        await channels.delete_sales_channel(conn, sales_channel_id=sales_channel_id)
        for name in ("product_sales_channel", "sales_channel_stock_location"):
            await links.dismiss_all(conn, name, left_ids=[sales_channel_id] if name.startswith("sales") else None,
                                    right_ids=[sales_channel_id] if name.startswith("product") else None)
        await links.dismiss_all(conn, "publishable_api_key_sales_channel", right_ids=[sales_channel_id])
        await stage_events(conn, [Event("sales-channel.deleted", {"id": sales_channel_id})])
    for token in tokens:
        await forget_publishable_key(container, token)


# Medusa's link entity name: PascalCase("Link_" + table name)
PRODUCT_SALES_CHANNEL_LINK = "LinkProductSalesChannel"


@flow_workflow("link-products-to-sales-channel")
async def link_channel_products(container: Any, sales_channel_id: str, add: Sequence[str],
                                remove: Sequence[str]) -> None:
    """Add / remove products of a sales channel; each new link emits `LinkProductSalesChannel.attached` and each
    removed one `.detached` `{id: <link id>}` (the link module's events), which re-sync the search documents."""
    async with container.database().transaction() as conn:
        await channels.require_sales_channel(conn, sales_channel_id=sales_channel_id)
        attached = await links.create_links_returning_ids(conn, "product_sales_channel",
                                                          [(p, sales_channel_id) for p in add])
        detached = await links.dismiss_links_returning_ids(conn, "product_sales_channel",
                                                           [(p, sales_channel_id) for p in remove])
        # Medusa's link module emits `.attached` per created link; its `dismiss` emits nothing, which would leave
        # the search documents' sales_channel_ids stale, so a removal emits `.detached` (its soft-delete event).
        await stage_events(conn, [Event(f"{PRODUCT_SALES_CHANNEL_LINK}.attached", {"id": i}) for i in attached]
                           + [Event(f"{PRODUCT_SALES_CHANNEL_LINK}.detached", {"id": i}) for i in detached])


def _without_token(key: dict[str, Any]) -> dict[str, Any]:
    """The stored execution never holds a key's token (a secret key in clear)."""
    return {k: v for k, v in key.items() if k not in ("token", "salt")}


@flow_workflow("create-api-keys", redact=_without_token)
async def create_api_key(container: Any, *, title: str, type: str, created_by: str) -> dict[str, Any]:
    """createApiKeysWorkflow: a new publishable or secret key (token in clear only here)."""
    async with container.database().transaction() as conn:
        key = await api_keys.create_api_key(conn, title=title, type=type, created_by=created_by)
        await stage_events(conn, [Event("api-key.created", {"id": key["id"]})])
    return key


@flow_workflow("revoke-api-keys")
async def revoke_api_key(container: Any, api_key_id: str, *, revoked_by: str, revoke_in: int | None) -> None:
    """Revoke a key; cached publishable lookups and secret-key matches are dropped so it applies at once."""
    async with container.database().transaction() as conn:
        key = await api_keys.revoke_api_key(conn, api_key_id=api_key_id, revoked_by=revoked_by, revoke_in=revoke_in)
        await stage_events(conn, [Event("api-key.revoked", {"id": api_key_id})])
    await _forget_key(container, key)


async def _forget_key(container: Any, key: dict[str, Any]) -> None:
    if key["type"] == "publishable":
        await forget_publishable_key(container, key["token"])
    else:
        from euryale.http.actors import forget_secret_key_cache
        forget_secret_key_cache()


@flow_workflow("delete-api-keys")
async def delete_api_key(container: Any, api_key_id: str) -> None:
    """deleteApiKeysWorkflow: only revoked keys; links and cached lookups dropped."""
    async with container.database().transaction() as conn:
        key = await api_keys.delete_api_key(conn, api_key_id=api_key_id)
        await links.dismiss_all(conn, "publishable_api_key_sales_channel", left_ids=[api_key_id])
        await stage_events(conn, [Event("api-key.deleted", {"id": api_key_id})])
    await _forget_key(container, key)


@flow_workflow("link-sales-channels-to-api-key")
async def link_key_channels(container: Any, api_key_id: str, add: Sequence[str], remove: Sequence[str]) -> None:
    """`/admin/api-keys/:id/sales-channels` — only publishable keys have channels."""
    from euryale.errors import invalid_data, not_found
    async with container.database().transaction() as conn:
        key = await api_keys.retrieve_api_key(conn, api_key_id=api_key_id)
        if key["type"] != "publishable":
            raise invalid_data("Sales channels can only be associated with publishable API keys")
        if add:
            found = {r[0] for r in await conn.execute(select(sales_channel.c.id).where(
                sales_channel.c.id.in_(list(add)), sales_channel.c.deleted_at.is_(None)))}
            missing = [s for s in add if s not in found]
            if missing:
                raise not_found(f"Sales channels with IDs {', '.join(missing)} do not exist")
        await links.create_links(conn, "publishable_api_key_sales_channel", [(api_key_id, s) for s in add])
        await links.dismiss_links(conn, "publishable_api_key_sales_channel", [(api_key_id, s) for s in remove])
    await forget_publishable_key(container, key["token"])


async def ensure_payment_provider(conn: Any, provider_id: str) -> None:
    """Register a payment provider row when absent (the payment module owns it; the seed needs it early)."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    await conn.execute(pg_insert(payment_provider).values(id=provider_id, is_enabled=True)
                       .on_conflict_do_nothing(index_elements=["id"]))


