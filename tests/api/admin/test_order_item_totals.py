"""Item totals on an order page: lines that look alike (same price, quantity, tax) but differ in what was fulfilled
keep their own totals (the admin read computes each distinct line once)."""

from __future__ import annotations

import httpx

from euryale.container import Container
from tests.api.admin.order_factory import admin_headers, place_order


async def test_alike_lines_keep_their_own_fulfilled_totals(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    fulfilled, untouched = await place_order(container), await place_order(container)
    # 2 of the 3 units of the second line (25 each, no tax) of one order
    res = await client.post(f"/admin/orders/{fulfilled.order_id}/fulfillments", headers=h, json={
        "location_id": fulfilled.location_id, "items": [{"id": fulfilled.item_ids[1], "quantity": 2}]})
    assert res.status_code == 200, res.text
    res = await client.get(f"/admin/orders?id[]={fulfilled.order_id}&id[]={untouched.order_id}&fields=id,*items",
                           headers=h)
    assert res.status_code == 200
    lines = {o["id"]: {i["id"]: i for i in o["items"]} for o in res.json()["orders"]}
    done = lines[fulfilled.order_id][fulfilled.item_ids[1]]
    fresh = lines[untouched.order_id][untouched.item_ids[1]]
    assert (done["unit_price"], done["quantity"]) == (fresh["unit_price"], fresh["quantity"]) == (25, 3)
    assert done["fulfilled_total"] == 50 and done["raw_fulfilled_total"] == {"value": "50", "precision": 20}
    assert fresh["fulfilled_total"] == 0 and fresh["raw_fulfilled_total"] == {"value": "0", "precision": 20}
    assert done["total"] == fresh["total"] == 75 and done["refundable_total"] == fresh["refundable_total"] == 75
    assert done["detail"]["fulfilled_quantity"] == 2 and fresh["detail"]["fulfilled_quantity"] == 0
