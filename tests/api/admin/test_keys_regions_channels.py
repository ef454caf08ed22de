"""Admin api keys, regions, sales channels, stores, currencies; store regions/currencies."""

from __future__ import annotations

import base64

import httpx

from euryale.config import EuryaleConfig
from euryale.container import Container
from tests.support.catalog import admin_headers, channel_with_key, create_product, product_body, unique


async def test_publishable_key_lifecycle_and_channel_links(client: httpx.AsyncClient, config: EuryaleConfig,
                                                           container: Container) -> None:
    h = admin_headers(config)
    res = await client.post("/admin/api-keys", json={"title": unique("Web"), "type": "publishable"}, headers=h)
    assert res.status_code == 200, res.text
    key = res.json()["api_key"]
    assert key["token"].startswith("pk_") and len(key["token"]) == 67 and key["redacted"].startswith("pk_")
    # Medusa 2.21.2 answers a create with the record's columns (deleted_at included) and no sales channels
    assert set(key) == {"id", "token", "redacted", "title", "type", "last_used_at", "created_by", "created_at",
                        "updated_at", "revoked_by", "revoked_at", "deleted_at"}
    pk = {"x-publishable-api-key": key["token"]}
    res = await client.get("/store/products", headers=pk)
    assert res.status_code == 400 and res.json()["message"] == "Publishable key needs to have a sales channel configured"
    assert (await client.get("/store/regions", headers=pk)).status_code == 200
    sc = (await client.post("/admin/sales-channels", json={"name": unique("Shop")}, headers=h)).json()["sales_channel"]
    product = await create_product(client, h, product_body([sc["id"]]))
    res = await client.post(f"/admin/api-keys/{key['id']}/sales-channels", json={"add": [sc["id"]]}, headers=h)
    assert res.status_code == 200 and [c["id"] for c in res.json()["api_key"]["sales_channels"]] == [sc["id"]]
    res = await client.get("/store/products", headers=pk)
    assert [p["id"] for p in res.json()["products"]] == [product["id"]]
    res = await client.post(f"/admin/api-keys/{key['id']}/sales-channels", json={"remove": [sc["id"]]}, headers=h)
    assert res.json()["api_key"]["sales_channels"] == []
    assert (await client.get("/store/products", headers=pk)).status_code == 400
    res = await client.post(f"/admin/api-keys/{key['id']}/sales-channels", json={"add": ["sc_nope"]}, headers=h)
    assert res.status_code == 404
    res = await client.delete(f"/admin/api-keys/{key['id']}", headers=h)
    assert res.status_code == 400 and res.json()["type"] == "not_allowed"
    assert (await client.post(f"/admin/api-keys/{key['id']}/revoke", headers=h)).status_code == 200
    assert (await client.get("/store/regions", headers=pk)).status_code == 400
    res = await client.delete(f"/admin/api-keys/{key['id']}", headers=h)
    assert res.json() == {"id": key["id"], "object": "api_key", "deleted": True}


async def test_secret_key_shown_once_and_authenticates(client: httpx.AsyncClient, config: EuryaleConfig) -> None:
    h = admin_headers(config)
    res = await client.get("/admin/api-keys", params={"type": "secret"}, headers=h)
    for existing in res.json()["api_keys"]:
        if existing["revoked_at"] is None:
            await client.post(f"/admin/api-keys/{existing['id']}/revoke", headers=h)
    res = await client.post("/admin/api-keys", json={"title": unique("CI"), "type": "secret"}, headers=h)
    assert res.status_code == 200, res.text
    key = res.json()["api_key"]
    token = key["token"]
    assert token.startswith("sk_")
    res = await client.get(f"/admin/api-keys/{key['id']}", headers=h)
    assert res.json()["api_key"]["token"] != token
    basic = {"Authorization": "Basic " + base64.b64encode(f"{token}:".encode()).decode()}
    res = await client.get("/admin/regions", headers=basic)
    assert res.status_code == 200
    await client.post(f"/admin/api-keys/{key['id']}/revoke", headers=h)
    assert (await client.get("/admin/regions", headers=basic)).status_code == 401


async def test_regions_crud_and_store_view(client: httpx.AsyncClient, config: EuryaleConfig,
                                           container: Container) -> None:
    h = admin_headers(config)
    _, token, _ = await channel_with_key(container)
    pk = {"x-publishable-api-key": token}
    res = await client.post("/admin/regions", headers=h, json={"name": unique("Nordics"), "currency_code": "DKK",
                                                               "countries": ["is", "fo"]})
    assert res.status_code == 200, res.text
    region = res.json()["region"]
    assert region["currency_code"] == "dkk" and {c["iso_2"] for c in region["countries"]} == {"is", "fo"}
    res = await client.post("/admin/regions", headers=h, json={"name": "Other", "currency_code": "eur",
                                                               "countries": ["is"]})
    assert res.status_code == 400 and "already assigned" in res.json()["message"]
    res = await client.post("/admin/regions", headers=h, json={"name": "Bad", "currency_code": "eur",
                                                               "countries": ["zz"]})
    assert res.status_code == 400
    res = await client.get(f"/store/regions/{region['id']}", headers=pk)
    assert res.status_code == 200
    store_region = res.json()["region"]
    assert "automatic_taxes" not in store_region and store_region["countries"][0]["display_name"]
    res = await client.post(f"/admin/regions/{region['id']}", json={"countries": ["fo"]}, headers=h)
    assert [c["iso_2"] for c in res.json()["region"]["countries"]] == ["fo"]
    res = await client.get("/store/products", params={"country_code": "fo"}, headers=pk)
    assert res.status_code in (200, 400)
    assert (await client.delete(f"/admin/regions/{region['id']}", headers=h)).json()["deleted"] is True
    assert (await client.get(f"/store/regions/{region['id']}", headers=pk)).status_code == 404


async def test_currencies_and_stores(client: httpx.AsyncClient, config: EuryaleConfig, container: Container) -> None:
    h = admin_headers(config)
    _, token, _ = await channel_with_key(container)
    res = await client.get("/store/currencies/EUR", headers={"x-publishable-api-key": token})
    assert res.status_code == 200
    cur = res.json()["currency"]
    assert cur["code"] == "eur" and cur["symbol_native"] == "€" and cur["decimal_digits"] == 2
    res = await client.get("/admin/currencies", params={"code[]": ["jpy", "usd"]}, headers=h)
    assert {c["code"]: c["decimal_digits"] for c in res.json()["currencies"]} == {"jpy": 0, "usd": 2}
    assert (await client.get("/admin/currencies/zzz", headers=h)).status_code == 404
    res = await client.get("/admin/stores", headers=h)
    assert res.status_code == 200 and "stores" in res.json()


async def test_sales_channel_crud(client: httpx.AsyncClient, config: EuryaleConfig) -> None:
    h = admin_headers(config)
    sc = (await client.post("/admin/sales-channels", json={"name": unique("App")}, headers=h)).json()["sales_channel"]
    res = await client.post(f"/admin/sales-channels/{sc['id']}", json={"is_disabled": True}, headers=h)
    assert res.json()["sales_channel"]["is_disabled"] is True
    res = await client.post("/admin/sales-channels", json={}, headers=h)
    assert res.status_code == 400
    assert (await client.delete(f"/admin/sales-channels/{sc['id']}", headers=h)).json()["deleted"] is True
    assert (await client.get(f"/admin/sales-channels/{sc['id']}", headers=h)).status_code == 404


async def test_tax_inclusive_region_marks_calculated_prices(client: httpx.AsyncClient, config: EuryaleConfig,
                                                            container: Container) -> None:
    h = admin_headers(config)
    sc_ids, token, _ = await channel_with_key(container)
    res = await client.post("/admin/regions", headers=h, json={"name": unique("Incl"), "currency_code": "eur",
                                                               "is_tax_inclusive": True})
    region_id = res.json()["region"]["id"]
    product = await create_product(client, h, product_body(sc_ids))
    res = await client.get(f"/store/products/{product['id']}", params={"region_id": region_id},
                           headers={"x-publishable-api-key": token})
    cp = res.json()["product"]["variants"][0]["calculated_price"]
    assert cp["is_calculated_price_tax_inclusive"] is True and cp["is_original_price_tax_inclusive"] is True


async def test_store_supported_currencies(client: httpx.AsyncClient, config: EuryaleConfig,
                                          container: Container) -> None:
    from euryale.seed import seed_demo

    h = admin_headers(config)
    summary = await seed_demo(container)
    res = await client.get(f"/admin/stores/{summary['store_id']}", headers=h)
    assert res.status_code == 200, res.text
    currencies = {c["currency_code"]: c for c in res.json()["store"]["supported_currencies"]}
    assert currencies["eur"]["is_default"] is True and currencies["eur"]["currency"]["symbol_native"] == "€"
    assert currencies["usd"]["is_tax_inclusive"] is False
    # NOK: a currency no other test prices in, so its tax-inclusive preference affects nobody else
    res = await client.post(f"/admin/stores/{summary['store_id']}", headers=h, json={
        "supported_currencies": [{"currency_code": "eur", "is_default": True}, {"currency_code": "usd"},
                                 {"currency_code": "nok", "is_tax_inclusive": True}]})
    assert res.status_code == 200, res.text
    currencies = {c["currency_code"]: c for c in res.json()["store"]["supported_currencies"]}
    assert currencies["nok"]["is_tax_inclusive"] is True and currencies["eur"]["is_tax_inclusive"] is False
    res = await client.post(f"/admin/stores/{summary['store_id']}", headers=h, json={
        "supported_currencies": [{"currency_code": "eur", "is_default": True}, {"currency_code": "usd"}]})
    assert res.status_code == 200 and len(res.json()["store"]["supported_currencies"]) == 2
    res = await client.post(f"/admin/stores/{summary['store_id']}", headers=h, json={"nope": 1})
    assert res.status_code == 400
    assert (await client.post("/admin/stores/store_missing", headers=h, json={"name": "x"})).status_code == 404
