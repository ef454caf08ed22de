"""Concurrent admin operations on one order serialize: no over-fulfilment, no double capture."""

from __future__ import annotations

import asyncio

import httpx

from euryale.container import Container
from tests.api.admin.order_factory import admin_headers, levels, place_order


async def test_concurrent_fulfilments_cannot_exceed_ordered(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    body = {"location_id": placed.location_id, "items": [{"id": placed.item_ids[1], "quantity": 3}]}
    results = await asyncio.gather(*[client.post(f"/admin/orders/{placed.order_id}/fulfillments", json=body,
                                                 headers=h) for _ in range(3)])
    assert sorted(r.status_code for r in results) == [200, 400, 400]
    assert await levels(container, placed) == [(10, 1), (7, 0)]


async def test_concurrent_captures_capture_once(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    results = await asyncio.gather(*[client.post(f"/admin/payments/{placed.payment_id}/capture", json={},
                                                 headers=h) for _ in range(3)])
    assert sorted(r.status_code for r in results) == [200, 400, 400]
    res = await client.get(f"/admin/orders/{placed.order_id}?fields=summary", headers=h)
    assert res.json()["order"]["summary"]["paid_total"] == 110
