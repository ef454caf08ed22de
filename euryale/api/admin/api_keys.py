"""Admin API keys: publishable and secret keys, revocation, sales channels of publishable keys."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from euryale.api._logistics import transaction
from euryale.flows import catalog as flows
from euryale.http.actors import require_user
from euryale.http.auth import AuthContext
from euryale.query.cache import bump_after_write
from euryale.query.catalog import API_KEY_COLS, api_key_resource
from euryale.query.request import WireRoute, list_envelope, retrieve_one

router = APIRouter(dependencies=[Depends(bump_after_write, scope="function")], route_class=WireRoute)
RESOURCE = api_key_resource()
CREATED_SELECTION = RESOURCE.selection(",".join(API_KEY_COLS))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KeyCreate(Strict):
    title: str
    type: Literal["publishable", "secret"]


class KeyUpdate(Strict):
    title: str


class RevokeBody(Strict):
    revoke_in: int | None = None


class LinkBody(Strict):
    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


async def _one(request: Request, key_id: str) -> dict[str, Any]:
    return {"api_key": await retrieve_one(request, RESOURCE, key_id, store=False, label="API Key")}


@router.get("/admin/api-keys", dependencies=[Depends(require_user)])
async def list_api_keys(request: Request) -> dict[str, Any]:
    """`GET /admin/api-keys`."""
    return await list_envelope(request, RESOURCE, "api_keys", store=False, default_limit=20)


@router.post("/admin/api-keys")
async def create_api_key(body: KeyCreate, request: Request, user: AuthContext = Depends(require_user)
                         ) -> dict[str, Any]:
    """Create a key; a secret key's token is in this response only."""
    key = await flows.create_api_key(request.app.state.container, title=body.title, type=body.type,
                                     created_by=user.actor_id)
    # Medusa 2.21.2 answers the created record itself: every column, no sales channels; keys are hard-deleted
    # here (no deleted_at column) but Medusa's model has one, null on a new key
    row = await retrieve_one(request, RESOURCE, key["id"], store=False, label="API Key", sel=CREATED_SELECTION)
    row["token"] = key["token"]
    row["deleted_at"] = None
    return {"api_key": row}


@router.get("/admin/api-keys/{key_id}", dependencies=[Depends(require_user)])
async def retrieve_api_key(key_id: str, request: Request) -> dict[str, Any]:
    """`GET /admin/api-keys/{key_id}`."""
    return await _one(request, key_id)


@router.post("/admin/api-keys/{key_id}", dependencies=[Depends(require_user)])
async def update_api_key(key_id: str, body: KeyUpdate, request: Request) -> dict[str, Any]:
    """`POST /admin/api-keys/{key_id}`."""
    from euryale.modules.api_key.service import update_api_key as update
    async with transaction(request, "update-api-keys") as conn:
        await update(conn, api_key_id=key_id, title=body.title)
    return await _one(request, key_id)


@router.delete("/admin/api-keys/{key_id}", dependencies=[Depends(require_user)])
async def delete_api_key(key_id: str, request: Request) -> dict[str, Any]:
    """`DELETE /admin/api-keys/{key_id}`."""
    await flows.delete_api_key(request.app.state.container, key_id)
    return {"id": key_id, "object": "api_key", "deleted": True}


@router.post("/admin/api-keys/{key_id}/revoke")
async def revoke_api_key(key_id: str, request: Request, body: RevokeBody | None = None,
                         user: AuthContext = Depends(require_user)) -> dict[str, Any]:
    """`POST /admin/api-keys/{key_id}/revoke`."""
    await flows.revoke_api_key(request.app.state.container, key_id, revoked_by=user.actor_id,
                               revoke_in=body.revoke_in if body else None)
    return await _one(request, key_id)


@router.post("/admin/api-keys/{key_id}/sales-channels", dependencies=[Depends(require_user)])
async def link_sales_channels(key_id: str, body: LinkBody, request: Request) -> dict[str, Any]:
    """`POST /admin/api-keys/{key_id}/sales-channels`."""
    await flows.link_key_channels(request.app.state.container, key_id, body.add, body.remove)
    return await _one(request, key_id)
