"""Admin tax regions, tax rates and their rules, tax providers."""

from __future__ import annotations

import httpx

from euryale.container import Container
from tests.support.logistics import admin_headers

COUNTRY = "tq"  # a code no other test uses: tax regions are unique per country


async def test_tax_regions_rates_rules(client: httpx.AsyncClient, container: Container) -> None:
    h = admin_headers(container)
    res = await client.post("/admin/tax-regions", headers=h, json={
        "country_code": COUNTRY.upper(), "default_tax_rate": {"rate": 19, "code": "VAT", "name": "Standard"}})
    assert res.status_code == 200, res.text
    region = res.json()["tax_region"]
    assert region["country_code"] == COUNTRY and region["provider_id"] == "tp_system"
    assert [(r["rate"], r["is_default"]) for r in region["tax_rates"]] == [(19, True)]
    res = await client.post("/admin/tax-regions", headers=h, json={"country_code": COUNTRY})
    assert res.status_code == 422 and res.json()["type"] == "duplicate_error"

    res = await client.post("/admin/tax-regions", headers=h, json={
        "country_code": COUNTRY, "province_code": "tq-p", "parent_id": region["id"],
        "default_tax_rate": {"rate": 5, "code": "PST", "name": "Provincial", "is_combinable": True}})
    child = res.json()["tax_region"]
    assert child["parent_id"] == region["id"] and child["parent"]["id"] == region["id"]
    res = await client.get(f"/admin/tax-regions/{region['id']}", headers=h)
    assert [c["id"] for c in res.json()["tax_region"]["children"]] == [child["id"]]
    res = await client.get("/admin/tax-regions", headers=h, params={"country_code": COUNTRY})
    assert res.json()["count"] == 2

    res = await client.post("/admin/tax-rates", headers=h, json={
        "tax_region_id": region["id"], "rate": 7.5, "code": "RED", "name": "Reduced",
        "rules": [{"reference": "product_type", "reference_id": "ptyp_books"}]})
    rate = res.json()["tax_rate"]
    assert rate["rate"] == 7.5 and rate["tax_region"]["id"] == region["id"]
    assert [(r["reference"], r["reference_id"]) for r in rate["rules"]] == [("product_type", "ptyp_books")]
    res = await client.post(f"/admin/tax-rates/{rate['id']}/rules", headers=h,
                            json={"reference": "product", "reference_id": "prod_1"})
    assert len(res.json()["tax_rate"]["rules"]) == 2
    res = await client.post(f"/admin/tax-rates/{rate['id']}/rules", headers=h,
                            json={"reference": "product", "reference_id": "prod_1"})
    assert res.status_code == 422
    res = await client.delete(f"/admin/tax-rates/{rate['id']}/rules/prod_1", headers=h)
    body = res.json()
    assert body["object"] == "tax_rate_rule" and len(body["parent"]["rules"]) == 1
    res = await client.post(f"/admin/tax-rates/{rate['id']}", headers=h, json={"rate": 8, "name": "Reduced 8"})
    assert res.json()["tax_rate"]["rate"] == 8
    res = await client.get("/admin/tax-rates", headers=h, params={"tax_region_id": region["id"]})
    assert res.json()["count"] == 2
    res = await client.delete(f"/admin/tax-rates/{rate['id']}", headers=h)
    assert res.json() == {"id": rate["id"], "object": "tax_rate", "deleted": True}
    res = await client.get(f"/admin/tax-rates/{rate['id']}", headers=h)
    assert res.status_code == 404

    res = await client.post("/admin/tax-rates", headers=h, json={"tax_region_id": "txreg_nope", "code": "X",
                                                                 "name": "X"})
    assert res.status_code == 404
    res = await client.post("/admin/tax-rates", headers=h, json={"tax_region_id": region["id"], "name": "X"})
    assert res.status_code == 400
    res = await client.get("/admin/tax-providers", headers=h)
    assert {"id": "tp_system", "is_enabled": True} in res.json()["tax_providers"]

    res = await client.delete(f"/admin/tax-regions/{region['id']}", headers=h)
    assert res.json() == {"id": region["id"], "object": "tax_region", "deleted": True}
    res = await client.get(f"/admin/tax-regions/{child['id']}", headers=h)
    assert res.status_code == 404
