"""Issues #4/#5: every state change runs as a workflow. Representative writes are recorded executions (Medusa's
workflow ids, state done, retention), their events are emitted exactly once on success and never on failure, and
the wire answer is the route's usual one."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import func, select, text, update

from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.events.outbox import event_outbox
from euryale.flows._workflow import (
    ADMIN_RETENTION,
    STORE_RETENTION,
    decode,
    delete_expired_executions,
    encode,
    workflow_transaction,
)
from euryale.workflows.engine import workflow_execution
from tests.support.catalog import admin_headers, channel_with_key, create_product, product_body, unique
from tests.support.commerce import make_shop


async def _executions(container: Container, workflow_id: str, needle: str) -> list[dict[str, Any]]:
    """Executions of `workflow_id` whose stored input mentions `needle` (a unique value of the test)."""
    async with container.database().read() as conn:
        rows = (await conn.execute(select(workflow_execution).where(
            workflow_execution.c.workflow_id == workflow_id,
            text("workflow_execution.context::text LIKE :n").bindparams(n=f"%{needle}%")))).mappings().all()
    return [dict(r) for r in rows]


async def _only_execution(container: Container, workflow_id: str, needle: str) -> dict[str, Any]:
    rows = await _executions(container, workflow_id, needle)
    assert len(rows) == 1, rows
    return rows[0]


async def _events(container: Container, *, group_id: str | None = None, name: str | None = None,
                  data_id: str | None = None) -> list[dict[str, Any]]:
    q = select(event_outbox)
    if group_id is not None:
        q = q.where(event_outbox.c.group_id == group_id)
    if name is not None:
        q = q.where(event_outbox.c.name == name)
    if data_id is not None:
        q = q.where(event_outbox.c.data["id"].astext == data_id)
    async with container.database().read() as conn:
        return [dict(r) for r in (await conn.execute(q)).mappings().all()]


def _group(execution: dict[str, Any]) -> str:
    group: str = execution["execution"]["event_group_id"]
    return group


async def test_product_create_update_delete_are_recorded_workflows(client: httpx.AsyncClient, container: Container,
                                                                   config: EuryaleConfig) -> None:
    sc_ids, _, _ = await channel_with_key(container)
    h = admin_headers(config)
    handle = unique("wf-shirt")
    product = await create_product(client, h, product_body(sc_ids, handle=handle))
    assert product["handle"] == handle and len(product["variants"]) == 2  # the usual answer

    created = await _only_execution(container, "create-products", handle)
    assert created["state"] == "done" and created["retention_time"] == ADMIN_RETENTION
    events = await _events(container, group_id=_group(created))
    names = sorted(e["name"] for e in events)
    assert names.count("product.created") == 1 and names.count("product-variant.created") == 2
    assert all(not e["held"] for e in events)  # released with the final checkpoint
    assert len(await _events(container, name="product.created", data_id=product["id"])) == 1

    res = await client.post(f"/admin/products/{product['id']}", json={"subtitle": "wf-updated"}, headers=h)
    assert res.status_code == 200 and res.json()["product"]["subtitle"] == "wf-updated"
    updated = await _only_execution(container, "update-products", product["id"])
    assert updated["state"] == "done"
    assert [e["name"] for e in await _events(container, group_id=_group(updated), name="product.updated")] \
        == ["product.updated"]

    res = await client.delete(f"/admin/products/{product['id']}", headers=h)
    assert res.status_code == 200 and res.json() == {"id": product["id"], "object": "product", "deleted": True}
    deleted = await _only_execution(container, "delete-products", product["id"])
    assert deleted["state"] == "done"
    assert len(await _events(container, group_id=_group(deleted), name="product.deleted")) == 1


async def test_failed_product_create_reverts_and_emits_nothing(client: httpx.AsyncClient, container: Container,
                                                               config: EuryaleConfig) -> None:
    sc_ids, _, _ = await channel_with_key(container)
    h = admin_headers(config)
    first = await create_product(client, h, product_body(sc_ids))
    title = unique("Duplicate")
    res = await client.post("/admin/products", json=product_body(sc_ids, title=title, handle=first["handle"]),
                            headers=h)
    assert res.status_code == 422 and res.json()["type"] == "duplicate_error"  # the error is unchanged

    failed = await _only_execution(container, "create-products", title)
    assert failed["state"] == "reverted"
    assert failed["context"]["errors"][0]["error"]["type"] == "duplicate_error"
    assert await _events(container, group_id=_group(failed)) == []
    async with container.database().read() as conn:
        same_handle = (await conn.execute(text(
            "SELECT count(*) FROM product WHERE handle = :h AND deleted_at IS NULL").bindparams(h=first["handle"]))
        ).scalar()
    assert same_handle == 1


async def test_region_create_is_listed_in_admin_workflow_executions(client: httpx.AsyncClient,
                                                                    container: Container,
                                                                    config: EuryaleConfig) -> None:
    h = admin_headers(config)
    name = unique("WF Region")
    res = await client.post("/admin/regions", json={"name": name, "currency_code": "eur"}, headers=h)
    assert res.status_code == 200, res.text
    region = res.json()["region"]
    assert region["name"] == name and region["currency_code"] == "eur"

    execution = await _only_execution(container, "create-regions", name)
    assert execution["state"] == "done"
    events = await _events(container, group_id=_group(execution))
    assert [(e["name"], e["data"]) for e in events] == [("region.created", {"id": region["id"]})]

    res = await client.get("/admin/workflows-executions",
                           params={"workflow_id": "create-regions", "limit": 200}, headers=h)
    assert res.status_code == 200
    listed = {e["transaction_id"]: e for e in res.json()["workflow_executions"]}
    assert execution["transaction_id"] in listed
    assert listed[execution["transaction_id"]]["state"] == "done"


async def test_add_to_cart_is_a_store_workflow(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[20, 21])
    h = shop.headers
    res = await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)
    assert res.status_code == 200, res.text
    cart = res.json()["cart"]
    created = await _only_execution(container, "create-carts", shop.region_id)
    assert created["state"] == "done" and created["retention_time"] == STORE_RETENTION

    res = await client.post(f"/store/carts/{cart['id']}/line-items",
                            json={"variant_id": shop.variants[0].id, "quantity": 2}, headers=h)
    assert res.status_code == 200, res.text
    items = res.json()["cart"]["items"]
    assert [(i["variant_id"], i["quantity"]) for i in items] == [(shop.variants[0].id, 2)]
    added = await _only_execution(container, "add-to-cart", cart["id"])
    assert added["state"] == "done" and added["retention_time"] == STORE_RETENTION
    assert decode(added["context"]["data"]["input"])["kwargs"]["item"]["variant_id"] == shop.variants[0].id

    # a failing add (unknown variant) is a reverted execution with the route's usual 4xx
    res = await client.post(f"/store/carts/{cart['id']}/line-items",
                            json={"variant_id": "variant_missing_wf", "quantity": 1}, headers=h)
    assert res.status_code == 400 and res.json()["type"] == "invalid_data"
    failed = await _only_execution(container, "add-to-cart", "variant_missing_wf")
    assert failed["state"] == "reverted"


async def test_admin_customer_create_and_events_once(client: httpx.AsyncClient, container: Container,
                                                     config: EuryaleConfig) -> None:
    h = admin_headers(config)
    email = f"{unique('wf')}@example.com"
    res = await client.post("/admin/customers", json={"email": email, "first_name": "Wf"}, headers=h)
    assert res.status_code == 200, res.text
    customer = res.json()["customer"]
    assert customer["email"] == email and customer["has_account"] is False

    execution = await _only_execution(container, "create-customers", email)
    assert execution["state"] == "done"
    assert len(await _events(container, name="customer.created", data_id=customer["id"])) == 1
    assert [e["name"] for e in await _events(container, group_id=_group(execution))] == ["customer.created"]


async def test_stock_location_block_workflow(client: httpx.AsyncClient, container: Container,
                                             config: EuryaleConfig) -> None:
    h = admin_headers(config)
    name = unique("WF Warehouse")
    res = await client.post("/admin/stock-locations", json={"name": name}, headers=h)
    assert res.status_code == 200, res.text
    location = res.json()["stock_location"]
    assert location["name"] == name

    execution = await _only_execution(container, "create-stock-locations", name)
    assert execution["state"] == "done"
    assert decode(execution["context"]["data"]["input"]) == {"body": {"name": name}}
    assert len(await _events(container, group_id=_group(execution), name="stock-location.created")) == 1

    # a 404 inside the block reverts the execution and answers as before
    res = await client.post("/admin/stock-locations/sloc_missing_wf", json={"name": "x"}, headers=h)
    assert res.status_code == 404 and res.json()["type"] == "not_found"
    failed = await _only_execution(container, "update-stock-locations", "sloc_missing_wf")
    assert failed["state"] == "reverted"


async def test_workflow_transaction_rolls_back_and_drops_held_events(container: Container) -> None:
    from euryale.events import Event
    from euryale.events.outbox import stage_events

    marker = unique("wfblock")

    class Boom(Exception):
        pass

    try:
        async with workflow_transaction(container, "test-block-workflow", {"marker": marker}) as conn:
            await conn.execute(text("SELECT 1"))
            await stage_events(conn, [Event("test.block", {"id": marker})])
            raise Boom()
    except Boom:
        pass
    else:
        raise AssertionError("the block's exception must propagate")
    failed = await _only_execution(container, "test-block-workflow", marker)
    assert failed["state"] == "reverted"
    assert await _events(container, data_id=marker) == []

    async with workflow_transaction(container, "test-block-workflow", {"marker": marker + "-ok"}) as conn:
        await stage_events(conn, [Event("test.block", {"id": marker + "-ok"})])
    done = await _only_execution(container, "test-block-workflow", marker + "-ok")
    assert done["state"] == "done"
    [event] = await _events(container, data_id=marker + "-ok")
    assert event["group_id"] == _group(done) and event["held"] is False


async def test_expired_executions_are_purged(client: httpx.AsyncClient, container: Container,
                                             config: EuryaleConfig) -> None:
    h = admin_headers(config)
    name = unique("WF Channel")
    res = await client.post("/admin/sales-channels", json={"name": name}, headers=h)
    assert res.status_code == 200, res.text
    execution = await _only_execution(container, "create-sales-channels", name)
    async with container.database().transaction() as conn:
        # not yet expired: kept
        await delete_expired_executions(conn)
    assert len(await _executions(container, "create-sales-channels", name)) == 1
    async with container.database().transaction() as conn:
        await conn.execute(update(workflow_execution).where(workflow_execution.c.id == execution["id"]).values(
            updated_at=func.now() - text(f"interval '{ADMIN_RETENTION + 60} seconds'")))
        assert await delete_expired_executions(conn) >= 1
    assert await _executions(container, "create-sales-channels", name) == []


def test_input_encoding_keeps_types() -> None:
    from datetime import UTC, date, datetime
    from decimal import Decimal

    value = {"a": Decimal("10.50"), "b": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "c": date(2026, 1, 2),
             "d": (1, "x"), "e": None}
    stored = json.loads(json.dumps(encode(value)))
    assert decode(stored) == {**value, "d": [1, "x"]}
    try:
        encode({"x": object()})
    except TypeError:
        pass
    else:
        raise AssertionError("non-JSON input must be refused")


async def test_payment_session_steps_compensate_at_the_provider(client: httpx.AsyncClient, container: Container,
                                                                monkeypatch: Any) -> None:
    from euryale.errors import not_allowed
    from euryale.modules.payment import service as payments

    shop = await make_shop(container, prices=[15])
    h = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]
    r = await client.post(f"/store/carts/{cart['id']}/line-items",
                          json={"variant_id": shop.variants[0].id, "quantity": 1}, headers=h)
    assert r.status_code == 200, r.text
    r = await client.post("/store/payment-collections", json={"cart_id": cart["id"]}, headers=h)
    assert r.status_code == 200, r.text
    pc = r.json()["payment_collection"]
    assert (await _only_execution(container, "create-payment-collection-for-cart", cart["id"]))["state"] == "done"

    r = await client.post(f"/store/payment-collections/{pc['id']}/payment-sessions",
                          json={"provider_id": "pp_system_default"}, headers=h)
    assert r.status_code == 200, r.text
    sessions = r.json()["payment_collection"]["payment_sessions"]
    assert [s["provider_id"] for s in sessions] == ["pp_system_default"]
    done = await _only_execution(container, "create-payment-sessions", pc["id"])
    assert done["state"] == "done"

    # the persist step fails: the provider-side intent initiated by the first step is cancelled
    cancelled: list[dict[str, Any]] = []

    async def failing_persist(*args: Any, **kwargs: Any) -> str:
        raise not_allowed("persist refused (test)")

    async def record_cancel(*, provider_id: str, data: dict[str, Any]) -> None:
        cancelled.append({"provider_id": provider_id, "data": data})

    monkeypatch.setattr(payments, "persist_payment_session", failing_persist)
    monkeypatch.setattr(payments, "cancel_at_provider", record_cancel)
    r = await client.post(f"/store/payment-collections/{pc['id']}/payment-sessions",
                          json={"provider_id": "pp_system_default", "data": {"marker": "wf-comp"}}, headers=h)
    assert r.status_code == 400 and r.json()["message"] == "persist refused (test)"
    failed = await _only_execution(container, "create-payment-sessions", "wf-comp")
    assert failed["state"] == "reverted"
    assert failed["execution"]["steps"]["create-payment-session"]["state"] == "reverted"
    assert [c["provider_id"] for c in cancelled] == ["pp_system_default"]
    monkeypatch.undo()
    r = await client.get(f"/store/carts/{cart['id']}", headers=h, params={"fields": "*payment_collection.payment_sessions"})
    assert [s["id"] for s in r.json()["cart"]["payment_collection"]["payment_sessions"]] == [s["id"] for s in sessions]


async def test_block_workflow_resumed_without_its_request_reverts(container: Container) -> None:
    """Another process resuming an inline-block execution finds no request: the execution ends reverted."""
    from euryale.flows._workflow import block_workflow
    from euryale.workflows import PermanentFailure

    block_workflow("test-orphan-block-workflow")
    marker = unique("orphan")
    engine = container.resolve("workflows")
    try:
        await engine.run("test-orphan-block-workflow", input={"marker": marker})
    except PermanentFailure as exc:
        assert "gone" in str(exc)
    else:
        raise AssertionError("an orphaned block must fail")
    assert (await _only_execution(container, "test-orphan-block-workflow", marker))["state"] == "reverted"
