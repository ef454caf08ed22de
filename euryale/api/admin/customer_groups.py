"""`/admin/customer-groups*`: CRUD and customers add/remove."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api._logistics import transaction
from euryale.api.people_common import LinkBody, Strict, fields_param, list_envelope, read_query
from euryale.http.actors import require_user
from euryale.http.auth import AuthContext
from euryale.modules.customer import service as customer_service
from euryale.query import people as views
from euryale.query.request import WireRoute

router = APIRouter(dependencies=[Depends(require_user)], route_class=WireRoute, tags=["admin customer groups"])


class GroupCreate(Strict):
    name: str
    metadata: dict[str, Any] | None = None


class GroupUpdate(Strict):
    name: str | None = None
    metadata: dict[str, Any] | None = None


async def _group(request: Request, group_id: str) -> dict[str, Any]:
    selection = views.simple_fields(fields_param(request), views.GROUP_DEFAULTS, relations=("customers",))
    async with request.app.state.container.database().read() as conn:
        row = await customer_service.retrieve_group(conn, group_id=group_id)
        return (await views.groups_view(conn, [row], selection))[0]


@router.get("/admin/customer-groups")
async def list_groups(request: Request) -> dict[str, Any]:
    """`{customer_groups, count, offset, limit}`."""
    filters, params = read_query(request)
    selection = views.simple_fields(params.fields, views.GROUP_DEFAULTS, relations=("customers",))
    async with request.app.state.container.database().read() as conn:
        rows, count = await customer_service.list_groups(conn, filters=filters, limit=params.limit,
                                                         offset=params.offset, order=params.order,
                                                         with_deleted=params.with_deleted)
        items = await views.groups_view(conn, rows, selection)
    return list_envelope("customer_groups", items, count, params)


@router.post("/admin/customer-groups")
async def create_group(body: GroupCreate, request: Request, ctx: AuthContext = Depends(require_user)) -> dict[str, Any]:
    async with transaction(request, "create-customer-groups") as conn:
        created = await customer_service.create_group(conn, name=body.name, metadata=body.metadata,
                                                      created_by=ctx.actor_id)
    return {"customer_group": await _group(request, created["id"])}


@router.get("/admin/customer-groups/{group_id}")
async def retrieve_group(group_id: str, request: Request) -> dict[str, Any]:
    return {"customer_group": await _group(request, group_id)}


@router.post("/admin/customer-groups/{group_id}")
async def update_group(group_id: str, body: GroupUpdate, request: Request) -> dict[str, Any]:
    async with transaction(request, "update-customer-groups") as conn:
        await customer_service.update_group(conn, group_id=group_id, data=body.model_dump(exclude_unset=True))
    return {"customer_group": await _group(request, group_id)}


@router.delete("/admin/customer-groups/{group_id}")
async def delete_group(group_id: str, request: Request) -> dict[str, Any]:
    async with transaction(request, "delete-customer-groups") as conn:
        await customer_service.retrieve_group(conn, group_id=group_id)
        await customer_service.delete_groups(conn, ids=[group_id])
    return {"id": group_id, "object": "customer_group", "deleted": True}


@router.post("/admin/customer-groups/{group_id}/customers")
async def link_customers(group_id: str, body: LinkBody, request: Request,
                         ctx: AuthContext = Depends(require_user)) -> dict[str, Any]:
    """`{add, remove}` customer ids; answers `{customer_group}`."""
    async with transaction(request, "link-customers-to-customer-group") as conn:
        await customer_service.retrieve_group(conn, group_id=group_id)
        await customer_service.link_customers_to_groups(conn, pairs=[(c, group_id) for c in body.add or []],
                                                        created_by=ctx.actor_id)
        await customer_service.unlink_customers_from_groups(conn, pairs=[(c, group_id) for c in body.remove or []])
    return {"customer_group": await _group(request, group_id)}
