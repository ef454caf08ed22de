"""Admin exchanges: inbound (return) + outbound items and shipping, confirm, cancel, validation, conflicts."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
from sqlalchemy import text

from euryale.container import Container
from tests.api.admin.order_factory import PlacedOrder, admin_headers
from tests.api.admin.test_returns import fulfilled_order
from tests.support.commerce import Shop, make_shop


async def _begin(client: httpx.AsyncClient, container: Container) -> tuple[PlacedOrder, Shop, dict[str, str], str]:
    h = admin_headers(container)
    placed = await fulfilled_order(client, container, h)
    shop = await make_shop(container, prices=[40])
    r = await client.post("/admin/exchanges", headers=h, json={"order_id": placed.order_id,
                                                                "description": "size swap"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["order"]["id"] == placed.order_id
    ex = body["exchange"]
    assert ex["order_id"] == placed.order_id and ex["return_items"] == [] and ex["additional_items"] == []
    assert ex["canceled_at"] is None and isinstance(ex["display_id"], int)
    return placed, shop, h, str(ex["id"])


async def _item_row(container: Container, item_id: str) -> dict[str, Decimal]:
    async with container.database().read() as conn:
        row = (await conn.execute(text(
            "SELECT quantity, return_requested_quantity, written_off_quantity FROM order_item "
            "WHERE item_id = :i AND deleted_at IS NULL"), {"i": item_id})).mappings().one()
    return {k: Decimal(v) for k, v in row.items()}


async def test_exchange_end_to_end(client: httpx.AsyncClient, container: Container) -> None:
    placed, shop, h, eid = await _begin(client, container)
    r = await client.post(f"/admin/exchanges/{eid}/inbound/items", headers=h,
                          json={"items": [{"id": placed.item_ids[1], "quantity": 2}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["return"]["status"] == "open" and body["return"]["items"][0]["quantity"] == 2
    change = body["order_preview"]["order_change"]
    assert change["change_type"] == "exchange" and change["exchange_id"] == eid
    assert [a["action"] for a in change["actions"]] == ["RETURN_ITEM"]
    r = await client.post(f"/admin/exchanges/{eid}/outbound/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 1}]})
    assert r.status_code == 200, r.text
    preview = r.json()["order_preview"]
    new = [i for i in preview["items"] if i["variant_id"] == shop.variants[0].id]
    assert len(new) == 1 and new[0]["unit_price"] == 40 and new[0]["actions"][0]["action"] == "ITEM_ADD"
    assert r.json()["exchange"]["id"] == eid
    r = await client.post(f"/admin/exchanges/{eid}/outbound/shipping-method", headers=h,
                          json={"shipping_option_id": shop.shipping_option_id, "custom_amount": 5})
    assert r.status_code == 200, r.text
    ship = [a for a in r.json()["order_preview"]["order_change"]["actions"] if a["action"] == "SHIPPING_ADD"]
    assert len(ship) == 1 and ship[0]["amount"] == 5
    # not confirmed yet: the order is untouched
    assert (await _item_row(container, placed.item_ids[1]))["return_requested_quantity"] == 0
    r = await client.post(f"/admin/exchanges/{eid}/request", headers=h, json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["return"]["status"] == "requested"
    # the preview Medusa's confirm-exchange-request took before confirming: the exchange's change, pending
    assert body["order_preview"]["order_change"]["status"] == "pending"
    assert {a["action"] for a in body["order_preview"]["order_change"]["actions"]} >= {"RETURN_ITEM", "ITEM_ADD"}
    ex = body["exchange"]
    assert [a["quantity"] for a in ex["additional_items"]] == [1]
    assert ex["difference_due"] == 40 + 5 - 2 * 25
    assert len(ex["shipping_methods"]) == 1 and ex["shipping_methods"][0]["amount"] == 5
    assert (await _item_row(container, placed.item_ids[1]))["return_requested_quantity"] == 2
    order = (await client.get(f"/admin/orders/{placed.order_id}", headers=h)).json()["order"]
    assert shop.variants[0].id in [i["variant_id"] for i in order["items"]]
    assert order["version"] >= 2
    async with container.database().read() as conn:
        events = (await conn.execute(text(
            "SELECT count(*) FROM event_outbox WHERE name = 'order.exchange_created' AND data->>'exchange_id' = :e"),
            {"e": eid})).scalar_one()
    assert events == 1
    listed = (await client.get(f"/admin/exchanges?order_id={placed.order_id}", headers=h)).json()
    assert listed["count"] == 1 and listed["exchanges"][0]["id"] == eid
    # a confirmed exchange can be canceled while nothing was received or fulfilled
    r = await client.post(f"/admin/exchanges/{eid}/cancel", headers=h, json={})
    assert r.status_code == 200, r.text
    assert r.json()["exchange"]["canceled_at"] is not None
    assert r.json()["exchange"]["return"]["status"] == "canceled"
    assert (await _item_row(container, placed.item_ids[1]))["return_requested_quantity"] == 0
    order = (await client.get(f"/admin/orders/{placed.order_id}", headers=h)).json()["order"]
    assert shop.variants[0].id not in [i["variant_id"] for i in order["items"]]
    r = await client.post(f"/admin/exchanges/{eid}/inbound/items", headers=h,
                          json={"items": [{"id": placed.item_ids[1], "quantity": 1}]})
    assert r.status_code == 400  # canceled


async def test_exchange_actions_update_remove_and_drop(client: httpx.AsyncClient, container: Container) -> None:
    placed, shop, h, eid = await _begin(client, container)
    r = await client.post(f"/admin/exchanges/{eid}/inbound/items", headers=h,
                          json={"items": [{"id": placed.item_ids[1], "quantity": 1}]})
    action = r.json()["order_preview"]["order_change"]["actions"][0]["id"]
    r = await client.post(f"/admin/exchanges/{eid}/inbound/items/{action}", headers=h, json={"quantity": 3})
    assert r.status_code == 200 and r.json()["return"]["items"][0]["quantity"] == 3
    r = await client.post(f"/admin/exchanges/{eid}/inbound/items/{action}", headers=h, json={"quantity": 4})
    assert r.status_code == 400  # only 3 fulfilled
    r = await client.post(f"/admin/exchanges/{eid}/outbound/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 1, "unit_price": 12}]})
    out_action = [a for a in r.json()["order_preview"]["order_change"]["actions"] if a["action"] == "ITEM_ADD"][0]
    assert out_action["amount"] == 12
    r = await client.post(f"/admin/exchanges/{eid}/outbound/items/{out_action['id']}", headers=h,
                          json={"quantity": 2})
    assert r.status_code == 200
    upd = [a for a in r.json()["order_preview"]["order_change"]["actions"] if a["action"] == "ITEM_ADD"][0]
    assert upd["amount"] == 24
    # an inbound action id is not an outbound one
    r = await client.delete(f"/admin/exchanges/{eid}/outbound/items/{action}", headers=h)
    assert r.status_code == 400
    r = await client.delete(f"/admin/exchanges/{eid}/outbound/items/{out_action['id']}", headers=h)
    assert r.status_code == 200
    r = await client.post(f"/admin/exchanges/{eid}/inbound/shipping-method", headers=h,
                          json={"shipping_option_id": shop.shipping_option_id})
    assert r.status_code == 200, r.text
    ship = [a for a in r.json()["order_preview"]["order_change"]["actions"] if a["action"] == "SHIPPING_ADD"][0]
    assert ship["amount"] == 10 and ship["return_id"] == r.json()["return"]["id"]
    r = await client.post(f"/admin/exchanges/{eid}/inbound/shipping-method/{ship['id']}", headers=h,
                          json={"custom_amount": 3})
    assert r.status_code == 200
    r = await client.delete(f"/admin/exchanges/{eid}/inbound/shipping-method/{ship['id']}", headers=h)
    assert r.status_code == 200
    assert [a["action"] for a in r.json()["order_preview"]["order_change"]["actions"]] == ["RETURN_ITEM"]
    # confirming without an outbound item is refused
    r = await client.post(f"/admin/exchanges/{eid}/request", headers=h, json={})
    assert r.status_code == 400
    r = await client.delete(f"/admin/exchanges/{eid}/inbound/items/{action}", headers=h)
    assert r.status_code == 200 and r.json()["return"]["items"] == []
    r = await client.delete(f"/admin/exchanges/{eid}/request", headers=h)
    assert r.json() == {"id": eid, "object": "exchange", "deleted": True}
    assert (await client.get(f"/admin/exchanges/{eid}", headers=h)).status_code == 404
    # the order is free for a new change again
    r = await client.post("/admin/exchanges", headers=h, json={"order_id": placed.order_id})
    assert r.status_code == 200


async def test_exchange_validation_not_found_and_conflicts(client: httpx.AsyncClient,
                                                           container: Container) -> None:
    placed, shop, h, eid = await _begin(client, container)
    assert (await client.get("/admin/exchanges")).status_code == 401
    r = await client.post("/admin/exchanges", headers=h, json={"order_id": placed.order_id})
    assert r.status_code == 400 and "active order change" in r.json()["message"]
    r = await client.post("/admin/exchanges", headers=h, json={"order_id": "order_missing"})
    assert r.status_code == 404
    r = await client.post("/admin/exchanges", headers=h, json={"order_id": placed.order_id, "bogus": 1})
    assert r.status_code == 400 and "Unrecognized fields" in r.json()["message"]
    r = await client.get("/admin/exchanges/oexc_missing", headers=h)
    assert r.status_code == 404 and r.json()["message"] == "OrderExchange with id: oexc_missing was not found"
    r = await client.post(f"/admin/exchanges/{eid}/inbound/items", headers=h, json={"items": []})
    assert r.status_code == 400
    r = await client.post(f"/admin/exchanges/{eid}/inbound/items", headers=h,
                          json={"items": [{"id": "ordli_nope", "quantity": 1}]})
    assert r.status_code == 400 and "does not exist in order" in r.json()["message"]
    r = await client.post(f"/admin/exchanges/{eid}/inbound/items", headers=h,
                          json={"items": [{"id": placed.item_ids[0], "quantity": 2}]})
    assert r.status_code == 400 and "more items than what was fulfilled" in r.json()["message"]
    r = await client.post(f"/admin/exchanges/{eid}/outbound/items", headers=h,
                          json={"items": [{"variant_id": "variant_nope", "quantity": 1}]})
    assert r.status_code == 404
    r = await client.post(f"/admin/exchanges/{eid}/outbound/shipping-method", headers=h,
                          json={"shipping_option_id": "so_nope"})
    assert r.status_code == 404
    r = await client.post(f"/admin/exchanges/{eid}/inbound/items/ordchact_nope", headers=h, json={"quantity": 1})
    assert r.status_code == 404
    r = await client.post(f"/admin/exchanges/{eid}/cancel", headers=h, json={})
    assert r.status_code == 400  # pending request: delete it instead
    r = await client.post(f"/admin/exchanges/{eid}/request", headers=h, json={})
    assert r.status_code == 400  # nothing to exchange
    assert shop.variants


async def test_exchanged_items_can_be_fulfilled_and_then_block_cancel(client: httpx.AsyncClient,
                                                                      container: Container) -> None:
    placed, shop, h, eid = await _begin(client, container)
    await client.post(f"/admin/exchanges/{eid}/inbound/items", headers=h,
                      json={"items": [{"id": placed.item_ids[0], "quantity": 1}]})
    await client.post(f"/admin/exchanges/{eid}/outbound/items", headers=h,
                      json={"items": [{"variant_id": shop.variants[0].id, "quantity": 1}]})
    r = await client.post(f"/admin/exchanges/{eid}/request", headers=h, json={})
    assert r.status_code == 200, r.text
    new_item = r.json()["exchange"]["additional_items"][0]["item_id"]
    r = await client.post(f"/admin/orders/{placed.order_id}/fulfillments", headers=h, json={
        "location_id": shop.location_id, "items": [{"id": new_item, "quantity": 1}]})
    assert r.status_code == 200, r.text
    r = await client.post(f"/admin/exchanges/{eid}/cancel", headers=h, json={})
    assert r.status_code == 400 and "fulfillments must be canceled" in r.json()["message"]
    # the exchange's return is received through the ordinary return routes
    ret_id = (await client.get(f"/admin/exchanges/{eid}", headers=h)).json()["exchange"]["return_id"]
    await client.post(f"/admin/returns/{ret_id}/receive", headers=h, json={})
    r = await client.post(f"/admin/returns/{ret_id}/receive-items", headers=h,
                          json={"items": [{"id": placed.item_ids[0], "quantity": 1}]})
    assert r.status_code == 200, r.text
    r = await client.post(f"/admin/returns/{ret_id}/receive/confirm", headers=h, json={})
    assert r.status_code == 200 and r.json()["return"]["status"] == "received"


async def _reserved(container: Container, line_item_id: str) -> int:
    async with container.database().read() as conn:
        return int((await conn.execute(text(
            "SELECT coalesce(sum(quantity), 0) FROM reservation_item WHERE line_item_id = :l AND deleted_at IS NULL"),
            {"l": line_item_id})).scalar_one())


async def test_exchange_reserves_new_items_and_cancel_releases(client: httpx.AsyncClient,
                                                               container: Container) -> None:
    placed, shop, h, eid = await _begin(client, container)
    await client.post(f"/admin/exchanges/{eid}/inbound/items", headers=h,
                      json={"items": [{"id": placed.item_ids[0], "quantity": 1}]})
    await client.post(f"/admin/exchanges/{eid}/outbound/items", headers=h,
                      json={"items": [{"variant_id": shop.variants[0].id, "quantity": 2}]})
    r = await client.post(f"/admin/exchanges/{eid}/request", headers=h, json={})
    assert r.status_code == 200, r.text
    new_item = r.json()["exchange"]["additional_items"][0]["item_id"]
    assert await _reserved(container, new_item) == 2
    assert (await client.post(f"/admin/exchanges/{eid}/cancel", headers=h, json={})).status_code == 200
    assert await _reserved(container, new_item) == 0


async def test_exchange_confirmation_refused_on_short_stock(client: httpx.AsyncClient,
                                                           container: Container) -> None:
    placed, _, h, eid = await _begin(client, container)
    scarce = await make_shop(container, prices=[5], stock=1)
    await client.post(f"/admin/exchanges/{eid}/inbound/items", headers=h,
                      json={"items": [{"id": placed.item_ids[0], "quantity": 1}]})
    await client.post(f"/admin/exchanges/{eid}/outbound/items", headers=h,
                      json={"items": [{"variant_id": scarce.variants[0].id, "quantity": 3}]})
    r = await client.post(f"/admin/exchanges/{eid}/request", headers=h, json={})
    assert r.status_code == 400, r.text
    # nothing was applied: the request is still pending
    r = await client.get(f"/admin/exchanges/{eid}", headers=h)
    assert r.json()["exchange"]["additional_items"] == []
    assert (await _item_row(container, placed.item_ids[0]))["return_requested_quantity"] == 0


async def test_concurrent_begins_leave_one_active_change(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await fulfilled_order(client, container, h)
    results = await asyncio.gather(*[
        client.post(path, headers=h, json=body) for path, body in [
            ("/admin/exchanges", {"order_id": placed.order_id}),
            ("/admin/claims", {"order_id": placed.order_id, "type": "refund"}),
            ("/admin/order-edits", {"order_id": placed.order_id}),
            ("/admin/exchanges", {"order_id": placed.order_id})]])
    assert sorted(r.status_code for r in results) == [200, 400, 400, 400]
    async with container.database().read() as conn:
        active = (await conn.execute(text(
            "SELECT count(*) FROM order_change WHERE order_id = :o AND status IN ('pending', 'requested')"),
            {"o": placed.order_id})).scalar_one()
    assert active == 1
