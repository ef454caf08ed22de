"""Admin draft orders: create (variant + custom items, shipping), read/list, update, edit tree, convert, delete."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, insert, select, update

from euryale.container import Container
from euryale.events.outbox import event_outbox
from euryale.ids import generate_id
from euryale.modules.inventory import service as inventory
from euryale.modules.inventory.models import inventory_level, reservation_item
from euryale.modules.promotion.models import promotion
from tests.api.admin.order_factory import admin_headers
from tests.support.commerce import Shop, make_shop


async def _create(client: httpx.AsyncClient, shop: Shop, h: dict[str, str]) -> dict[str, Any]:
    # the answer's default keys are Medusa 2.21.2's few: ask for what the tests read, as a client would
    r = await client.post("/admin/draft-orders", headers=h, params={
        "fields": "+is_draft_order,+currency_code,+customer_id,*shipping_address,+shipping_methods"}, json={
        "region_id": shop.region_id, "email": f"draft-{shop.tag}@example.com",
        "sales_channel_id": shop.sales_channel_id,
        "shipping_address": {"first_name": "Ada", "city": "Paris", "country_code": "fr"},
        "items": [{"variant_id": shop.variants[0].id, "quantity": 2},
                  {"title": "Gift wrap", "unit_price": 3, "quantity": 1}],
        "shipping_methods": [{"shipping_option_id": shop.shipping_option_id, "amount": 5, "name": "Courier"}]})
    assert r.status_code == 200, r.text
    return dict(r.json()["draft_order"])


async def _promotion(container: Container) -> str:
    code = f"DRAFT{uuid.uuid4().hex[:6].upper()}"
    async with container.database().transaction() as conn:
        await conn.execute(insert(promotion).values(id=generate_id("promo"), code=code, type="standard",
                                                    status="active", is_automatic=False))
    return code


async def test_draft_order_lifecycle(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    shop = await make_shop(container, prices=[20])
    draft = await _create(client, shop, h)
    assert draft["status"] == "draft" and draft["is_draft_order"] is True
    assert draft["currency_code"] == "eur" and draft["customer_id"]
    assert sorted((i["variant_id"] or "", i["quantity"]) for i in draft["items"]) == [
        ("", 1), (shop.variants[0].id, 2)]
    assert draft["total"] == 2 * 20 + 3 + 5
    assert draft["shipping_address"]["city"] == "Paris"
    did = draft["id"]
    listed = (await client.get(f"/admin/draft-orders?id={did}", headers=h)).json()
    assert listed["count"] == 1 and listed["draft_orders"][0]["id"] == did
    # Medusa 2.21.2's list and retrieve default keys
    assert set(listed["draft_orders"][0]) == {
        "id", "display_id", "custom_display_id", "status", "version", "email", "region_id", "metadata",
        "created_at", "updated_at", "payment_status", "fulfillment_status", "summary", "total", "items"}
    got = (await client.get(f"/admin/draft-orders/{did}", headers=h)).json()["draft_order"]
    assert set(got) == set(listed["draft_orders"][0]) | {"shipping_methods", "fulfillments", "payment_collections"}
    assert all("variant" in i for i in got["items"]) and all("variant" not in i for i in
                                                             listed["draft_orders"][0]["items"])
    r = await client.post(f"/admin/draft-orders/{did}", headers=h, json={"email": f"new-{shop.tag}@example.com",
                                                                      "metadata": {"source": "phone"}})
    assert r.status_code == 200 and r.json()["draft_order"]["email"] == f"new-{shop.tag}@example.com"
    # edit: one more unit, an extra shipping method swapped for a cheaper existing one, a promotion code
    r = await client.post(f"/admin/draft-orders/{did}/edit", headers=h)
    assert r.status_code == 200 and r.json()["draft_order_preview"]["order_change"]["change_type"] == "edit"
    item = [i for i in draft["items"] if i["variant_id"] == shop.variants[0].id][0]
    r = await client.post(f"/admin/draft-orders/{did}/edit/items/item/{item['id']}", headers=h, json={"quantity": 3})
    assert r.status_code == 200, r.text
    method = draft["shipping_methods"][0]["id"]
    r = await client.post(f"/admin/draft-orders/{did}/edit/shipping-methods/method/{method}", headers=h,
                          json={"custom_amount": 2})
    assert r.status_code == 200, r.text
    code = await _promotion(container)
    r = await client.post(f"/admin/draft-orders/{did}/edit/promotions", headers=h, json={"promo_codes": [code]})
    assert r.status_code == 200, r.text
    r = await client.post(f"/admin/draft-orders/{did}/edit/promotions", headers=h, json={"promo_codes": ["NOPE"]})
    assert r.status_code == 400
    r = await client.post(f"/admin/draft-orders/{did}/edit/confirm", headers=h)
    assert r.status_code == 200, r.text
    after = (await client.get(f"/admin/draft-orders/{did}", headers=h)).json()["draft_order"]
    assert after["total"] == 3 * 20 + 3 + 2
    # converting while an edit is open is refused; then it becomes a pending order
    await client.post(f"/admin/draft-orders/{did}/edit", headers=h)
    r = await client.post(f"/admin/draft-orders/{did}/convert-to-order", headers=h)
    assert r.status_code == 400
    r = await client.delete(f"/admin/draft-orders/{did}/edit", headers=h)
    assert r.json() == {"id": did, "object": "draft-order", "deleted": True}
    r = await client.post(f"/admin/draft-orders/{did}/convert-to-order", headers=h)
    assert r.status_code == 200, r.text
    order = r.json()["order"]
    assert order["status"] == "pending" and order["is_draft_order"] is False
    assert (await client.get(f"/admin/draft-orders/{did}", headers=h)).status_code == 404


async def test_draft_order_edit_actions_and_shipping(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    shop = await make_shop(container, prices=[10])
    did = (await _create(client, shop, h))["id"]
    await client.post(f"/admin/draft-orders/{did}/edit", headers=h)
    r = await client.post(f"/admin/draft-orders/{did}/edit/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 1}]})
    action = r.json()["draft_order_preview"]["order_change"]["actions"][0]["id"]
    r = await client.post(f"/admin/draft-orders/{did}/edit/items/{action}", headers=h, json={"quantity": 4})
    assert r.status_code == 200
    r = await client.delete(f"/admin/draft-orders/{did}/edit/items/{action}", headers=h)
    assert r.json()["draft_order_preview"]["order_change"]["actions"] == []
    r = await client.post(f"/admin/draft-orders/{did}/edit/shipping-methods", headers=h,
                          json={"shipping_option_id": shop.shipping_option_id, "custom_amount": 8})
    ship = r.json()["draft_order_preview"]["order_change"]["actions"][0]["id"]
    r = await client.post(f"/admin/draft-orders/{did}/edit/shipping-methods/{ship}", headers=h,
                          json={"custom_amount": 9})
    assert r.status_code == 200
    old = (await client.get(f"/admin/draft-orders/{did}", headers=h)).json()["draft_order"]["shipping_methods"][0]
    r = await client.delete(f"/admin/draft-orders/{did}/edit/shipping-methods/method/{old['id']}", headers=h)
    assert r.status_code == 200
    r = await client.post(f"/admin/draft-orders/{did}/edit/request", headers=h)
    assert r.status_code == 200 and r.json()["draft_order_preview"]["order_change"]["status"] == "requested"
    r = await client.post(f"/admin/draft-orders/{did}/edit/confirm", headers=h)
    assert r.status_code == 200, r.text
    draft = (await client.get(f"/admin/draft-orders/{did}", headers=h)).json()["draft_order"]
    assert [m["amount"] for m in draft["shipping_methods"]] == [9]
    assert draft["total"] == 2 * 10 + 3 + 9
    r = await client.delete(f"/admin/draft-orders/{did}", headers=h)
    assert r.json() == {"id": did, "object": "draft-order", "deleted": True}
    assert (await client.get(f"/admin/draft-orders/{did}", headers=h)).status_code == 404


async def test_draft_order_validation(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    shop = await make_shop(container, prices=[10])
    assert (await client.get("/admin/draft-orders")).status_code == 401
    r = await client.post("/admin/draft-orders", headers=h, json={"region_id": shop.region_id})
    assert r.status_code == 400 and r.json()["message"] == "Either email or customer_id must be provided"
    r = await client.post("/admin/draft-orders", headers=h, json={"email": "a@b.c"})
    assert r.status_code == 400  # region_id is required
    r = await client.post("/admin/draft-orders", headers=h, json={"region_id": "reg_nope", "email": "a@b.c"})
    assert r.status_code == 404
    r = await client.post("/admin/draft-orders", headers=h, json={"region_id": shop.region_id, "email": "a@b.c",
                                                                  "items": [{"quantity": 1}]})
    assert r.status_code == 400
    r = await client.post("/admin/draft-orders", headers=h, json={"region_id": shop.region_id, "email": "a@b.c",
                                                                  "customer_id": "cus_nope"})
    assert r.status_code == 404
    r = await client.post("/admin/draft-orders", headers=h, json={"region_id": shop.region_id, "email": "a@b.c",
                                                                  "promo_codes": ["NOPE-NOPE"]})
    assert r.status_code == 400
    assert (await client.get("/admin/draft-orders/order_nope", headers=h)).status_code == 404
    r = await client.post(f"/admin/draft-orders/{(await _create(client, shop, h))['id']}/edit/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 1}]})
    assert r.status_code == 400  # no edit begun


async def _percent_promotion(client: httpx.AsyncClient, h: dict[str, str], percent: int) -> str:
    code = f"DRAFTPCT{uuid.uuid4().hex[:6].upper()}"
    r = await client.post("/admin/promotions", headers=h, json={
        "code": code, "type": "standard", "status": "active", "is_automatic": False,
        "application_method": {"type": "percentage", "target_type": "items", "allocation": "across",
                               "value": percent, "target_rules": []}})
    assert r.status_code == 200, r.text
    return code


async def test_draft_order_promotions_are_computed_into_adjustments_and_totals(client: httpx.AsyncClient,
                                                                              container: Container) -> None:
    """As a cart's (Medusa's refresh/compute-draft-order-adjustments): on create with `promo_codes`, and when an
    edit that removes or adds codes (or changes quantities) is confirmed."""
    h = admin_headers(container)
    shop = await make_shop(container, prices=[20])
    code = await _percent_promotion(client, h, 10)
    r = await client.post("/admin/draft-orders", headers=h, params={
        "fields": "*items,*items.adjustments,+discount_total,+item_total,+shipping_methods"}, json={
        "region_id": shop.region_id, "email": f"draft-{shop.tag}@example.com",
        "sales_channel_id": shop.sales_channel_id, "promo_codes": [code],
        "items": [{"variant_id": shop.variants[0].id, "quantity": 2},
                  {"title": "Gift wrap", "unit_price": 3, "quantity": 1}],
        "shipping_methods": [{"shipping_option_id": shop.shipping_option_id, "amount": 5}]})
    assert r.status_code == 200, r.text
    draft = r.json()["draft_order"]
    did = draft["id"]
    adjustments = {i["unit_price"]: [(a["code"], a["amount"]) for a in i["adjustments"]] for i in draft["items"]}
    assert adjustments == {20: [(code, 4)], 3: [(code, 0.3)]}
    assert draft["discount_total"] == 4.3 and draft["total"] == 43 - 4.3 + 5

    # an edit removing the code: no adjustment once confirmed
    assert (await client.post(f"/admin/draft-orders/{did}/edit", headers=h)).status_code == 200
    r = await client.request("DELETE", f"/admin/draft-orders/{did}/edit/promotions", headers=h,
                             json={"promo_codes": [code]})
    assert r.status_code == 200, r.text
    assert (await client.post(f"/admin/draft-orders/{did}/edit/confirm", headers=h)).status_code == 200
    got = (await client.get(f"/admin/draft-orders/{did}", headers=h,
                            params={"fields": "+discount_total,*items.adjustments,*promotions"})).json()["draft_order"]
    assert got["discount_total"] == 0 and got["total"] == 43 + 5
    assert all(i["adjustments"] == [] for i in got["items"])

    # an edit adding it back with one more unit: 10 % of 3 × 20 + 3
    assert (await client.post(f"/admin/draft-orders/{did}/edit", headers=h)).status_code == 200
    item = [i for i in draft["items"] if i["unit_price"] == 20][0]
    r = await client.post(f"/admin/draft-orders/{did}/edit/items/item/{item['id']}", headers=h, json={"quantity": 3})
    assert r.status_code == 200, r.text
    r = await client.post(f"/admin/draft-orders/{did}/edit/promotions", headers=h, json={"promo_codes": [code]})
    assert r.status_code == 200, r.text
    # the preview shows what confirming would write
    preview = {i["unit_price"]: i for i in r.json()["draft_order_preview"]["items"]}
    assert [(a["code"], a["amount"]) for a in preview[20]["adjustments"]] == [(code, 6)]
    # Medusa 2.21.2's keys of a previewed adjustment (the reference server's ITEM_ADJUSTMENTS_REPLACE)
    assert set(preview[20]["adjustments"][0]) == {"code", "amount", "item_id", "promotion_id", "is_tax_inclusive",
                                                  "subtotal", "total", "raw_subtotal", "raw_total"}
    assert preview[20]["discount_total"] == 6 and preview[20]["total"] == 54
    assert (await client.post(f"/admin/draft-orders/{did}/edit/confirm", headers=h)).status_code == 200
    got = (await client.get(f"/admin/draft-orders/{did}", headers=h,
                            params={"fields": "+discount_total,*items.adjustments"})).json()["draft_order"]
    assert got["discount_total"] == 6.3 and got["total"] == 63 - 6.3 + 5
    # and the order it becomes keeps them
    order = (await client.post(f"/admin/draft-orders/{did}/convert-to-order", headers=h)).json()["order"]
    assert order["discount_total"] == 6.3


async def _stock(container: Container, shop: Shop) -> tuple[int, list[tuple[str, int]]]:
    """The variant's reserved quantity at the shop's location, and its live reservations (line item, quantity)."""
    inv = shop.variants[0].inventory_item_id
    async with container.database().read() as conn:
        reserved = (await conn.execute(select(inventory_level.c.reserved_quantity).where(
            inventory_level.c.inventory_item_id == inv, inventory_level.c.location_id == shop.location_id))
                    ).scalar_one()
        rows = (await conn.execute(select(reservation_item.c.line_item_id, reservation_item.c.quantity).where(
            reservation_item.c.inventory_item_id == inv, reservation_item.c.deleted_at.is_(None)))).all()
    return int(reserved), sorted((str(r[0]), int(r[1])) for r in rows)


async def test_draft_stock_is_reserved_at_conversion_not_at_edit(client: httpx.AsyncClient,
                                                                 container: Container) -> None:
    h = admin_headers(container)
    shop = await make_shop(container, prices=[10], stock=5)
    draft = await _create(client, shop, h)  # 2 units of the variant
    did = draft["id"]
    item = [i for i in draft["items"] if i["variant_id"] == shop.variants[0].id][0]
    assert await _stock(container, shop) == (0, [])
    # an edit (one more unit, and a new line of 1) confirmed: still nothing held
    await client.post(f"/admin/draft-orders/{did}/edit", headers=h)
    r = await client.post(f"/admin/draft-orders/{did}/edit/items/item/{item['id']}", headers=h, json={"quantity": 3})
    assert r.status_code == 200, r.text
    r = await client.post(f"/admin/draft-orders/{did}/edit/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 1}]})
    assert r.status_code == 200, r.text
    r = await client.post(f"/admin/draft-orders/{did}/edit/confirm", headers=h)
    assert r.status_code == 200, r.text
    assert await _stock(container, shop) == (0, [])
    # another draft takes 2 of the 5 units at its conversion
    other = await _create(client, shop, h)
    r = await client.post(f"/admin/draft-orders/{other['id']}/convert-to-order", headers=h)
    assert r.status_code == 200, r.text
    other_item = [i for i in other["items"] if i["variant_id"] == shop.variants[0].id][0]["id"]
    assert await _stock(container, shop) == (2, [(other_item, 2)])
    # 4 units wanted, 3 left: the conversion is refused and the draft stays a draft holding nothing
    r = await client.post(f"/admin/draft-orders/{did}/convert-to-order", headers=h)
    assert r.status_code == 400
    assert r.json()["type"] == "not_allowed" and r.json()["message"].startswith("Not enough stock available for item")
    assert await _stock(container, shop) == (2, [(other_item, 2)])
    got = (await client.get(f"/admin/draft-orders/{did}", headers=h)).json()["draft_order"]
    assert got["status"] == "draft"
    # with stock back, the conversion reserves every unit of each line
    async with container.database().transaction() as conn:
        await conn.execute(update(inventory_level).where(
            inventory_level.c.inventory_item_id == shop.variants[0].inventory_item_id,
            inventory_level.c.location_id == shop.location_id).values(stocked_quantity=10))
    r = await client.post(f"/admin/draft-orders/{did}/convert-to-order", headers=h)
    assert r.status_code == 200, r.text
    new_item = [i["id"] for i in got["items"] if i["variant_id"] == shop.variants[0].id and i["id"] != item["id"]][0]
    assert await _stock(container, shop) == (6, sorted([(other_item, 2), (item["id"], 3), (new_item, 1)]))
    async with container.database().read() as conn:  # placed once, like a completed cart
        placed = (await conn.execute(select(func.count()).select_from(event_outbox).where(
            event_outbox.c.name == "order.placed", event_outbox.c.data["id"].astext == did))).scalar_one()
    assert placed == 1


async def test_deleting_a_draft_gives_back_stock_it_holds(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    shop = await make_shop(container, prices=[10], stock=5)
    draft = await _create(client, shop, h)
    item = [i for i in draft["items"] if i["variant_id"] == shop.variants[0].id][0]["id"]
    # a draft edited before reservations moved to conversion holds stock
    async with container.database().transaction() as conn:
        await inventory.reserve_items(conn, items=[{"inventory_item_id": shop.variants[0].inventory_item_id,
                                                    "location_id": None, "quantity": 2, "line_item_id": item}])
    assert await _stock(container, shop) == (2, [(item, 2)])
    r = await client.delete(f"/admin/draft-orders/{draft['id']}", headers=h)
    assert r.status_code == 200, r.text
    assert await _stock(container, shop) == (0, [])


async def test_new_draft_items_need_stock(client: httpx.AsyncClient, container: Container) -> None:
    """As Medusa's add-line-items: a draft's new variant items are checked against the stock (not reserved)."""
    h = admin_headers(container)
    shop = await make_shop(container, prices=[10], stock=5)
    body = {"region_id": shop.region_id, "email": f"short-{shop.tag}@example.com",
            "sales_channel_id": shop.sales_channel_id, "items": [{"variant_id": shop.variants[0].id, "quantity": 6}]}
    r = await client.post("/admin/draft-orders", headers=h, json=body)
    assert r.status_code == 400
    assert r.json() == {"type": "not_allowed", "code": "insufficient_inventory",
                        "message": "Some variant does not have the required inventory"}
    body["items"] = [{"variant_id": shop.variants[0].id, "quantity": 5}]
    r = await client.post("/admin/draft-orders", headers=h, json=body)
    assert r.status_code == 200, r.text
    did = r.json()["draft_order"]["id"]
    await client.post(f"/admin/draft-orders/{did}/edit", headers=h)
    r = await client.post(f"/admin/draft-orders/{did}/edit/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 6}]})
    assert r.status_code == 400 and r.json()["code"] == "insufficient_inventory"
    r = await client.post(f"/admin/draft-orders/{did}/edit/items", headers=h,
                          json={"items": [{"variant_id": shop.variants[0].id, "quantity": 5}]})
    assert r.status_code == 200, r.text
