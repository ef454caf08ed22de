"""Medusa 2.12-2.18 admin order actions: transfer to a guest, authorise a pending_authorization payment session,
update an order change (carry_over_promotions)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
from sqlalchemy import insert, select

from euryale.container import Container
from euryale.ids import generate_id
from euryale.modules.customer.models import customer
from euryale.modules.order.models import order_change
from euryale.modules.payment.models import payment, payment_session
from tests.api.admin.order_factory import admin_headers, place_order


def _email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


async def test_transfer_to_guest(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    url = f"/admin/orders/{placed.order_id}/transfer/guest"
    guest_email, member_email = _email("guest"), _email("member")
    async with container.database().transaction() as conn:
        await conn.execute(insert(customer), [{"id": generate_id("cus"), "email": member_email, "has_account": True}])

    res = await client.post(url, json={"email": member_email}, headers=h)
    assert res.status_code == 400
    assert res.json()["message"] == (f"Cannot transfer order: {placed.order_id} to registered customer account: "
                                     f"{member_email}. Only guest customers are allowed.")
    res = await client.post(url, json={"email": guest_email, "description": "wrong account", "internal_note": "n"},
                            headers=h)
    assert res.status_code == 200, res.text
    order = res.json()["order"]
    assert order["id"] == placed.order_id and order["email"] == guest_email
    async with container.database().read() as conn:
        guest = (await conn.execute(select(customer).where(customer.c.email == guest_email))).mappings().one()
    assert guest["has_account"] is False
    changes = (await client.get(f"/admin/orders/{placed.order_id}/changes", headers=h)).json()["order_changes"]
    [change] = [c for c in changes if c["change_type"] == "transfer"]
    assert (change["status"], change["description"], change["internal_note"]) == ("confirmed", "wrong account", "n")
    [action] = change["actions"]
    assert (action["action"], action["reference_id"], action["details"]["new_email"]) == (
        "TRANSFER_CUSTOMER", guest["id"], guest_email)
    res = await client.post(url, json={"email": guest_email}, headers=h)  # already the owner
    assert res.status_code == 400 and "already belongs to customer" in res.json()["message"]

    assert (await client.post(url, json={}, headers=h)).status_code == 400
    assert (await client.post(url, json={"email": guest_email, "x": 1}, headers=h)).status_code == 400
    res = await client.post("/admin/orders/order_missing/transfer/guest", json={"email": guest_email}, headers=h)
    assert res.status_code == 404
    assert (await client.post(url, json={"email": guest_email})).status_code == 401


async def _pending_session(container: Container, collection_id: str, status: str) -> str:
    session_id = generate_id("payses")
    async with container.database().transaction() as conn:
        await conn.execute(insert(payment_session).values(
            id=session_id, currency_code="eur", amount=Decimal("15"), provider_id="pp_system_default", data={},
            status=status, payment_collection_id=collection_id))
    return session_id


async def test_authorize_pending_payment_session(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    url = f"/admin/orders/{placed.order_id}/payment-sessions/authorize"
    pending = await _pending_session(container, placed.collection_id, "pending_authorization")
    res = await client.post(url, json={"payment_session_id": pending}, headers=h)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["is_authorized"] is True and body["order"]["id"] == placed.order_id
    async with container.database().read() as conn:
        status = (await conn.execute(select(payment_session.c.status)
                                     .where(payment_session.c.id == pending))).scalar_one()
        made = (await conn.execute(select(payment.c.amount, payment.c.order_id)
                                   .where(payment.c.payment_session_id == pending))).one()
    assert status == "authorized" and made == (Decimal("15"), placed.order_id)

    res = await client.post(url, json={"payment_session_id": pending}, headers=h)  # no longer pending
    assert res.status_code == 400
    assert res.json() == {"type": "not_allowed",
                          "message": f"Payment session {pending} is not in pending_authorization status"}
    res = await client.post(url, json={"payment_session_id": "payses_missing"}, headers=h)
    assert res.status_code == 404
    assert (await client.post(url, json={}, headers=h)).status_code == 400
    assert (await client.post(url, json={"payment_session_id": pending})).status_code == 401


async def test_update_order_change(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    member = generate_id("cus")
    async with container.database().transaction() as conn:
        await conn.execute(insert(customer).values(id=member, email=_email("owner"), has_account=True))
    res = await client.post(f"/admin/orders/{placed.order_id}/transfer", json={"customer_id": member}, headers=h)
    assert res.status_code == 200
    async with container.database().read() as conn:
        change_id = (await conn.execute(select(order_change.c.id).where(
            order_change.c.order_id == placed.order_id, order_change.c.status == "pending"))).scalar_one()

    res = await client.post(f"/admin/order-changes/{change_id}", json={"carry_over_promotions": True}, headers=h)
    assert res.status_code == 200, res.text
    change = res.json()["order_change"]
    assert (change["id"], change["carry_over_promotions"], change["change_type"]) == (change_id, True, "transfer")
    assert [a["action"] for a in change["actions"]] == ["TRANSFER_CUSTOMER"]
    assert {"version", "status", "confirmed_at", "canceled_at", "created_at"} <= set(change)

    assert (await client.post(f"/admin/order-changes/{change_id}", json={}, headers=h)).status_code == 400
    res = await client.post(f"/admin/order-changes/{change_id}", json={"carry_over_promotions": "maybe"}, headers=h)
    assert res.status_code == 400
    res = await client.post("/admin/order-changes/ordch_missing", json={"carry_over_promotions": False}, headers=h)
    assert res.status_code == 404
    assert res.json()["message"] == "OrderChange with id: ordch_missing was not found"
    await client.post(f"/admin/orders/{placed.order_id}/transfer/cancel", json={}, headers=h)
    res = await client.post(f"/admin/order-changes/{change_id}", json={"carry_over_promotions": False}, headers=h)
    assert res.status_code == 400 and res.json()["message"] == f"Order change {change_id} is not active to be modified"
    assert (await client.post(f"/admin/order-changes/{change_id}",
                              json={"carry_over_promotions": False})).status_code == 401
