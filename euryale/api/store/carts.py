"""Store carts: `/store/carts*` (create, read, update, line items, shipping methods, promotions, taxes, complete,
customer transfer). A write handler validates and runs one workflow (`euryale.flows.cart.workflows`: one
transaction that also builds the answer from the cart state it wrote, so the cart is not read again)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.api.common import AddressBody, Strict, deleted
from euryale.flows.cart import mutations as cart_mutations
from euryale.flows.cart import workflows as cart_flows
from euryale.flows.cart.complete import complete_cart_or_existing
from euryale.flows.cart.read import retrieve_store_cart
from euryale.flows.order.read import placed_store_order, retrieve_store_order
from euryale.http.actors import optional_customer, require_customer
from euryale.http.auth import AuthContext
from euryale.http.json import JSONResponse
from euryale.http.store_context import StoreContext, store_context
from euryale.query.request import WireRoute

# WireRoute: dict answers go straight to orjson (Decimal -> number, datetime -> `...sssZ` as Medusa answers), with
# no jsonable_encoder pass over the whole cart (it was a third of a cart write's CPU)
router = APIRouter(route_class=WireRoute)


class ItemBody(Strict):
    variant_id: str
    quantity: int = Field(gt=0)
    metadata: dict[str, Any] | None = None


class CreateCartBody(Strict):
    region_id: str | None = None
    shipping_address: AddressBody | str | None = None
    billing_address: AddressBody | str | None = None
    email: str | None = None
    currency_code: str | None = None
    items: list[ItemBody] | None = None
    sales_channel_id: str | None = None
    promo_codes: list[str] | None = None
    metadata: dict[str, Any] | None = None
    locale: str | None = None
    additional_data: dict[str, Any] | None = None


class UpdateCartBody(Strict):
    region_id: str | None = None
    email: str | None = None
    billing_address: AddressBody | str | None = None
    shipping_address: AddressBody | str | None = None
    sales_channel_id: str | None = None
    metadata: dict[str, Any] | None = None
    promo_codes: list[str] | None = None
    locale: str | None = None
    additional_data: dict[str, Any] | None = None


class UpdateItemBody(Strict):
    quantity: int = Field(ge=0)
    metadata: dict[str, Any] | None = None
    additional_data: dict[str, Any] | None = None


class ShippingMethodBody(Strict):
    option_id: str
    data: dict[str, Any] | None = None
    additional_data: dict[str, Any] | None = None


class PromotionsBody(Strict):
    promo_codes: list[str]


def _dump(body: BaseModel) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    for kind in ("shipping_address", "billing_address"):
        if isinstance(getattr(body, kind, None), BaseModel):
            data[kind] = getattr(body, kind).model_dump(exclude_unset=True)
    return data


async def _check_access(conn: AsyncConnection, cart_id: str, customer: AuthContext | None) -> None:
    """A cart owned by a registered customer is invisible to another logged-in customer (404 as if missing)."""
    await cart_flows.check_access(conn, cart_id=cart_id, customer_id=_actor(customer))


def _db(request: Request) -> Any:
    return request.app.state.container.database()


def _container(request: Request) -> Any:
    return request.app.state.container


def _actor(customer: AuthContext | None) -> str | None:
    return customer.actor_id if customer else None


@router.post("/store/carts", response_model=None)
async def create_cart(body: CreateCartBody, request: Request, fields: str | None = Query(None),
                      ctx: StoreContext = Depends(store_context),
                      customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """Create a cart in a region (default: the store's) and the key's sales channel."""
    return {"cart": await cart_flows.create_cart(_container(request), data=_dump(body),
                                                 sales_channel_ids=list(ctx.sales_channel_ids),
                                                 customer_id=_actor(customer), locale=ctx.locale, fields=fields)}


@router.get("/store/carts/{cart_id}", response_model=None)
async def get_cart(cart_id: str, request: Request, fields: str | None = Query(None),
                   ctx: StoreContext = Depends(store_context),
                   customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """One cart with its totals."""
    async with _db(request).read() as conn:
        state = await cart_mutations.read_cart_state(conn, cart_id=cart_id, customer_id=_actor(customer))
        return {"cart": await retrieve_store_cart(conn, cart_id=cart_id, fields=fields, state=state)}


@router.post("/store/carts/{cart_id}", response_model=None)
async def update_cart(cart_id: str, body: UpdateCartBody, request: Request, fields: str | None = Query(None),
                      ctx: StoreContext = Depends(store_context),
                      customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """Update region, email, addresses, sales channel, locale, metadata or promo codes."""
    data = _dump(body)
    if "sales_channel_id" in data and data["sales_channel_id"] and ctx.sales_channel_ids \
            and data["sales_channel_id"] not in ctx.sales_channel_ids:
        from euryale.errors import invalid_data

        raise invalid_data("Requested sales channel is not part of the publishable key")
    return {"cart": await cart_flows.update_cart(_container(request), cart_id=cart_id, data=data,
                                                 customer_id=_actor(customer), fields=fields)}


@router.post("/store/carts/{cart_id}/customer", response_model=None)
async def transfer_cart(cart_id: str, request: Request, fields: str | None = Query(None),
                        ctx: StoreContext = Depends(store_context),
                        customer: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """Give the cart to the logged-in customer."""
    return {"cart": await cart_flows.transfer_customer(_container(request), cart_id=cart_id,
                                                       customer_id=customer.actor_id, fields=fields)}


@router.post("/store/carts/{cart_id}/line-items", response_model=None)
async def add_line_item(cart_id: str, body: ItemBody, request: Request, fields: str | None = Query(None),
                        ctx: StoreContext = Depends(store_context),
                        customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """Add a variant (priced in the cart's context; stock confirmed)."""
    return {"cart": await cart_flows.add_to_cart(_container(request), cart_id=cart_id, item=body.model_dump(),
                                                 customer_id=_actor(customer), fields=fields)}


@router.post("/store/carts/{cart_id}/line-items/{line_id}", response_model=None)
async def update_line_item(cart_id: str, line_id: str, body: UpdateItemBody, request: Request,
                           fields: str | None = Query(None), ctx: StoreContext = Depends(store_context),
                           customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """Change a line's quantity (0 removes it)."""
    return {"cart": await cart_flows.update_line_item(_container(request), cart_id=cart_id, line_id=line_id,
                                                      quantity=body.quantity, metadata=body.metadata,
                                                      customer_id=_actor(customer), fields=fields)}


@router.delete("/store/carts/{cart_id}/line-items/{line_id}", response_model=None)
async def delete_line_item(cart_id: str, line_id: str, request: Request, fields: str | None = Query(None),
                           ctx: StoreContext = Depends(store_context),
                           customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """Remove a line: `{id, object: "line-item", deleted: true, parent: cart}`."""
    cart = await cart_flows.delete_line_item(_container(request), cart_id=cart_id, line_id=line_id,
                                             customer_id=_actor(customer), fields=fields)
    return deleted(line_id, "line-item", parent=cart)


@router.post("/store/carts/{cart_id}/shipping-methods", response_model=None)
async def add_shipping_method(cart_id: str, body: ShippingMethodBody, request: Request,
                              fields: str | None = Query(None), ctx: StoreContext = Depends(store_context),
                              customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """Choose a shipping option available to the cart."""
    return {"cart": await cart_flows.add_shipping_method(_container(request), cart_id=cart_id,
                                                         option_id=body.option_id, data=body.data,
                                                         customer_id=_actor(customer), fields=fields)}


@router.post("/store/carts/{cart_id}/promotions", response_model=None)
async def add_promotions(cart_id: str, body: PromotionsBody, request: Request, fields: str | None = Query(None),
                         ctx: StoreContext = Depends(store_context),
                         customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """Apply promotion codes."""
    return {"cart": await cart_flows.update_promotions(_container(request), cart_id=cart_id,
                                                       codes=body.promo_codes, action="add",
                                                       customer_id=_actor(customer), fields=fields)}


@router.delete("/store/carts/{cart_id}/promotions", response_model=None)
async def remove_promotions(cart_id: str, body: PromotionsBody, request: Request, fields: str | None = Query(None),
                            ctx: StoreContext = Depends(store_context),
                            customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """Remove promotion codes."""
    return {"cart": await cart_flows.update_promotions(_container(request), cart_id=cart_id,
                                                       codes=body.promo_codes, action="remove",
                                                       customer_id=_actor(customer), fields=fields)}


@router.post("/store/carts/{cart_id}/taxes", response_model=None)
async def calculate_taxes(cart_id: str, request: Request, fields: str | None = Query(None),
                          ctx: StoreContext = Depends(store_context),
                          customer: AuthContext | None = Depends(optional_customer)) -> dict[str, Any]:
    """Compute tax lines now (regions without automatic taxes)."""
    return {"cart": await cart_flows.calculate_taxes(_container(request), cart_id=cart_id,
                                                     customer_id=_actor(customer), fields=fields)}


@router.post("/store/carts/{cart_id}/complete", response_model=None)
async def complete_cart(cart_id: str, request: Request, fields: str | None = Query(None),
                        ctx: StoreContext = Depends(store_context),
                        customer: AuthContext | None = Depends(optional_customer)) -> JSONResponse:
    """Place the order: `{type: "order", order}`, or `{type: "cart", cart, error}` when payment is refused.

    The body goes straight to orjson (Medusa's `...sssZ` timestamps, numbers for amounts)."""
    container = request.app.state.container
    async with _db(request).read() as conn:
        await _check_access(conn, cart_id, customer)
    result = await complete_cart_or_existing(container, cart_id=cart_id)
    async with _db(request).read() as conn:
        if result.order_id is None:
            cart = await retrieve_store_cart(conn, cart_id=cart_id, fields=fields)
            return JSONResponse({"type": "cart", "cart": cart, "error": result.error})
        if result.placed is not None:  # the rows this call wrote: no read back
            order = await placed_store_order(conn, **result.placed)
        else:
            order = await retrieve_store_order(conn, order_id=result.order_id)
        order.pop("_customer_id", None)
        return JSONResponse({"type": "order", "order": order})
