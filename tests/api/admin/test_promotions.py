"""Admin promotions (create, rules batch, rule options) and campaigns (budget, promotions)."""

from __future__ import annotations

import httpx

from euryale.container import Container
from tests.support.logistics import admin_headers, uid


def payload(code: str, **extra: object) -> dict[str, object]:
    return {"code": code, "type": "standard", "status": "active", "is_automatic": False,
            "application_method": {"type": "percentage", "target_type": "items", "allocation": "across",
                                   "value": 10, "target_rules": [{"attribute": "items.product.id",
                                                                  "operator": "in", "values": ["prod_1"]}]},
            "rules": [{"attribute": "currency_code", "operator": "eq", "values": "eur"}], **extra}


async def test_promotion_lifecycle(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    code = uid("SUMMER").upper()
    res = await client.post("/admin/promotions", headers=h, json=payload(code))
    assert res.status_code == 200, res.text
    promo = res.json()["promotion"]
    assert promo["code"] == code and promo["status"] == "active" and promo["campaign"] is None
    am = promo["application_method"]
    assert am["value"] == 10 and am["type"] == "percentage" and am["allocation"] == "across"
    # Medusa 2.21.2's application_method keys (raw_value is its BigNumber column)
    assert set(am) == {"id", "value", "raw_value", "currency_code", "max_quantity", "apply_to_quantity",
                       "buy_rules_min_quantity", "type", "target_type", "allocation", "promotion_id", "created_at",
                       "updated_at", "deleted_at", "target_rules", "buy_rules"}
    assert am["raw_value"] == {"value": "10", "precision": 20} and am["deleted_at"] is None
    assert am["target_rules"][0]["values"][0]["value"] == "prod_1"
    assert promo["rules"][0]["attribute"] == "currency_code"

    res = await client.post("/admin/promotions", headers=h, json=payload(code))
    assert res.status_code == 422
    assert res.json() == {"type": "duplicate_error", "code": "invalid_request_error",
                          "message": f"Promotion with code: {code} already exists."}

    res = await client.post(f"/admin/promotions/{promo['id']}/rules/batch", headers=h, json={
        "create": [{"attribute": "region.id", "operator": "in", "values": ["reg_1", "reg_2"]}],
        "update": [{"id": promo["rules"][0]["id"], "values": ["usd"]}],
        "delete": []})
    batch = res.json()
    assert [len(r["values"]) for r in batch["created"]] == [2]
    assert batch["updated"][0]["values"][0]["value"] == "usd"
    res = await client.get(f"/admin/promotions/{promo['id']}/rules", headers=h)
    assert len(res.json()["rules"]) == 2
    res = await client.post(f"/admin/promotions/{promo['id']}/target-rules/batch", headers=h, json={
        "delete": [am["target_rules"][0]["id"]]})
    assert res.json()["deleted"]["ids"] == [am["target_rules"][0]["id"]]
    res = await client.get(f"/admin/promotions/{promo['id']}/target-rules", headers=h)
    assert res.json()["rules"] == []
    res = await client.get(f"/admin/promotions/{promo['id']}/other-rules", headers=h)
    assert res.status_code == 400

    res = await client.post(f"/admin/promotions/{promo['id']}", headers=h,
                            json={"status": "inactive", "application_method": {"value": 15}})
    updated = res.json()["promotion"]
    assert updated["status"] == "inactive" and updated["application_method"]["value"] == 15
    res = await client.get("/admin/promotions", headers=h, params={"q": code, "fields": "id,code,status"})
    assert res.json()["promotions"] == [{"id": promo["id"], "code": code, "status": "inactive"}]

    res = await client.get("/admin/promotions/rule-attribute-options/rules", headers=h)
    assert "customer.groups.id" in [a["value"] for a in res.json()["attributes"]]
    res = await client.get("/admin/promotions/rule-value-options/rules/currency_code", headers=h)
    assert isinstance(res.json()["values"], list)

    res = await client.delete(f"/admin/promotions/{promo['id']}", headers=h)
    assert res.json() == {"id": promo["id"], "object": "promotion", "deleted": True}
    res = await client.get(f"/admin/promotions/{promo['id']}", headers=h)
    assert res.status_code == 404


async def test_promotion_validation(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    res = await client.post("/admin/promotions", headers=h, json={**payload(uid("X")), "unknown": True})
    assert res.status_code == 400 and "Unrecognized fields: 'unknown'" in res.json()["message"]
    bad = payload(uid("X"))
    bad["application_method"] = {"type": "percentage", "target_type": "items", "value": 10}
    res = await client.post("/admin/promotions", headers=h, json=bad)
    assert res.status_code == 400 and "allocation" in res.json()["message"]
    bad["application_method"] = {"type": "half", "target_type": "items", "value": 10, "allocation": "each"}
    res = await client.post("/admin/promotions", headers=h, json=bad)
    assert res.status_code == 400


async def test_campaigns(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    ident = uid("camp")
    res = await client.post("/admin/campaigns", headers=h, json={
        "name": "Black Friday", "campaign_identifier": ident, "starts_at": "2026-11-27T00:00:00.000Z",
        "budget": {"type": "spend", "limit": 1000, "currency_code": "eur"}})
    assert res.status_code == 200, res.text
    camp = res.json()["campaign"]
    assert camp["budget"]["limit"] == 1000 and camp["budget"]["used"] == 0
    assert camp["starts_at"] == "2026-11-27T00:00:00.000Z" and camp["promotions"] == []
    res = await client.post("/admin/campaigns", headers=h, json={"name": "dup", "campaign_identifier": ident})
    assert res.status_code == 422

    code = uid("BF").upper()
    promo = (await client.post("/admin/promotions", headers=h, json=payload(code))).json()["promotion"]
    res = await client.post(f"/admin/campaigns/{camp['id']}/promotions", headers=h, json={"add": [promo["id"]]})
    assert [p["id"] for p in res.json()["campaign"]["promotions"]] == [promo["id"]]
    res = await client.get(f"/admin/promotions/{promo['id']}", headers=h)
    assert res.json()["promotion"]["campaign"]["budget"]["type"] == "spend"
    res = await client.post(f"/admin/campaigns/{camp['id']}", headers=h, json={"budget": {"limit": 500}})
    assert res.json()["campaign"]["budget"]["limit"] == 500
    res = await client.get("/admin/campaigns", headers=h, params={"campaign_identifier": ident})
    assert res.json()["count"] == 1
    res = await client.delete(f"/admin/campaigns/{camp['id']}", headers=h)
    assert res.json() == {"id": camp["id"], "object": "campaign", "deleted": True}
    res = await client.get(f"/admin/promotions/{promo['id']}", headers=h)
    assert res.json()["promotion"]["campaign"] is None
