"""Store cart writes as Medusa's workflows (`create-carts`, `update-cart`, `add-to-cart`, ...): each is one step
running the access check and the mutation in one transaction (see `euryale.flows._workflow`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.flows._workflow import STORE_RETENTION, transaction_workflow
from euryale.flows.cart import mutations
from euryale.modules.cart import service as carts


async def check_access(conn: AsyncConnection, *, cart_id: str, customer_id: str | None) -> None:
    """A cart owned by a registered customer is invisible to another logged-in customer (404 as if missing)."""
    c = await carts.get_cart(conn, cart_id=cart_id)
    if customer_id is not None and c["customer_id"] and c["customer_id"] != customer_id:
        if await mutations.cart_owner_has_account(conn, customer_id=c["customer_id"]):
            raise carts.cart_not_found(cart_id)


@transaction_workflow("create-carts", retention_time=STORE_RETENTION)
async def create_cart(conn: AsyncConnection, *, data: dict[str, Any], sales_channel_ids: Sequence[str],
                      customer_id: str | None, locale: str | None) -> str:
    """createCartWorkflow: the new cart's id."""
    return await mutations.create_cart(conn, data=data, sales_channel_ids=sales_channel_ids,
                                       customer_id=customer_id, locale=locale)


@transaction_workflow("update-cart", retention_time=STORE_RETENTION)
async def update_cart(conn: AsyncConnection, *, cart_id: str, data: dict[str, Any], customer_id: str | None) -> None:
    """updateCartWorkflow."""
    await check_access(conn, cart_id=cart_id, customer_id=customer_id)
    await mutations.update_cart(conn, cart_id=cart_id, data=data)


@transaction_workflow("transfer-cart-customer", retention_time=STORE_RETENTION)
async def transfer_customer(conn: AsyncConnection, *, cart_id: str, customer_id: str) -> None:
    """transferCartCustomerWorkflow."""
    await mutations.transfer_customer(conn, cart_id=cart_id, customer_id=customer_id)


@transaction_workflow("add-to-cart", retention_time=STORE_RETENTION)
async def add_to_cart(conn: AsyncConnection, *, cart_id: str, item: dict[str, Any], customer_id: str | None) -> None:
    """addToCartWorkflow."""
    await check_access(conn, cart_id=cart_id, customer_id=customer_id)
    await mutations.add_line_item(conn, cart_id=cart_id, item=item)


@transaction_workflow("update-line-item-in-cart", retention_time=STORE_RETENTION)
async def update_line_item(conn: AsyncConnection, *, cart_id: str, line_id: str, quantity: int,
                           metadata: dict[str, Any] | None, customer_id: str | None) -> None:
    """updateLineItemInCartWorkflow (quantity 0 removes the line)."""
    await check_access(conn, cart_id=cart_id, customer_id=customer_id)
    await mutations.update_line_item(conn, cart_id=cart_id, line_id=line_id, quantity=quantity, metadata=metadata)


@transaction_workflow("delete-line-items", retention_time=STORE_RETENTION)
async def delete_line_item(conn: AsyncConnection, *, cart_id: str, line_id: str, customer_id: str | None) -> None:
    """deleteLineItemsWorkflow."""
    await check_access(conn, cart_id=cart_id, customer_id=customer_id)
    await mutations.delete_line_item(conn, cart_id=cart_id, line_id=line_id)


@transaction_workflow("add-shipping-method-to-cart", retention_time=STORE_RETENTION)
async def add_shipping_method(conn: AsyncConnection, *, cart_id: str, option_id: str, data: dict[str, Any] | None,
                              customer_id: str | None) -> None:
    """addShippingMethodToCartWorkflow."""
    await check_access(conn, cart_id=cart_id, customer_id=customer_id)
    await mutations.add_shipping_method(conn, cart_id=cart_id, option_id=option_id, data=data)


@transaction_workflow("update-cart-promotions", retention_time=STORE_RETENTION)
async def update_promotions(conn: AsyncConnection, *, cart_id: str, codes: Sequence[str], action: str,
                            customer_id: str | None) -> None:
    """updateCartPromotionsWorkflow: `action` is `add` or `remove` (Medusa's PromotionActions)."""
    await check_access(conn, cart_id=cart_id, customer_id=customer_id)
    if action == "add":
        await mutations.add_promotions(conn, cart_id=cart_id, codes=codes)
    else:
        await mutations.remove_promotions(conn, cart_id=cart_id, codes=codes)


@transaction_workflow("update-tax-lines", retention_time=STORE_RETENTION)
async def calculate_taxes(conn: AsyncConnection, *, cart_id: str, customer_id: str | None) -> None:
    """updateTaxLinesWorkflow (forced: the store `/taxes` route)."""
    await check_access(conn, cart_id=cart_id, customer_id=customer_id)
    await mutations.calculate_taxes(conn, cart_id=cart_id)
