"""Store shipping options: the options a cart can use, priced for it, and their calculated price."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api._logistics import Strict
from euryale.errors import invalid_data, not_found
from euryale.flows import logistics as flows
from euryale.http.query import parse_qs
from euryale.http.store_context import store_context
from euryale.query.fields import FieldSelection, parse_fields
from euryale.query.request import WireRoute

router = APIRouter(dependencies=[Depends(store_context)], route_class=WireRoute)
RELATIONS = ("service_zone", "type", "provider", "rules", "calculated_price", "prices")
# the key set of a real 2.21.2 answer (samples/store/009)
DEFAULTS = ["id", "name", "price_type", "service_zone_id", "shipping_profile_id", "provider_id", "data", "amount", "is_tax_inclusive", "insufficient_inventory",
            *(f"*{r}" for r in RELATIONS)]


def _selection(raw: Any) -> FieldSelection:
    fields = raw if isinstance(raw, str) or raw is None else ",".join(map(str, raw))
    return parse_fields(fields, defaults=DEFAULTS, relation_names=RELATIONS)


class CalculateBody(Strict):
    cart_id: str
    data: dict[str, Any] | None = None


@router.get("/store/shipping-options")
async def list_shipping_options(request: Request) -> dict[str, Any]:
    query = parse_qs(request.url.query)
    cart_id = query.get("cart_id")
    if not cart_id or not isinstance(cart_id, str):
        raise invalid_data("Invalid request: Field 'cart_id' is required")
    is_return = str(query.get("is_return", "false")).lower() == "true"
    sel = _selection(query.get("fields"))
    async with request.app.state.container.database().read() as conn:
        options = await flows.store_shipping_options(conn, cart_id=cart_id, is_return=is_return)
    return {"shipping_options": [sel.project(o) for o in options]}


@router.post("/store/shipping-options/{option_id}/calculate")
async def calculate_shipping_option(request: Request, option_id: str, body: CalculateBody) -> dict[str, Any]:
    async with request.app.state.container.database().read() as conn:
        options = await flows.store_shipping_options(conn, cart_id=body.cart_id, option_id=option_id)
    if not options:
        raise not_found(f"Shipping option with id: {option_id} was not found")
    return {"shipping_option": _selection(parse_qs(request.url.query).get("fields")).project(options[0])}
