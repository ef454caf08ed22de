"""Admin notifications and workflow executions (reads), and standalone fulfillment routes."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import insert

from euryale.container import Container
from euryale.ids import generate_id
from euryale.modules.notification.models import notification
from euryale.workflows.engine import workflow_execution
from tests.api.admin.order_factory import admin_headers, place_order


async def test_notifications_list_and_read(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    to = f"n-{uuid.uuid4().hex[:8]}@example.com"
    ids = [generate_id("noti"), generate_id("noti")]
    async with container.database().transaction() as conn:
        await conn.execute(insert(notification), [
            {"id": nid, "to": to, "channel": "email", "template": "order-placed", "data": {"n": n},
             "status": "success", "resource_type": "order"} for n, nid in enumerate(ids)])
    res = await client.get(f"/admin/notifications?to={to}", headers=h)
    assert res.status_code == 200
    assert res.json()["count"] == 2 and {n["id"] for n in res.json()["notifications"]} == set(ids)
    res = await client.get(f"/admin/notifications/{ids[0]}?fields=id,to", headers=h)
    assert res.json() == {"notification": {"id": ids[0], "to": to}}
    assert (await client.get("/admin/notifications/noti_missing", headers=h)).status_code == 404
    assert (await client.get("/admin/notifications")).status_code == 401


async def test_workflow_executions(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    tx = f"tx-{uuid.uuid4().hex[:8]}"
    wid = generate_id("wf_exec")
    async with container.database().transaction() as conn:
        await conn.execute(insert(workflow_execution).values(
            id=wid, workflow_id="ops-test-flow", transaction_id=tx, run_id=generate_id("run"),
            execution={"steps": {"a": {"state": "done"}}}, context={"input": 1}, state="done"))
    res = await client.get(f"/admin/workflows-executions?transaction_id={tx}", headers=h)
    assert res.status_code == 200
    rows = res.json()["workflow_executions"]
    assert res.json()["count"] == 1 and rows[0]["id"] == wid and "execution" not in rows[0]
    res = await client.get(f"/admin/workflows-executions/{wid}", headers=h)
    assert res.json()["workflow_execution"]["execution"]["steps"]["a"]["state"] == "done"
    res = await client.get(f"/admin/workflows-executions/ops-test-flow/{tx}", headers=h)
    assert res.json()["workflow_execution"]["id"] == wid
    assert (await client.get("/admin/workflows-executions/wf_exec_missing", headers=h)).status_code == 404


async def test_standalone_fulfillment_routes(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    placed = await place_order(container)
    body = {"location_id": placed.location_id, "provider_id": "manual_manual", "delivery_address": {"city": "Nice"},
            "items": [{"title": "Gift wrap", "sku": "WRAP", "quantity": 1, "barcode": ""}]}
    res = await client.post("/admin/fulfillments", json=body, headers=h)
    assert res.status_code == 200, res.text
    ful = res.json()["fulfillment"]
    assert ful["items"][0]["sku"] == "WRAP" and ful["delivery_address"]["city"] == "Nice"
    res = await client.post(f"/admin/fulfillments/{ful['id']}/shipment", headers=h, json={"labels": [
        {"tracking_number": "T1", "tracking_url": "https://t/1", "label_url": "https://l/1"}]})
    assert res.status_code == 200 and res.json()["fulfillment"]["shipped_at"] is not None
    res = await client.post(f"/admin/fulfillments/{ful['id']}/cancel", json={}, headers=h)
    assert res.status_code == 400  # shipped
    res = await client.post("/admin/fulfillments", json={**body, "provider_id": "nope"}, headers=h)
    assert res.status_code == 404


async def test_run_workflow_and_complete_async_step(client: httpx.AsyncClient, container: Container) -> None:
    from euryale.workflows import StepContext, StepResponse, step, workflow

    @step("ops-test-prepare")
    async def prepare(ctx: StepContext, input: dict[str, int]) -> StepResponse:
        return StepResponse({"double": input["n"] * 2})

    @step("ops-test-wait", is_async=True)
    async def wait(ctx: StepContext, input: object) -> StepResponse:
        return StepResponse(None)

    workflow("ops-test-async", steps=[prepare, wait])
    h = admin_headers(container)
    tx = f"tx-{uuid.uuid4().hex[:8]}"
    res = await client.post("/admin/workflows-executions/ops-test-async/run",
                            json={"input": {"n": 21}, "transaction_id": tx}, headers=h)
    assert res.status_code == 200, res.text
    assert res.json() == {"acknowledgement": {"transactionId": tx, "workflowId": "ops-test-async"}}
    res = await client.get(f"/admin/workflows-executions/ops-test-async/{tx}", headers=h)
    execution = res.json()["workflow_execution"]
    assert execution["state"] != "done"
    assert execution["execution"]["steps"]["ops-test-prepare"]["output"] == {"double": 42}
    res = await client.post("/admin/workflows-executions/ops-test-async/steps/success", headers=h,
                            json={"transaction_id": tx, "step_id": "ops-test-wait", "response": {"ok": True}})
    assert res.json() == {"success": True}
    res = await client.get(f"/admin/workflows-executions/ops-test-async/{tx}", headers=h)
    assert res.json()["workflow_execution"]["state"] == "done"
    res = await client.post("/admin/workflows-executions/nope/run", json={}, headers=h)
    assert res.status_code == 404


async def test_subscribe_streams_until_finished(client: httpx.AsyncClient, container: Container) -> None:
    from euryale.workflows import StepContext, StepResponse, step, workflow

    @step("ops-sse-wait", is_async=True)
    async def wait(ctx: StepContext, input: object) -> StepResponse:
        return StepResponse(None)

    workflow("ops-sse", steps=[wait])
    h = admin_headers(container)
    tx = f"tx-{uuid.uuid4().hex[:8]}"
    await client.post("/admin/workflows-executions/ops-sse/run", json={"transaction_id": tx}, headers=h)

    async def finish_soon() -> None:
        await asyncio.sleep(0.6)
        await client.post("/admin/workflows-executions/ops-sse/steps/success", headers=h,
                          json={"transaction_id": tx, "step_id": "ops-sse-wait"})

    finisher = asyncio.create_task(finish_soon())
    events = []
    async with client.stream("GET", f"/admin/workflows-executions/ops-sse/subscribe?transaction_id={tx}",
                             headers=h) as res:
        assert res.status_code == 200 and res.headers["content-type"].startswith("text/event-stream")
        async for line in res.aiter_lines():
            if line.startswith("event: "):
                events.append(line.removeprefix("event: "))
    await finisher
    assert events[0] == "onStateChange" and events[-1] == "onFinish"
    res = await client.get(f"/admin/workflows-executions/ops-sse/{tx}/subscribe", headers=h)
    assert res.status_code == 200 and "event: onFinish" in res.text  # already finished: one message, closed
    assert (await client.get("/admin/workflows-executions/ops-sse/tx-none/subscribe", headers=h)).status_code == 404
