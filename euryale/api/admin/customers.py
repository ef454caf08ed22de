"""`/admin/customers*`: CRUD, addresses, and group membership of a customer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api.people_common import AddressBody, CustomerBody, LinkBody, fields_param, list_envelope, read_query
from euryale.flows import people_workflows
from euryale.http.actors import require_user
from euryale.http.auth import AuthContext
from euryale.modules.customer import service as customer_service
from euryale.query import people as views
from euryale.query.request import WireRoute

router = APIRouter(dependencies=[Depends(require_user)], route_class=WireRoute, tags=["admin customers"])


class AdminCustomerCreate(CustomerBody):
    additional_data: dict[str, Any] | None = None


async def _customer(request: Request, customer_id: str) -> dict[str, Any]:
    async with request.app.state.container.database().read() as conn:
        return await views.customer_view(conn, customer_id, views.admin_customer_fields(fields_param(request)))


@router.get("/admin/customers")
async def list_customers(request: Request) -> dict[str, Any]:
    """`{customers, count, offset, limit}`; filters q, email, groups, has_account, dates..."""
    filters, params = read_query(request)
    selection = views.admin_customer_fields(params.fields)
    async with request.app.state.container.database().read() as conn:
        rows, count = await customer_service.list_customers(conn, filters=filters, limit=params.limit,
                                                            offset=params.offset, order=params.order,
                                                            with_deleted=params.with_deleted)
        items = await views.customers_view(conn, rows, selection)
    return list_envelope("customers", items, count, params)


@router.post("/admin/customers")
async def create_customer(body: AdminCustomerCreate, request: Request,
                          ctx: AuthContext = Depends(require_user)) -> dict[str, Any]:
    """A customer without an account (`has_account=false`), `created_by` the acting user."""
    data = body.model_dump(exclude_unset=True, exclude={"additional_data"})
    created_id = await people_workflows.create_customer(request.app.state.container, data=data,
                                                        created_by=ctx.actor_id)
    return {"customer": await _customer(request, created_id)}


@router.get("/admin/customers/{customer_id}")
async def retrieve_customer(customer_id: str, request: Request) -> dict[str, Any]:
    return {"customer": await _customer(request, customer_id)}


@router.post("/admin/customers/{customer_id}")
async def update_customer(customer_id: str, body: AdminCustomerCreate, request: Request) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True, exclude={"additional_data"})
    await people_workflows.update_customer(request.app.state.container, customer_id=customer_id, data=data)
    return {"customer": await _customer(request, customer_id)}


@router.delete("/admin/customers/{customer_id}")
async def delete_customer(customer_id: str, request: Request) -> dict[str, Any]:
    await people_workflows.delete_customer(request.app.state.container, customer_id=customer_id)
    return {"id": customer_id, "object": "customer", "deleted": True}


@router.post("/admin/customers/{customer_id}/customer-groups")
async def link_groups(customer_id: str, body: LinkBody, request: Request,
                      ctx: AuthContext = Depends(require_user)) -> dict[str, Any]:
    """`{add, remove}` group ids for this customer; answers `{customer}`."""
    await people_workflows.link_customer_groups(request.app.state.container, customer_id=customer_id,
                                                add=list(body.add or []), remove=list(body.remove or []),
                                                created_by=ctx.actor_id)
    return {"customer": await _customer(request, customer_id)}


@router.get("/admin/customers/{customer_id}/addresses")
async def list_addresses(customer_id: str, request: Request) -> dict[str, Any]:
    filters, params = read_query(request)
    selection = views.simple_fields(params.fields, views.ADMIN_ADDRESS_DEFAULTS)
    async with request.app.state.container.database().read() as conn:
        await customer_service.retrieve_customer(conn, customer_id=customer_id)
        rows, count = await customer_service.list_addresses(conn, customer_id=customer_id, filters=filters,
                                                            limit=params.limit, offset=params.offset,
                                                            order=params.order)
    return list_envelope("addresses", views.project_rows(rows, selection), count, params)


@router.post("/admin/customers/{customer_id}/addresses")
async def create_address(customer_id: str, body: AddressBody, request: Request) -> dict[str, Any]:
    await people_workflows.create_address(request.app.state.container, customer_id=customer_id, data=body.values())
    return {"customer": await _customer(request, customer_id)}


@router.get("/admin/customers/{customer_id}/addresses/{address_id}")
async def retrieve_address(customer_id: str, address_id: str, request: Request) -> dict[str, Any]:
    selection = views.simple_fields(fields_param(request), views.ADMIN_ADDRESS_DEFAULTS)
    async with request.app.state.container.database().read() as conn:
        row = await customer_service.retrieve_address(conn, customer_id=customer_id, address_id=address_id)
    return {"address": selection.project(row)}


@router.post("/admin/customers/{customer_id}/addresses/{address_id}")
async def update_address(customer_id: str, address_id: str, body: AddressBody, request: Request) -> dict[str, Any]:
    await people_workflows.update_address(request.app.state.container, customer_id=customer_id,
                                          address_id=address_id, data=body.values())
    return {"customer": await _customer(request, customer_id)}


@router.delete("/admin/customers/{customer_id}/addresses/{address_id}")
async def delete_address(customer_id: str, address_id: str, request: Request) -> dict[str, Any]:
    await people_workflows.delete_address(request.app.state.container, customer_id=customer_id,
                                          address_id=address_id)
    return {"id": address_id, "object": "customer_address", "deleted": True,
            "parent": await _customer(request, customer_id)}
