"""Admin order edits: add items, change quantities, shipping, request, confirm (totals move), cancel, conflicts."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from euryale.container import Container
from tests.api.admin.order_factory import admin_headers, place_order
from tests.support.commerce import make_shop


async def _events(container: Container, name: str, order_id: str) -> int:
    async with container.database().read() as conn:
        return int((await conn.execute(text(
            "SELECT count(*) FROM event_outbox WHERE name = :n AND data->>'order_id' = :o"),
            {"n": name, "o": order_id})).scalar_one())


async def test_order_edit_end_to_end(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    shop = await make_shop(container, prices=[20])
    before = (await client.get(f"/admin/orders/{placed.order_id}", headers=h)).json()["order"]
    assert before["total"] == 110
    r = await client.post("/admin/order-edits", headers=h, json={"order_id": placed.order_id,
                                                                  "description": "customer call"})
    assert r.status_code == 200, r.text
    change = r.json()["order_change"]
    assert change["change_type"] == "edit" and change["status"] == "pending" and change["actions"] == []
    r = await client.post(f"/admin/order-edits/{placed.order_id}/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 2}]})
    assert r.status_code == 200, r.text
    preview = r.json()["order_preview"]
    assert [i["quantity"] for i in preview["items"] if i["variant_id"] == shop.variants[0].id] == [2]
    r = await client.post(f"/admin/order-edits/{placed.order_id}/items/item/{placed.item_ids[1]}", headers=h,
                          json={"quantity": 1})
    assert r.status_code == 200, r.text
    edited = [i for i in r.json()["order_preview"]["items"] if i["id"] == placed.item_ids[1]][0]
    assert edited["quantity"] == 1 and edited["actions"][0]["action"] == "ITEM_UPDATE"
    # a second quantity change of the same item replaces the first action
    r = await client.post(f"/admin/order-edits/{placed.order_id}/items/item/{placed.item_ids[1]}", headers=h,
                          json={"quantity": 2})
    actions = r.json()["order_preview"]["order_change"]["actions"]
    assert [a["action"] for a in actions] == ["ITEM_ADD", "ITEM_UPDATE"]
    r = await client.post(f"/admin/order-edits/{placed.order_id}/shipping-method", headers=h,
                          json={"shipping_option_id": shop.shipping_option_id, "custom_amount": 7})
    ship = [a for a in r.json()["order_preview"]["order_change"]["actions"] if a["action"] == "SHIPPING_ADD"][0]
    r = await client.post(f"/admin/order-edits/{placed.order_id}/shipping-method/{ship['id']}", headers=h,
                          json={"custom_amount": 6})
    assert r.status_code == 200
    r = await client.post(f"/admin/order-edits/{placed.order_id}/request", headers=h)
    assert r.status_code == 200 and r.json()["order_preview"]["order_change"]["status"] == "requested"
    assert await _events(container, "order-edit.requested", placed.order_id) == 1
    # requested: no more changes, only confirm or cancel
    r = await client.post(f"/admin/order-edits/{placed.order_id}/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 1}]})
    assert r.status_code == 400
    r = await client.post(f"/admin/order-edits/{placed.order_id}/confirm", headers=h)
    assert r.status_code == 200, r.text
    # Medusa answers the preview taken before confirming: the edit as it was requested, with its actions
    preview = r.json()["order_preview"]
    assert preview["order_change"]["status"] == "requested" and preview["order_change"]["actions"]
    # afterwards the order has no active change: its preview has neither `order_change` nor items' `actions`
    preview = (await client.get(f"/admin/orders/{placed.order_id}/preview", headers=h)).json()["order"]
    assert "order_change" not in preview and all("actions" not in i for i in preview["items"])
    assert await _events(container, "order-edit.confirmed", placed.order_id) == 1
    after = (await client.get(f"/admin/orders/{placed.order_id}", headers=h)).json()["order"]
    qty = {i["id"]: i["quantity"] for i in after["items"]}
    assert qty[placed.item_ids[1]] == 2
    # 1 x 25 + 2 x 25 + 2 x 20 + shipping 10 + 6
    assert after["total"] == 25 + 50 + 40 + 10 + 6
    assert after["version"] == before["version"] + 1
    assert after["summary"]["pending_difference"] == after["total"]  # nothing captured yet


async def test_order_edit_cancel_validation_and_conflicts(client: httpx.AsyncClient,
                                                          container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    shop = await make_shop(container, prices=[20])
    r = await client.post(f"/admin/order-edits/{placed.order_id}/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 1}]})
    assert r.status_code == 400  # no edit begun
    assert (await client.post("/admin/order-edits", json={"order_id": placed.order_id})).status_code == 401
    r = await client.post("/admin/order-edits", headers=h, json={"order_id": "order_missing"})
    assert r.status_code == 404
    r = await client.post("/admin/order-edits", headers=h, json={"order_id": placed.order_id, "x": 1})
    assert r.status_code == 400
    assert (await client.post("/admin/order-edits", headers=h, json={"order_id": placed.order_id})).status_code == 200
    r = await client.post("/admin/order-edits", headers=h, json={"order_id": placed.order_id})
    assert r.status_code == 400 and "active order change" in r.json()["message"]
    r = await client.post(f"/admin/order-edits/{placed.order_id}/items/item/ordli_nope", headers=h,
                          json={"quantity": 1})
    assert r.status_code == 400
    r = await client.post(f"/admin/order-edits/{placed.order_id}/items/item/{placed.item_ids[0]}", headers=h,
                          json={"quantity": -1})
    assert r.status_code == 400
    r = await client.post(f"/admin/order-edits/{placed.order_id}/request", headers=h)
    assert r.status_code == 400  # nothing to request
    r = await client.post(f"/admin/order-edits/{placed.order_id}/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 1}]})
    action = r.json()["order_preview"]["order_change"]["actions"][0]["id"]
    r = await client.post(f"/admin/order-edits/{placed.order_id}/items/{action}", headers=h, json={"quantity": 3})
    assert r.status_code == 200
    assert r.json()["order_preview"]["order_change"]["actions"][0]["details"]["quantity"] == "3"
    r = await client.delete(f"/admin/order-edits/{placed.order_id}/items/{action}", headers=h)
    assert r.status_code == 200 and r.json()["order_preview"]["order_change"]["actions"] == []
    r = await client.delete(f"/admin/order-edits/{placed.order_id}", headers=h)
    assert r.json() == {"id": placed.order_id, "object": "order-edit", "deleted": True}
    assert await _events(container, "order-edit.canceled", placed.order_id) == 1
    r = await client.delete(f"/admin/order-edits/{placed.order_id}", headers=h)
    assert r.status_code == 400  # nothing left to cancel
    after = (await client.get(f"/admin/orders/{placed.order_id}", headers=h)).json()["order"]
    assert after["total"] == 110 and len(after["items"]) == 2


async def test_edit_cannot_go_below_fulfilled(client: httpx.AsyncClient, container: Container) -> None:
    from tests.api.admin.test_returns import fulfilled_order

    h = admin_headers(container)
    placed = await fulfilled_order(client, container, h)
    await client.post("/admin/order-edits", headers=h, json={"order_id": placed.order_id})
    r = await client.post(f"/admin/order-edits/{placed.order_id}/items/item/{placed.item_ids[1]}", headers=h,
                          json={"quantity": 2})
    assert r.status_code == 400 and "fulfilled quantity" in r.json()["message"]
    r = await client.post(f"/admin/order-edits/{placed.order_id}/items/item/{placed.item_ids[1]}", headers=h,
                          json={"quantity": 5})
    assert r.status_code == 200


async def _reservations(container: Container, item_id: str) -> list[int]:
    async with container.database().read() as conn:
        return [int(q) for q in (await conn.execute(text(
            "SELECT quantity FROM reservation_item WHERE line_item_id = :i AND deleted_at IS NULL"),
            {"i": item_id})).scalars()]


async def _edit_quantities(client: httpx.AsyncClient, h: dict[str, str], order_id: str,
                           quantities: dict[str, int]) -> httpx.Response:
    r = await client.post("/admin/order-edits", headers=h, json={"order_id": order_id})
    assert r.status_code == 200, r.text
    for item_id, qty in quantities.items():
        r = await client.post(f"/admin/order-edits/{order_id}/items/item/{item_id}", headers=h,
                              json={"quantity": qty})
        assert r.status_code == 200, r.text
    return await client.post(f"/admin/order-edits/{order_id}/confirm", headers=h)


async def test_confirming_an_edit_moves_the_reservations_with_the_quantities(client: httpx.AsyncClient,
                                                                           container: Container) -> None:
    """As Medusa's confirm-order-edit-request: an updated item's reservations are replaced by one for what is
    left to fulfil; a removed item (quantity 0) gives its stock back; short stock refuses and changes nothing."""
    from tests.api.admin.order_factory import levels

    h = admin_headers(container)
    placed = await place_order(container, stocked=10)
    assert await levels(container, placed) == [(10, 1), (10, 3)]
    r = await _edit_quantities(client, h, placed.order_id, {placed.item_ids[0]: 0, placed.item_ids[1]: 5})
    assert r.status_code == 200, r.text
    assert await levels(container, placed) == [(10, 0), (10, 5)]
    assert await _reservations(container, placed.item_ids[0]) == []
    assert await _reservations(container, placed.item_ids[1]) == [5]
    assert await _events(container, "order-edit.confirmed", placed.order_id) == 1

    r = await _edit_quantities(client, h, placed.order_id, {placed.item_ids[1]: 11})
    assert r.status_code == 400, r.text
    assert await levels(container, placed) == [(10, 0), (10, 5)]
    assert await _reservations(container, placed.item_ids[1]) == [5]
    assert (await client.delete(f"/admin/order-edits/{placed.order_id}", headers=h)).status_code == 200

    r = await _edit_quantities(client, h, placed.order_id, {placed.item_ids[1]: 2})
    assert r.status_code == 200, r.text
    assert await levels(container, placed) == [(10, 0), (10, 2)]
    assert await _reservations(container, placed.item_ids[1]) == [2]
    order = (await client.get(f"/admin/orders/{placed.order_id}", headers=h)).json()["order"]
    assert {i["id"]: i["quantity"] for i in order["items"]}[placed.item_ids[1]] == 2


async def test_an_edit_of_a_partly_fulfilled_item_reserves_only_what_is_left(client: httpx.AsyncClient,
                                                                           container: Container) -> None:
    from tests.api.admin.test_returns import fulfilled_order

    h = admin_headers(container)
    placed = await fulfilled_order(client, container, h)
    async with container.database().read() as conn:
        fulfilled = int((await conn.execute(text(
            "SELECT fulfilled_quantity FROM order_item WHERE item_id = :i AND deleted_at IS NULL"),
            {"i": placed.item_ids[1]})).scalar_one())
    r = await _edit_quantities(client, h, placed.order_id, {placed.item_ids[1]: fulfilled + 2})
    assert r.status_code == 200, r.text
    assert await _reservations(container, placed.item_ids[1]) == [2]
