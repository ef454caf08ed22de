"""Admin claims: claim items (write-offs), inbound return, replacement items, refund amount, cancel, conflicts."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import text

from euryale.container import Container
from tests.api.admin.order_factory import PlacedOrder, admin_headers
from tests.api.admin.test_returns import fulfilled_order
from tests.support.commerce import Shop, make_shop


async def _begin(client: httpx.AsyncClient, container: Container, claim_type: str
                 ) -> tuple[PlacedOrder, Shop, dict[str, str], str]:
    h = admin_headers(container)
    placed = await fulfilled_order(client, container, h)
    shop = await make_shop(container, prices=[30])
    r = await client.post("/admin/claims", headers=h, json={"order_id": placed.order_id, "type": claim_type})
    assert r.status_code == 200, r.text
    claim = r.json()["claim"]
    assert claim["type"] == claim_type and claim["claim_items"] == [] and claim["additional_items"] == []
    assert r.json()["order"]["id"] == placed.order_id
    return placed, shop, h, str(claim["id"])


async def _written_off(container: Container, item_id: str) -> Decimal:
    async with container.database().read() as conn:
        return Decimal((await conn.execute(text(
            "SELECT written_off_quantity FROM order_item WHERE item_id = :i AND deleted_at IS NULL"),
            {"i": item_id})).scalar_one())


async def test_replace_claim_end_to_end(client: httpx.AsyncClient, container: Container) -> None:
    placed, shop, h, cid = await _begin(client, container, "replace")
    r = await client.post(f"/admin/claims/{cid}/claim-items", headers=h, json={
        "items": [{"id": placed.item_ids[1], "quantity": 1, "reason": "production_failure",
                   "description": "torn seam"}]})
    assert r.status_code == 200, r.text
    assert [a["action"] for a in r.json()["order_preview"]["order_change"]["actions"]] == ["WRITE_OFF_ITEM"]
    r = await client.post(f"/admin/claims/{cid}/inbound/items", headers=h,
                          json={"items": [{"id": placed.item_ids[1], "quantity": 1}]})
    assert r.status_code == 200 and r.json()["return"]["items"][0]["quantity"] == 1
    r = await client.post(f"/admin/claims/{cid}/outbound/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 1, "unit_price": 0}]})
    assert r.status_code == 200, r.text
    r = await client.post(f"/admin/claims/{cid}/outbound/shipping-method", headers=h,
                          json={"shipping_option_id": shop.shipping_option_id, "custom_amount": 0})
    assert r.status_code == 200, r.text
    assert await _written_off(container, placed.item_ids[1]) == 0
    r = await client.post(f"/admin/claims/{cid}/request", headers=h, json={"no_notification": True})
    assert r.status_code == 200, r.text
    body = r.json()
    claim = body["claim"]
    assert [(i["item_id"], i["quantity"], i["reason"], i["note"]) for i in claim["claim_items"]] == [
        (placed.item_ids[1], 1, "production_failure", "torn seam")]
    assert [i["item"]["variant_id"] for i in claim["additional_items"]] == [shop.variants[0].id]
    assert claim["refund_amount"] is None and claim["no_notification"] is True
    assert body["return"]["status"] == "requested" and body["return"]["claim_id"] == cid
    assert await _written_off(container, placed.item_ids[1]) == 1
    async with container.database().read() as conn:
        events = (await conn.execute(text(
            "SELECT count(*) FROM event_outbox WHERE name = 'order.claim_created' AND data->>'claim_id' = :c"),
            {"c": cid})).scalar_one()
    assert events == 1
    listed = (await client.get(f"/admin/claims?order_id={placed.order_id}&fields=id,type", headers=h)).json()
    assert listed["count"] == 1 and listed["claims"] == [{"id": cid, "type": "replace"}]
    r = await client.post(f"/admin/claims/{cid}/cancel", headers=h, json={})
    assert r.status_code == 200 and r.json()["claim"]["canceled_at"] is not None
    assert await _written_off(container, placed.item_ids[1]) == 0


async def test_refund_claim_records_the_amount_owed(client: httpx.AsyncClient, container: Container) -> None:
    placed, _, h, cid = await _begin(client, container, "refund")
    r = await client.post(f"/admin/claims/{cid}/claim-items", headers=h, json={
        "items": [{"id": placed.item_ids[1], "quantity": 1, "reason": "missing_item"}]})
    action = r.json()["order_preview"]["order_change"]["actions"][0]["id"]
    r = await client.post(f"/admin/claims/{cid}/claim-items/{action}", headers=h, json={"quantity": 2})
    assert r.status_code == 200
    r = await client.post(f"/admin/claims/{cid}/claim-items/{action}", headers=h, json={"quantity": 4})
    assert r.status_code == 400  # only 3 ordered
    r = await client.post(f"/admin/claims/{cid}/request", headers=h, json={})
    assert r.status_code == 200, r.text
    assert r.json()["claim"]["refund_amount"] == 50  # 2 x 25
    assert r.json()["return"] is None
    # confirmed: nothing pending anymore
    r = await client.post(f"/admin/claims/{cid}/claim-items", headers=h,
                          json={"items": [{"id": placed.item_ids[0], "quantity": 1}]})
    assert r.status_code == 400


async def test_claim_validation_not_found_and_conflicts(client: httpx.AsyncClient, container: Container) -> None:
    placed, shop, h, cid = await _begin(client, container, "replace")
    r = await client.post("/admin/claims", headers=h, json={"order_id": placed.order_id, "type": "swap"})
    assert r.status_code == 400
    r = await client.post("/admin/claims", headers=h, json={"order_id": placed.order_id, "type": "refund"})
    assert r.status_code == 400 and "active order change" in r.json()["message"]
    r = await client.post("/admin/exchanges", headers=h, json={"order_id": placed.order_id})
    assert r.status_code == 400  # one active change per order, whatever its kind
    r = await client.get("/admin/claims/claim_missing", headers=h)
    assert r.status_code == 404 and r.json()["message"] == "OrderClaim with id: claim_missing was not found"
    r = await client.post(f"/admin/claims/{cid}/claim-items", headers=h,
                          json={"items": [{"id": placed.item_ids[0], "quantity": 1, "reason": "broken"}]})
    assert r.status_code == 400
    r = await client.post(f"/admin/claims/{cid}/claim-items", headers=h,
                          json={"items": [{"id": "ordli_nope", "quantity": 1}]})
    assert r.status_code == 400
    r = await client.post(f"/admin/claims/{cid}/request", headers=h, json={})
    assert r.status_code == 400  # no claimed item
    r = await client.post(f"/admin/claims/{cid}/inbound/shipping-method", headers=h,
                          json={"shipping_option_id": shop.shipping_option_id})
    assert r.status_code == 200 and r.json()["return"]["claim_id"] == cid
    ship = r.json()["order_preview"]["order_change"]["actions"][0]["id"]
    r = await client.delete(f"/admin/claims/{cid}/claim-items/{ship}", headers=h)
    assert r.status_code == 400  # not a claim item action
    r = await client.delete(f"/admin/claims/{cid}/request", headers=h)
    assert r.json() == {"id": cid, "object": "claim", "deleted": True}
    assert (await client.get(f"/admin/claims/{cid}", headers=h)).status_code == 404
    async with container.database().read() as conn:
        open_returns = (await conn.execute(text(
            "SELECT count(*) FROM return WHERE claim_id = :c AND deleted_at IS NULL"), {"c": cid})).scalar_one()
    assert open_returns == 0
