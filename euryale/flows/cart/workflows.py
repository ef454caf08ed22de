"""Store cart writes as Medusa's workflows (`create-carts`, `update-cart`, `add-to-cart`, ...): each is one step
running the access check, the mutation and the answer in one transaction (see `euryale.flows._workflow`).

Each returns the route's `cart` body, built from the state the mutation left (the cart is read once per write);
the recorded execution stores the cart id instead (`redact`), not the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.flows._workflow import STORE_RETENTION, transaction_workflow
from euryale.flows.cart import mutations
from euryale.flows.cart.read import retrieve_store_cart
from euryale.modules.cart import service as carts


async def check_access(conn: AsyncConnection, *, cart_id: str, customer_id: str | None) -> None:
    """A cart owned by a registered customer is invisible to another logged-in customer (404 as if missing)."""
    c = await carts.get_cart(conn, cart_id=cart_id)
    if customer_id is not None and c["customer_id"] and c["customer_id"] != customer_id:
        if await mutations.cart_owner_has_account(conn, customer_id=c["customer_id"]):
            raise carts.cart_not_found(cart_id)


def _cart_id(body: Any) -> Any:
    """What the execution stores of a cart answer."""
    return body.get("id") if isinstance(body, dict) else None


async def _answer(conn: AsyncConnection, state: dict[str, Any], fields: str | None) -> dict[str, Any]:
    return await retrieve_store_cart(conn, cart_id=state["id"], fields=fields, state=state)


@transaction_workflow("create-carts", retention_time=STORE_RETENTION, redact=_cart_id, ephemeral=True)
async def create_cart(conn: AsyncConnection, *, data: dict[str, Any], sales_channel_ids: Sequence[str],
                      customer_id: str | None, locale: str | None, fields: str | None = None) -> dict[str, Any]:
    """createCartWorkflow: the new cart's body."""
    state = await mutations.create_cart(conn, data=data, sales_channel_ids=sales_channel_ids,
                                        customer_id=customer_id, locale=locale)
    return await _answer(conn, state, fields)


@transaction_workflow("update-cart", retention_time=STORE_RETENTION, redact=_cart_id, ephemeral=True)
async def update_cart(conn: AsyncConnection, *, cart_id: str, data: dict[str, Any], customer_id: str | None,
                      fields: str | None = None) -> dict[str, Any]:
    """updateCartWorkflow."""
    state = await mutations.update_cart(conn, cart_id=cart_id, data=data, customer_id=customer_id)
    return await _answer(conn, state, fields)


@transaction_workflow("transfer-cart-customer", retention_time=STORE_RETENTION, redact=_cart_id, ephemeral=True)
async def transfer_customer(conn: AsyncConnection, *, cart_id: str, customer_id: str,
                            fields: str | None = None) -> dict[str, Any]:
    """transferCartCustomerWorkflow."""
    state = await mutations.transfer_customer(conn, cart_id=cart_id, customer_id=customer_id)
    return await _answer(conn, state, fields)


@transaction_workflow("add-to-cart", retention_time=STORE_RETENTION, redact=_cart_id, ephemeral=True)
async def add_to_cart(conn: AsyncConnection, *, cart_id: str, item: dict[str, Any], customer_id: str | None,
                      fields: str | None = None) -> dict[str, Any]:
    """addToCartWorkflow."""
    state = await mutations.add_line_item(conn, cart_id=cart_id, item=item, customer_id=customer_id)
    return await _answer(conn, state, fields)


@transaction_workflow("update-line-item-in-cart", retention_time=STORE_RETENTION, redact=_cart_id, ephemeral=True)
async def update_line_item(conn: AsyncConnection, *, cart_id: str, line_id: str, quantity: int,
                           metadata: dict[str, Any] | None, customer_id: str | None,
                           fields: str | None = None) -> dict[str, Any]:
    """updateLineItemInCartWorkflow (quantity 0 removes the line)."""
    state = await mutations.update_line_item(conn, cart_id=cart_id, line_id=line_id, quantity=quantity,
                                             metadata=metadata, customer_id=customer_id)
    return await _answer(conn, state, fields)


@transaction_workflow("delete-line-items", retention_time=STORE_RETENTION, redact=_cart_id, ephemeral=True)
async def delete_line_item(conn: AsyncConnection, *, cart_id: str, line_id: str, customer_id: str | None,
                           fields: str | None = None) -> dict[str, Any]:
    """deleteLineItemsWorkflow."""
    state = await mutations.delete_line_item(conn, cart_id=cart_id, line_id=line_id, customer_id=customer_id)
    return await _answer(conn, state, fields)


@transaction_workflow("add-shipping-method-to-cart", retention_time=STORE_RETENTION, redact=_cart_id, ephemeral=True)
async def add_shipping_method(conn: AsyncConnection, *, cart_id: str, option_id: str, data: dict[str, Any] | None,
                              customer_id: str | None, fields: str | None = None) -> dict[str, Any]:
    """addShippingMethodToCartWorkflow."""
    state = await mutations.add_shipping_method(conn, cart_id=cart_id, option_id=option_id, data=data,
                                                customer_id=customer_id)
    return await _answer(conn, state, fields)


@transaction_workflow("update-cart-promotions", retention_time=STORE_RETENTION, redact=_cart_id, ephemeral=True)
async def update_promotions(conn: AsyncConnection, *, cart_id: str, codes: Sequence[str], action: str,
                            customer_id: str | None, fields: str | None = None) -> dict[str, Any]:
    """updateCartPromotionsWorkflow: `action` is `add` or `remove` (Medusa's PromotionActions)."""
    if action == "add":
        state = await mutations.add_promotions(conn, cart_id=cart_id, codes=codes, customer_id=customer_id)
    else:
        state = await mutations.remove_promotions(conn, cart_id=cart_id, codes=codes, customer_id=customer_id)
    return await _answer(conn, state, fields)


@transaction_workflow("update-tax-lines", retention_time=STORE_RETENTION, redact=_cart_id, ephemeral=True)
async def calculate_taxes(conn: AsyncConnection, *, cart_id: str, customer_id: str | None,
                          fields: str | None = None) -> dict[str, Any]:
    """updateTaxLinesWorkflow (forced: the store `/taxes` route)."""
    state = await mutations.calculate_taxes(conn, cart_id=cart_id, customer_id=customer_id)
    return await _answer(conn, state, fields)
