"""Admin sales channels: CRUD and product links."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from euryale.flows import catalog as flows
from euryale.http.actors import require_user
from euryale.query.cache import bump_after_write
from euryale.query.catalog import sales_channel_resource
from euryale.query.request import WireRoute, list_envelope, retrieve_one

router = APIRouter(dependencies=[Depends(bump_after_write, scope="function"), Depends(require_user)], route_class=WireRoute)
RESOURCE = sales_channel_resource()


class ChannelFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = None
    is_disabled: bool | None = None
    metadata: dict[str, Any] | None = None


class ChannelCreate(ChannelFields):
    name: str


class ChannelUpdate(ChannelFields):
    name: str | None = None


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


async def _one(request: Request, sales_channel_id: str) -> dict[str, Any]:
    return {"sales_channel": await retrieve_one(request, RESOURCE, sales_channel_id, store=False)}


@router.get("/admin/sales-channels")
async def list_sales_channels(request: Request) -> dict[str, Any]:
    """`GET /admin/sales-channels`."""
    return await list_envelope(request, RESOURCE, "sales_channels", store=False, default_limit=20)


@router.post("/admin/sales-channels")
async def create_sales_channel(body: ChannelCreate, request: Request) -> dict[str, Any]:
    """`POST /admin/sales-channels`."""
    [sc_id] = await flows.create_sales_channels(request.app.state.container, [body.model_dump(exclude_unset=True)])
    return await _one(request, sc_id)


@router.get("/admin/sales-channels/{sales_channel_id}")
async def retrieve_sales_channel(sales_channel_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/sales-channels/{sales_channel_id}`."""
    return await _one(request, sales_channel_id)


@router.post("/admin/sales-channels/{sales_channel_id}")
async def update_sales_channel(sales_channel_id: str, body: ChannelUpdate, request: Request) -> dict[str, Any]:
    """`POST /admin/sales-channels/{sales_channel_id}`."""
    await flows.update_sales_channel(request.app.state.container, sales_channel_id,
                                     body.model_dump(exclude_unset=True))
    return await _one(request, sales_channel_id)


@router.delete("/admin/sales-channels/{sales_channel_id}")
async def delete_sales_channel(sales_channel_id: str, request: Request) -> dict[str, Any]:
    """`DELETE /admin/sales-channels/{sales_channel_id}`."""
    await flows.delete_sales_channel(request.app.state.container, sales_channel_id)
    return {"id": sales_channel_id, "object": "sales-channel", "deleted": True}


@router.post("/admin/sales-channels/{sales_channel_id}/products")
async def link_products(sales_channel_id: str, body: LinkBody, request: Request) -> dict[str, Any]:
    """`POST /admin/sales-channels/{sales_channel_id}/products`."""
    await flows.link_channel_products(request.app.state.container, sales_channel_id, body.add, body.remove)
    return await _one(request, sales_channel_id)
