"""Admin payments: capture/refund conflicts, reads, providers, refund reasons, order payment collections."""

from __future__ import annotations

import uuid

import httpx

from euryale.container import Container
from tests.api.admin.order_factory import admin_headers, place_order


async def test_capture_twice_and_refund_limits(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    pid = placed.payment_id
    res = await client.post(f"/admin/payments/{pid}/refund", json={"amount": 1}, headers=h)
    assert res.status_code == 400
    assert res.json() == {"type": "invalid_data",
                          "message": "You are not allowed to refund more than the captured amount"}
    res = await client.post(f"/admin/payments/{pid}/capture", json={"amount": 200}, headers=h)
    assert res.status_code == 400 and "cannot capture more" in res.json()["message"]
    res = await client.post(f"/admin/payments/{pid}/capture", json={"amount": 40}, headers=h)
    assert res.status_code == 200, res.text
    assert res.json()["payment"]["captured_at"] is None  # partially captured
    res = await client.post(f"/admin/payments/{pid}/capture", json={}, headers=h)
    assert res.status_code == 200
    assert [c["amount"] for c in res.json()["payment"]["captures"]] == [40, 70]
    res = await client.post(f"/admin/payments/{pid}/capture", json={}, headers=h)
    assert res.status_code == 400 and res.json()["message"] == f"The payment: {pid} has been captured."
    res = await client.post(f"/admin/payments/{pid}/refund", json={"amount": -3}, headers=h)
    assert res.status_code == 400 and res.json()["type"] == "invalid_data"
    res = await client.post(f"/admin/payments/{pid}/refund", json={"amount": 10, "extra": 1}, headers=h)
    assert res.status_code == 400 and "Unrecognized fields: 'extra'" in res.json()["message"]
    res = await client.post(f"/admin/payments/{pid}/refund", json={}, headers=h)  # everything refundable
    assert res.status_code == 200 and res.json()["payment"]["refunds"][0]["amount"] == 110
    res = await client.get(f"/admin/orders/{placed.order_id}?fields=+payment_status,summary", headers=h)
    assert res.json()["order"]["payment_status"] == "refunded"
    assert res.json()["order"]["summary"]["transaction_total"] == 0


async def test_payment_reads_and_providers(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    res = await client.get(f"/admin/payments/{placed.payment_id}", headers=h)
    assert res.status_code == 200
    assert res.json()["payment"]["provider_id"] == "pp_system_default"
    res = await client.get(f"/admin/payments?payment_collection_id={placed.collection_id}", headers=h)
    assert res.json()["count"] == 1 and res.json()["payments"][0]["id"] == placed.payment_id
    res = await client.get("/admin/payments/pay_missing", headers=h)
    assert res.status_code == 404 and res.json()["message"] == "Payment with id: pay_missing was not found"
    res = await client.get("/admin/payments/payment-providers", headers=h)
    assert res.status_code == 200
    assert "pp_system_default" in [p["id"] for p in res.json()["payment_providers"]]


async def test_refund_reasons_crud_and_refund_with_reason(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    tag = uuid.uuid4().hex[:6]
    label = f"Damaged {tag}"
    res = await client.post("/admin/refund-reasons", headers=h,
                            json={"label": label, "code": f"damaged_{tag}", "description": "arrived broken"})
    assert res.status_code == 200, res.text
    reason = res.json()["refund_reason"]
    assert reason["label"] == label and reason["id"].startswith("refr_") and reason["code"] == f"damaged_{tag}"
    # Medusa 2.21's default fields: no metadata unless asked for
    assert set(reason) == {"id", "label", "code", "description", "created_at", "updated_at", "deleted_at"}
    res = await client.post("/admin/refund-reasons", json={"description": "no label", "code": "x"}, headers=h)
    assert res.status_code == 400 and "Field 'label' is required" in res.json()["message"]
    res = await client.post("/admin/refund-reasons", json={"label": "no code"}, headers=h)
    assert res.status_code == 400 and "Field 'code' is required" in res.json()["message"]
    res = await client.post("/admin/refund-reasons", json={"label": "x", "code": "x", "metadata": {}}, headers=h)
    assert res.status_code == 400 and "Unrecognized fields: 'metadata'" in res.json()["message"]
    # codes are not unique in Medusa
    res = await client.post("/admin/refund-reasons", json={"label": "Twin", "code": f"damaged_{tag}"}, headers=h)
    assert res.status_code == 200 and res.json()["refund_reason"]["description"] is None
    twin = res.json()["refund_reason"]
    res = await client.post(f"/admin/refund-reasons/{reason['id']}", json={"label": label + "!"}, headers=h)
    assert res.json()["refund_reason"]["label"] == label + "!"
    assert res.json()["refund_reason"]["code"] == f"damaged_{tag}"
    res = await client.post(f"/admin/refund-reasons/{twin['id']}", json={"code": f"twin_{tag}"}, headers=h)
    assert res.status_code == 200 and res.json()["refund_reason"]["code"] == f"twin_{tag}"
    res = await client.post(f"/admin/refund-reasons/{twin['id']}", json={"code": None}, headers=h)
    assert res.status_code == 400
    res = await client.get(f"/admin/refund-reasons?q={label}", headers=h)
    assert [r["id"] for r in res.json()["refund_reasons"]] == [reason["id"]]
    res = await client.get(f"/admin/refund-reasons?q=twin_{tag}", headers=h)  # code is searchable
    assert [r["id"] for r in res.json()["refund_reasons"]] == [twin["id"]]
    assert res.json()["refund_reasons"][0]["code"] == f"twin_{tag}"
    res = await client.get(f"/admin/refund-reasons/{twin['id']}?fields=code", headers=h)
    assert res.json()["refund_reason"] == {"id": twin["id"], "code": f"twin_{tag}"}

    placed = await place_order(container)
    await client.post(f"/admin/payments/{placed.payment_id}/capture", json={}, headers=h)
    res = await client.post(f"/admin/payments/{placed.payment_id}/refund", headers=h,
                            json={"amount": 10, "refund_reason_id": reason["id"], "note": "broken"})
    assert res.status_code == 200, res.text
    refund = res.json()["payment"]["refunds"][0]
    assert refund["refund_reason_id"] == reason["id"] and refund["refund_reason"]["label"] == label + "!"
    # Medusa's payment answer selects the reason's label and code (and its id), nothing else
    assert refund["refund_reason"] == {"id": reason["id"], "label": label + "!", "code": f"damaged_{tag}"}
    # the refund's credit line names the reason by its label and code
    res = await client.get(f"/admin/orders/{placed.order_id}?fields=*credit_lines", headers=h)
    assert [(c["reference"], c["reference_id"]) for c in res.json()["order"]["credit_lines"]] == [
        (label + "!", f"damaged_{tag}")]
    res = await client.post(f"/admin/payments/{placed.payment_id}/refund", headers=h,
                            json={"amount": 1, "refund_reason_id": "refr_missing"})
    assert res.status_code == 404

    res = await client.delete(f"/admin/refund-reasons/{reason['id']}", headers=h)
    assert res.json() == {"id": reason["id"], "object": "refund_reason", "deleted": True}
    assert (await client.get(f"/admin/refund-reasons/{reason['id']}", headers=h)).status_code == 404


async def test_order_payment_collection_mark_paid_and_delete(client: httpx.AsyncClient,
                                                             container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    await client.post(f"/admin/payments/{placed.payment_id}/capture", json={"amount": 100}, headers=h)
    res = await client.post("/admin/payment-collections", json={"order_id": placed.order_id}, headers=h)
    assert res.status_code == 200, res.text
    pc = res.json()["payment_collection"]
    assert pc["amount"] == 10 and pc["status"] == "not_paid"
    res = await client.post(f"/admin/payment-collections/{pc['id']}/mark-as-paid",
                            json={"order_id": placed.order_id}, headers=h)
    assert res.status_code == 200, res.text
    assert res.json()["payment_collection"]["captured_amount"] == 10
    res = await client.get(f"/admin/orders/{placed.order_id}?fields=summary,+payment_status", headers=h)
    assert res.json()["order"]["summary"]["pending_difference"] == 0
    res = await client.delete(f"/admin/payment-collections/{pc['id']}", headers=h)
    assert res.status_code == 400  # money was captured on it

    res = await client.post("/admin/payment-collections", json={"order_id": placed.order_id, "amount": 5},
                            headers=h)
    spare = res.json()["payment_collection"]["id"]
    res = await client.post(f"/admin/payment-collections/{spare}/payment-sessions",
                            json={"provider_id": "pp_system_default"}, headers=h)
    assert res.status_code == 200, res.text
    sessions = res.json()["payment_collection"]["payment_sessions"]
    assert [(s["provider_id"], s["amount"], s["status"]) for s in sessions] == [("pp_system_default", 5, "pending")]
    res = await client.post(f"/admin/payment-collections/{spare}/payment-sessions",
                            json={"provider_id": "pp_nope"}, headers=h)
    assert res.status_code == 404
    res = await client.delete(f"/admin/payment-collections/{spare}", headers=h)
    assert res.json() == {"id": spare, "object": "payment-collection", "deleted": True}
    res = await client.post("/admin/payment-collections", json={"order_id": placed.order_id}, headers=h)
    assert res.status_code == 400  # nothing outstanding any more
