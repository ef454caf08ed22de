"""Order transfer: request (registered customers only), cancel, accept with the request's token."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import insert, select

from euryale.container import Container
from euryale.errors import MedusaError
from euryale.events.outbox import event_outbox
from euryale.flows.order import workflows
from euryale.ids import generate_id
from euryale.modules.customer.models import customer
from tests.api.admin.order_factory import admin_headers, place_order


async def test_transfer_request_cancel_accept(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    member, guest = generate_id("cus"), generate_id("cus")
    email = f"new-owner-{uuid.uuid4().hex[:8]}@example.com"
    async with container.database().transaction() as conn:
        await conn.execute(insert(customer), [{"id": member, "email": email, "has_account": True},
                                              {"id": guest, "email": "guest@example.com", "has_account": False}])
    url = f"/admin/orders/{placed.order_id}/transfer"
    res = await client.post(url, json={"customer_id": guest}, headers=h)
    assert res.status_code == 400 and "guest customer account" in res.json()["message"]
    assert (await client.post(url, json={"customer_id": "cus_missing"}, headers=h)).status_code == 404
    res = await client.post(url, json={"customer_id": member, "description": "to the right account"}, headers=h)
    assert res.status_code == 200, res.text
    assert (await client.post(url, json={"customer_id": member}, headers=h)).status_code == 400  # one at a time
    res = await client.post(f"{url}/cancel", json={}, headers=h)
    assert res.status_code == 200
    changes = (await client.get(f"/admin/orders/{placed.order_id}/changes", headers=h)).json()["order_changes"]
    assert [(c["change_type"], c["status"]) for c in changes] == [("transfer", "canceled")]

    await client.post(url, json={"customer_id": member}, headers=h)
    changes = (await client.get(f"/admin/orders/{placed.order_id}/changes", headers=h)).json()["order_changes"]
    token = changes[0]["actions"][0]["details"]["token"]
    async with container.database().read() as conn:
        names = [r[0] for r in await conn.execute(select(event_outbox.c.name).where(
            event_outbox.c.data["id"].astext == placed.order_id))]
    assert names.count("order.transfer_requested") == 2
    with pytest.raises(MedusaError, match="Invalid token"):
        await workflows.run(container, "accept-order-transfer-workflow", order_id=placed.order_id, token="wrong")
    await workflows.run(container, "accept-order-transfer-workflow", order_id=placed.order_id, token=token)
    order = (await client.get(f"/admin/orders/{placed.order_id}?fields=customer_id,email", headers=h)).json()["order"]
    assert (order["customer_id"], order["email"]) == (member, email)
