"""`/store/customers*`: registration with a registration token, the logged-in customer and its addresses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api.people_common import AddressBody, CustomerBody, Strict, fields_param, list_envelope, read_query
from euryale.errors import invalid_data
from euryale.flows import people_workflows
from euryale.http.actors import allow_unregistered, require_customer
from euryale.http.auth import AuthContext
from euryale.http.store_context import store_context
from euryale.modules.customer import service as customer_service
from euryale.query import people as views
from euryale.query.request import WireRoute

router = APIRouter(dependencies=[Depends(store_context)], route_class=WireRoute, tags=["store customers"])
registering_customer = allow_unregistered("customer")


class StoreCustomerUpdate(Strict):
    company_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    metadata: dict[str, Any] | None = None
    additional_data: dict[str, Any] | None = None


def _selection(request: Request) -> Any:
    http = request.app.state.container.config.project_config.http
    return views.store_customer_fields(fields_param(request), restricted=tuple(http.restricted_fields_store),
                                       relations_limit=http.store_relations_limit)


async def _customer(request: Request, customer_id: str) -> dict[str, Any]:
    async with request.app.state.container.database().read() as conn:
        return await views.customer_view(conn, customer_id, _selection(request))


@router.post("/store/customers")
async def create_customer(body: CustomerBody, request: Request,
                          ctx: AuthContext = Depends(registering_customer)) -> dict[str, Any]:
    """Create the customer for a freshly registered identity (token from `/auth/customer/emailpass/register`)."""
    if ctx.actor_id:
        raise invalid_data("Request already authenticated as a customer.")
    selection = _selection(request)
    created = await people_workflows.create_customer_account(
        request.app.state.container, auth_identity_id=ctx.auth_identity_id, data=body.model_dump(exclude_unset=True))
    # answered from the row as inserted (RETURNING): no read back
    return {"customer": views.new_customer_view(created, selection)}


@router.get("/store/customers/me")
async def retrieve_me(request: Request, ctx: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """The logged-in customer (default fields include `addresses`)."""
    return {"customer": await _customer(request, ctx.actor_id)}


@router.post("/store/customers/me")
async def update_me(body: StoreCustomerUpdate, request: Request,
                    ctx: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """Update the logged-in customer's profile (email is not changeable here)."""
    data = body.model_dump(exclude_unset=True, exclude={"additional_data"})
    await people_workflows.update_customer(request.app.state.container, customer_id=ctx.actor_id, data=data)
    return {"customer": await _customer(request, ctx.actor_id)}


@router.get("/store/customers/me/addresses")
async def list_my_addresses(request: Request, ctx: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """`{addresses, count, offset, limit}` of the logged-in customer."""
    filters, params = read_query(request, default_limit=50)
    selection = views.simple_fields(params.fields, views.ADDRESS_DEFAULTS)
    async with request.app.state.container.database().read() as conn:
        rows, count = await customer_service.list_addresses(conn, customer_id=ctx.actor_id, filters=filters,
                                                            limit=params.limit, offset=params.offset,
                                                            order=params.order)
    return list_envelope("addresses", views.project_rows(rows, selection), count, params)


@router.post("/store/customers/me/addresses")
async def create_my_address(body: AddressBody, request: Request,
                            ctx: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """Add an address; answers the parent `{customer}`."""
    await people_workflows.create_address(request.app.state.container, customer_id=ctx.actor_id, data=body.values())
    return {"customer": await _customer(request, ctx.actor_id)}


@router.get("/store/customers/me/addresses/{address_id}")
async def retrieve_my_address(address_id: str, request: Request,
                              ctx: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """One of the customer's addresses (another customer's address is a 404)."""
    selection = views.simple_fields(fields_param(request), views.ADDRESS_DEFAULTS)
    async with request.app.state.container.database().read() as conn:
        row = await customer_service.retrieve_address(conn, customer_id=ctx.actor_id, address_id=address_id)
    return {"address": selection.project(row)}


@router.post("/store/customers/me/addresses/{address_id}")
async def update_my_address(address_id: str, body: AddressBody, request: Request,
                            ctx: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """Update an address; answers the parent `{customer}`."""
    await people_workflows.update_address(request.app.state.container, customer_id=ctx.actor_id,
                                          address_id=address_id, data=body.values())
    return {"customer": await _customer(request, ctx.actor_id)}


@router.delete("/store/customers/me/addresses/{address_id}")
async def delete_my_address(address_id: str, request: Request,
                            ctx: AuthContext = Depends(require_customer)) -> dict[str, Any]:
    """Delete an address: `{id, object: "customer_address", deleted: true, parent: <customer>}`."""
    await people_workflows.delete_address(request.app.state.container, customer_id=ctx.actor_id,
                                          address_id=address_id)
    return {"id": address_id, "object": "customer_address", "deleted": True,
            "parent": await _customer(request, ctx.actor_id)}
