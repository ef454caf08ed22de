"""An order's admin life, step by step against Medusa 2.21.2's recorded samples: capture → fulfil → ship →
deliver → partial refund → return requested and received → refund of the difference. Stock, payment and order
status are checked after each step, and each response's keys are compared with the sample's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from euryale.container import Container
from euryale.events.outbox import event_outbox
from tests.api.admin.order_factory import admin_headers, levels, place_order, same_keys

SAMPLES = Path("/work/shared/medusa-contract/samples/admin")
ORDER_QUERY = ("fields=id,display_id,status,currency_code,email,+payment_status,+fulfillment_status,total,subtotal,"
               "item_total,shipping_total,tax_total,discount_total,summary,*items,*items.detail,*shipping_methods,"
               "*fulfillments,*fulfillments.items,*fulfillments.labels,*payment_collections,"
               "*payment_collections.payments,*payment_collections.payments.captures,"
               "*payment_collections.payments.refunds")


def sample(prefix: str) -> dict[str, Any]:
    path = next(SAMPLES.glob(f"{prefix}-*.json"))
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def assert_shape(ours: dict[str, Any], prefix: str) -> None:
    missing = same_keys(ours, sample(prefix)["response"])
    assert missing == [], f"keys of sample {prefix} missing from our response: {missing}"


async def get_order(client: httpx.AsyncClient, headers: dict[str, str], order_id: str) -> dict[str, Any]:
    res = await client.get(f"/admin/orders/{order_id}?{ORDER_QUERY}", headers=headers)
    assert res.status_code == 200, res.text
    order: dict[str, Any] = res.json()["order"]
    return order


async def event_names(container: Container, key: str, value: str) -> list[str]:
    async with container.database().read() as conn:
        rows = await conn.execute(select(event_outbox.c.name).where(event_outbox.c.data[key].astext == value)
                                  .order_by(event_outbox.c.seq))
        return [r[0] for r in rows]


async def test_order_lifecycle_matches_medusa(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    oid = placed.order_id

    # placed: authorized, nothing fulfilled, stock reserved
    order = await get_order(client, h, oid)
    assert_shape({"order": order}, "021")
    assert (order["status"], order["payment_status"], order["fulfillment_status"]) == (
        "pending", "authorized", "not_fulfilled")
    assert (order["total"], order["item_total"], order["shipping_total"]) == (110, 100, 10)
    assert order["summary"]["pending_difference"] == 110
    assert await levels(container, placed) == [(10, 1), (10, 3)]

    # capture the whole payment
    res = await client.post(f"/admin/payments/{placed.payment_id}/capture", json={}, headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "026")
    assert res.json()["payment"]["captures"][0]["amount"] == 110
    order = await get_order(client, h, oid)
    assert_shape({"order": order}, "027")
    assert order["payment_status"] == "captured"
    assert order["summary"]["paid_total"] == 110 and order["summary"]["pending_difference"] == 0
    assert order["summary"]["raw_paid_total"] == {"value": "110", "precision": 20}  # never "1.1E+2"
    assert order["items"][1]["raw_total"] == {"value": "75", "precision": 20}

    # fulfil everything from the warehouse: reservations consumed, stock shipped out
    body = {"location_id": placed.location_id,
            "items": [{"id": placed.item_ids[0], "quantity": 1}, {"id": placed.item_ids[1], "quantity": 3}]}
    res = await client.post(f"/admin/orders/{oid}/fulfillments", json=body, headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "028")
    order = await get_order(client, h, oid)
    assert_shape({"order": order}, "029")
    assert order["fulfillment_status"] == "fulfilled" and order["version"] == 2
    assert [i["detail"]["fulfilled_quantity"] for i in order["items"]] == [1, 3]
    assert await levels(container, placed) == [(9, 0), (7, 0)]
    fulfillment_id = order["fulfillments"][0]["id"]

    # ship with a tracking label
    label = {"tracking_number": "TRACK-1", "tracking_url": "https://t.example/1", "label_url": "https://l.example/1"}
    res = await client.post(f"/admin/orders/{oid}/fulfillments/{fulfillment_id}/shipments",
                            json={"items": body["items"], "labels": [label]}, headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "033")
    order = await get_order(client, h, oid)
    assert_shape({"order": order}, "034")
    assert order["fulfillment_status"] == "shipped"
    assert order["fulfillments"][0]["labels"][0]["tracking_number"] == "TRACK-1"
    assert order["fulfillments"][0]["shipped_at"] is not None

    # delivered
    res = await client.post(f"/admin/orders/{oid}/fulfillments/{fulfillment_id}/mark-as-delivered", json={},
                            headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "035")
    order = await get_order(client, h, oid)
    assert_shape({"order": order}, "036")
    assert order["fulfillment_status"] == "delivered"
    assert [i["detail"]["delivered_quantity"] for i in order["items"]] == [1, 3]

    # partial refund, then an over-refund refused with Medusa's message
    res = await client.post(f"/admin/payments/{placed.payment_id}/refund",
                            json={"amount": 5, "note": "partial refund"}, headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "037")
    assert [r["amount"] for r in res.json()["payment"]["refunds"]] == [5]
    order = await get_order(client, h, oid)
    assert_shape({"order": order}, "038")
    assert order["payment_status"] == "partially_refunded"
    assert order["summary"]["refunded_total"] == 5
    # refunded beyond what was owed: a credit line lowers the total and the order stays settled (as Medusa)
    assert (order["total"], order["summary"]["credit_line_total"], order["summary"]["pending_difference"]) == (
        105, 5, 0)
    res = await client.get(f"/admin/orders/{oid}?fields=credit_line_total,*credit_lines", headers=h)
    assert res.json()["order"]["credit_line_total"] == 5 and res.json()["order"]["credit_lines"][0]["amount"] == 5
    # no refund reason: Medusa's refund-payment references the payment collection
    assert [(c["reference"], c["reference_id"]) for c in res.json()["order"]["credit_lines"]] == [
        ("payment_collection", placed.collection_id)]
    res = await client.post(f"/admin/payments/{placed.payment_id}/refund", json={"amount": 110}, headers=h)
    assert res.status_code == 400
    assert res.json() == sample("039")["response"]

    # return one unit of the first item to the warehouse
    res = await client.post("/admin/returns", json={"order_id": oid, "location_id": placed.location_id,
                                                    "description": "return"}, headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "040")
    return_id = res.json()["return"]["id"]
    assert res.json()["return"]["status"] == "open"
    res = await client.post(f"/admin/returns/{return_id}/request-items",
                            json={"items": [{"id": placed.item_ids[0], "quantity": 1}]}, headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "041")
    res = await client.post(f"/admin/returns/{return_id}/request", json={}, headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "042")
    assert res.json()["return"]["status"] == "requested"
    res = await client.get(f"/admin/returns/{return_id}?fields=id,status,order_id,*items", headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "043")
    assert res.json()["return"]["items"][0]["quantity"] == 1
    res = await client.post(f"/admin/returns/{return_id}/receive", json={}, headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "044")
    res = await client.post(f"/admin/returns/{return_id}/receive-items",
                            json={"items": [{"id": placed.item_ids[0], "quantity": 1}]}, headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "045")
    assert await levels(container, placed) == [(9, 0), (7, 0)]  # nothing moves before confirmation
    res = await client.post(f"/admin/returns/{return_id}/receive/confirm", json={}, headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "046")
    res = await client.get(f"/admin/returns/{return_id}?fields=id,status,received_at,*items", headers=h)
    assert_shape(res.json(), "047")
    assert res.json()["return"]["status"] == "received"
    assert res.json()["return"]["items"][0]["received_quantity"] == 1
    assert await levels(container, placed) == [(10, 0), (7, 0)]  # restocked at the return location
    order = await get_order(client, h, oid)
    assert_shape({"order": order}, "050")
    assert order["items"][0]["detail"]["return_received_quantity"] == 1
    assert order["summary"]["current_order_total"] == 80
    assert order["summary"]["pending_difference"] == -25  # owed back to the customer

    # refund the difference: the order is settled
    res = await client.post(f"/admin/payments/{placed.payment_id}/refund", json={"amount": 25, "note": "return"},
                            headers=h)
    assert res.status_code == 200, res.text
    assert_shape(res.json(), "051")
    order = await get_order(client, h, oid)
    assert_shape({"order": order}, "052")
    assert order["summary"]["pending_difference"] == 0 and order["summary"]["refunded_total"] == 30
    assert order["summary"]["credit_line_total"] == 5  # the refund of what was owed adds no credit line

    # every step announced itself through the outbox
    by_order = await event_names(container, "order_id", oid)
    assert by_order == ["order.fulfillment_created", "order.return_requested", "order.return_received"]
    workflow_events = {"shipment.created", "delivery.created", "payment.captured", "payment.refunded"}
    names = [n for n in await event_names(container, "id", fulfillment_id) if n in workflow_events]
    assert names == ["shipment.created", "delivery.created"]
    assert [n for n in await event_names(container, "id", placed.payment_id) if n in workflow_events] == [
        "payment.captured", "payment.refunded", "payment.refunded"]

    # each step ran as a recorded workflow execution
    res = await client.get("/admin/workflows-executions?workflow_id=create-order-fulfillment&limit=100", headers=h)
    runs = [w for w in res.json()["workflow_executions"] if w["state"] == "done"]
    assert runs, res.text
    detail = (await client.get(f"/admin/workflows-executions/{runs[0]['id']}", headers=h)).json()
    assert "create-order-fulfillment-step" in detail["workflow_execution"]["execution"]["steps"]
