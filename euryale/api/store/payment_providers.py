"""`GET /store/payment-providers?region_id=`: the enabled providers of a region."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.errors import invalid_data
from euryale.flows.cart.payment import list_region_providers
from euryale.http.query import list_params, parse_qs
from euryale.http.store_context import StoreContext, store_context

router = APIRouter()


@router.get("/store/payment-providers", response_model=None)
async def list_payment_providers(request: Request, ctx: StoreContext = Depends(store_context)) -> dict[str, Any]:
    """`{payment_providers: [{id, is_enabled}], count, offset, limit}`."""
    query = parse_qs(request.url.query)
    region_id = query.get("region_id")
    if not region_id or not isinstance(region_id, str):
        raise invalid_data("Invalid request: Field 'region_id' is required")
    lp = list_params(query, default_limit=20)
    async with request.app.state.container.database().read() as conn:
        providers = await list_region_providers(conn, region_id=region_id)
    page = providers[lp.offset: lp.offset + lp.limit]
    return {"payment_providers": [{"id": p["id"], "is_enabled": p["is_enabled"]} for p in page],
            "count": len(providers), "offset": lp.offset, "limit": lp.limit}
