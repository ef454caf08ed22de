"""Admin order routes: list filters and `fields`, read, update, validation, not-found, conflicts, cancel paths."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from euryale.container import Container
from euryale.modules.inventory.models import reservation_item
from euryale.modules.payment.models import payment
from tests.api.admin.order_factory import admin_headers, levels, local_files, place_order


async def test_list_orders_filters_and_fields(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    first = await place_order(container)
    second = await place_order(container)
    res = await client.get(f"/admin/orders?id[]={first.order_id}&id[]={second.order_id}&fields=id,total,*items",
                           headers=h)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["count"] == 2 and body["offset"] == 0 and body["limit"] == 15  # Medusa 2.21.2 default
    assert [o["id"] for o in body["orders"]] == [second.order_id, first.order_id]  # newest first
    assert set(body["orders"][0]) == {"id", "version", "total", "items"}
    assert body["orders"][0]["total"] == 110 and len(body["orders"][0]["items"]) == 2

    res = await client.get(f"/admin/orders?id={first.order_id}&status=canceled", headers=h)
    assert res.json()["count"] == 0
    res = await client.get(f"/admin/orders?id={first.order_id},{second.order_id}&limit=1&offset=1&order=created_at",
                           headers=h)
    assert res.json()["count"] == 2 and [o["id"] for o in res.json()["orders"]] == [second.order_id]


async def test_order_not_found_and_auth(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    res = await client.get("/admin/orders/order_missing", headers=h)
    assert res.status_code == 404
    assert res.json() == {"type": "not_found", "message": "Order with id: order_missing was not found"}
    assert (await client.get("/admin/orders")).status_code == 401
    res = await client.post("/admin/orders/order_missing/fulfillments", json={"items": []}, headers=h)
    assert res.status_code == 404


async def test_update_order_email_address_and_validation(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    res = await client.post(f"/admin/orders/{placed.order_id}", headers=h, params={"fields": "+email"},
                            json={"email": "new@example.com", "shipping_address": {"city": "Lyon"}})
    assert res.status_code == 200, res.text
    order = res.json()["order"]
    assert order["email"] == "new@example.com" and order["shipping_address"]["city"] == "Lyon"
    res = await client.post(f"/admin/orders/{placed.order_id}", headers=h, json={"colour": "red"})
    assert res.status_code == 400
    assert res.json()["type"] == "invalid_data" and "Unrecognized fields: 'colour'" in res.json()["message"]
    res = await client.get(f"/admin/orders/{placed.order_id}/changes", headers=h)
    assert [c["change_type"] for c in res.json()["order_changes"]] == ["update_order"]


async def test_fulfil_validation_and_cancel_fulfillment_restocks(client: httpx.AsyncClient,
                                                                 container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    oid = placed.order_id
    too_many = {"location_id": placed.location_id, "items": [{"id": placed.item_ids[1], "quantity": 4}]}
    res = await client.post(f"/admin/orders/{oid}/fulfillments", json=too_many, headers=h)
    assert res.status_code == 400
    assert res.json()["message"] == f"Cannot fulfill more items than what was ordered for item {placed.item_ids[1]}."
    res = await client.post(f"/admin/orders/{oid}/fulfillments", headers=h,
                            json={"location_id": placed.location_id, "items": [{"id": "ordli_nope", "quantity": 1}]})
    assert res.status_code == 400 and "ordli_nope does not exist in order" in res.json()["message"]
    res = await client.post(f"/admin/orders/{oid}/fulfillments", headers=h,
                            json={"location_id": placed.location_id, "items": [{"id": placed.item_ids[1],
                                                                                "quantity": 0}]})
    assert res.status_code == 400 and res.json()["type"] == "invalid_data"

    # partial fulfilment: 2 of 3, taken from the reservation
    res = await client.post(f"/admin/orders/{oid}/fulfillments", headers=h,
                            json={"location_id": placed.location_id,
                                  "items": [{"id": placed.item_ids[1], "quantity": 2}]})
    assert res.status_code == 200, res.text
    # Medusa 2.21.2's POST order answers carry no computed statuses or fulfillments unless asked for
    assert not {"fulfillment_status", "payment_status", "fulfillments"} & set(res.json()["order"])
    order = (await client.get(f"/admin/orders/{oid}", headers=h)).json()["order"]
    assert order["fulfillment_status"] == "partially_fulfilled"
    # the retrieve defaults' fulfillments: no items/labels, the delivery address as a reference
    [ful] = order["fulfillments"]
    assert "items" not in ful and "labels" not in ful and set(ful["delivery_address"]) == {"id"}
    assert await levels(container, placed) == [(10, 1), (8, 1)]
    ful_id = order["fulfillments"][0]["id"]

    # an order with an active fulfillment cannot be canceled
    res = await client.post(f"/admin/orders/{oid}/cancel", json={}, headers=h)
    assert res.status_code == 400
    assert res.json()["message"] == "All fulfillments must be canceled before canceling an order"

    # canceling the fulfillment puts the stock back and makes the items fulfillable again
    res = await client.post(f"/admin/orders/{oid}/fulfillments/{ful_id}/cancel", json={}, headers=h,
                            params={"fields": "+fulfillment_status"})
    assert res.status_code == 200, res.text
    order = res.json()["order"]
    assert order["fulfillment_status"] == "canceled"
    assert [i["detail"]["fulfilled_quantity"] for i in order["items"]] == [0, 0]
    assert await levels(container, placed) == [(10, 1), (10, 1)]
    res = await client.post(f"/admin/orders/{oid}/fulfillments/{ful_id}/cancel", json={}, headers=h)
    assert res.status_code == 400


async def test_shipped_fulfillment_cannot_be_canceled(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    oid = placed.order_id
    res = await client.post(f"/admin/orders/{oid}/fulfillments", headers=h, params={"fields": "+fulfillments"},
                            json={"location_id": placed.location_id,
                                  "items": [{"id": placed.item_ids[0], "quantity": 1}]})
    ful_id = res.json()["order"]["fulfillments"][0]["id"]
    res = await client.post(f"/admin/orders/{oid}/fulfillments/{ful_id}/shipments", json={"labels": []}, headers=h,
                            params={"fields": "+fulfillment_status"})
    assert res.status_code == 200, res.text
    assert res.json()["order"]["fulfillment_status"] == "partially_shipped"
    res = await client.post(f"/admin/orders/{oid}/fulfillments/{ful_id}/cancel", json={}, headers=h)
    assert res.status_code == 400
    assert "already been shipped" in res.json()["message"]
    res = await client.post(f"/admin/orders/{oid}/fulfillments/ful_other/shipments", json={}, headers=h)
    assert res.status_code == 404


async def test_cancel_order_releases_reservations_and_voids_payment(client: httpx.AsyncClient,
                                                                    container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    res = await client.post(f"/admin/orders/{placed.order_id}/cancel", json={}, headers=h,
                            params={"fields": "+canceled_at,+payment_status"})
    assert res.status_code == 200, res.text
    order = res.json()["order"]
    assert order["status"] == "canceled" and order["canceled_at"] is not None
    assert order["payment_status"] == "canceled"
    assert await levels(container, placed) == [(10, 0), (10, 0)]
    async with container.database().read() as conn:
        live = (await conn.execute(select(reservation_item.c.id).where(
            reservation_item.c.line_item_id.in_(placed.item_ids), reservation_item.c.deleted_at.is_(None)))).all()
        canceled_at = (await conn.execute(select(payment.c.canceled_at)
                                          .where(payment.c.id == placed.payment_id))).scalar()
    assert live == [] and canceled_at is not None
    res = await client.post(f"/admin/orders/{placed.order_id}/fulfillments", headers=h, json={
        "location_id": placed.location_id, "items": [{"id": placed.item_ids[0], "quantity": 1}]})
    assert res.status_code == 400
    assert res.json()["message"] == f"Order with id {placed.order_id} has been canceled."


async def test_cancel_captured_order_refunds(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    await client.post(f"/admin/payments/{placed.payment_id}/capture", json={"amount": 60}, headers=h)
    res = await client.post(f"/admin/orders/{placed.order_id}/cancel", json={}, headers=h,
                            params={"fields": "+payment_status"})
    assert res.status_code == 200, res.text
    order = res.json()["order"]
    assert order["summary"]["refunded_total"] == 60 and order["summary"]["transaction_total"] == 0
    assert order["payment_status"] == "refunded"
    # Medusa's cancel-order credits what it refunded (create-order-refund-credit-lines)
    assert order["summary"]["credit_line_total"] == 60
    got = (await client.get(f"/admin/orders/{placed.order_id}", headers=h,
                            params={"fields": "*credit_lines,+credit_line_total"})).json()["order"]
    assert [(c["amount"], c["reference"], c["reference_id"]) for c in got["credit_lines"]] == [
        (60, "payment_collection", placed.collection_id)]


async def test_complete_archive_line_items_preview(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    oid = placed.order_id
    res = await client.post(f"/admin/orders/{oid}/complete", json={}, headers=h)
    assert res.status_code == 200 and res.json()["order"]["status"] == "completed"
    res = await client.post(f"/admin/orders/{oid}/archive", json={}, headers=h)
    assert res.status_code == 200 and res.json()["order"]["status"] == "archived"
    res = await client.get(f"/admin/orders/{oid}/line-items", headers=h)
    assert res.status_code == 200
    rows = res.json()["order_items"]
    assert [r["item_id"] for r in rows] == placed.item_ids and rows[1]["quantity"] == 3
    assert rows[0]["item"]["id"] == placed.item_ids[0]
    res = await client.get(f"/admin/orders/{oid}/preview", headers=h)
    # no active change: Medusa's preview is the order itself, without `order_change` or items' `actions`
    assert res.status_code == 200 and "order_change" not in res.json()["order"]
    assert all("actions" not in i for i in res.json()["order"]["items"])


async def test_credit_line_lowers_total(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    res = await client.post(f"/admin/orders/{placed.order_id}/credit-lines", headers=h,
                            json={"amount": 15, "reference": "goodwill", "reference_id": "ticket-1"})
    assert res.status_code == 200, res.text
    order = res.json()["order"]
    assert (order["total"], order["credit_line_total"], order["summary"]["pending_difference"]) == (95, 15, 95)
    assert order["credit_lines"][0]["reference"] == "goodwill"
    res = await client.post(f"/admin/orders/{placed.order_id}/credit-lines", headers=h,
                            json={"amount": -1, "reference": "x", "reference_id": "y"})
    assert res.status_code == 400


async def test_export_orders_to_csv(client: httpx.AsyncClient, container: Container, tmp_path: Path) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    with local_files(container, tmp_path):
        res = await client.post(f"/admin/orders/export?id={placed.order_id}", headers=h)
    assert res.status_code == 202, res.text
    tx = res.json()["transaction_id"]
    res = await client.get(f"/admin/workflows-executions/export-orders/{tx}", headers=h)
    execution = res.json()["workflow_execution"]
    assert execution["state"] == "done"
    exported = next(iter(tmp_path.joinpath("uploads").iterdir())).read_text().splitlines()
    assert exported[0].startswith("Order ID,Display ID,Status")
    assert len(exported) == 2 and exported[1].startswith(placed.order_id) and ",110," in exported[1]
