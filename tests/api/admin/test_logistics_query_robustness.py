"""No `fields`, `order`, filter or pagination value makes a logistics list route answer 500."""

from __future__ import annotations

import httpx
import pytest

from euryale.container import Container
from tests.support.logistics import admin_headers

LISTS = ["/admin/stock-locations", "/admin/inventory-items", "/admin/reservations", "/admin/shipping-options",
         "/admin/shipping-profiles", "/admin/shipping-option-types", "/admin/fulfillment-providers",
         "/admin/tax-regions", "/admin/tax-rates", "/admin/promotions", "/admin/campaigns"]
ODD = [
    "fields=*nope,+ghost,-id", "fields=a.b.c.d.e", "order=-nope", "order=created_at,-updated_at", "q[]=x&q[]=y",
    "created_at[$gte]=not-a-date", "created_at[$weird]=1", "id[]=a&id[]=b", "limit=abc", "offset=-3",
    "with_deleted=true", "id=null", "location_levels[location_id][]=sloc_x", "stock_location_id=sloc_x",
    "is_return=true", "admin_only=true", "fields=", "limit=1000000",
]


@pytest.mark.parametrize("path", LISTS)
async def test_odd_query_values_never_500(client: httpx.AsyncClient, container: Container, path: str) -> None:
    h = admin_headers(container)
    for q in ODD:
        res = await client.get(f"{path}?{q}", headers=h)
        assert res.status_code in (200, 400), (path, q, res.status_code, res.text)
        if res.status_code == 400:
            assert res.json()["type"] == "invalid_data", (path, q)
