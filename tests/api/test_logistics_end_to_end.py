"""Admin builds shipping from scratch over HTTP (location, channel link, set, zone, profile, option with a region
price), then a storefront cart in that zone sees and uses it."""

from __future__ import annotations

import httpx

from euryale.container import Container
from tests.support.commerce import address, make_shop
from tests.support.logistics import admin_headers, uid


async def test_admin_built_option_reaches_the_store(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, country_code="jp", currency_code="eur")
    h = admin_headers(container)
    loc = (await client.post("/admin/stock-locations", headers=h, json={
        "name": uid("Tokyo"), "address": {"address_1": "1-1", "city": "Tokyo", "country_code": "jp"}})).json()
    loc_id = loc["stock_location"]["id"]
    r = await client.post(f"/admin/stock-locations/{loc_id}/sales-channels", headers=h,
                          json={"add": [shop.sales_channel_id]})
    assert r.status_code == 200
    r = await client.post(f"/admin/stock-locations/{loc_id}/fulfillment-providers", headers=h,
                          json={"add": ["manual_manual"]})
    r = await client.post(f"/admin/stock-locations/{loc_id}/fulfillment-sets", headers=h,
                          params={"fields": "*fulfillment_sets"}, json={"name": uid("jp-ship"), "type": "shipping"})
    fs = r.json()["stock_location"]["fulfillment_sets"][0]["id"]
    r = await client.post(f"/admin/fulfillment-sets/{fs}/service-zones", headers=h, json={
        "name": uid("Kanto"), "geo_zones": [{"type": "city", "country_code": "jp", "province_code": "jp-13",
                                            "city": "Tokyo"}]})
    zone = r.json()["fulfillment_set"]["service_zones"][0]["id"]
    profile = (await client.post("/admin/shipping-profiles", headers=h,
                                 json={"name": uid("jp"), "type": "default"})).json()["shipping_profile"]["id"]
    r = await client.post("/admin/shipping-options", headers=h, json={
        "name": "Tokyo courier", "service_zone_id": zone, "shipping_profile_id": profile,
        "provider_id": "manual_manual", "price_type": "flat",
        "type": {"label": "Courier", "code": "courier", "description": "Same day"},
        "prices": [{"currency_code": "eur", "amount": 9}, {"region_id": shop.region_id, "amount": 4}]})
    assert r.status_code == 200, r.text
    courier = r.json()["shipping_option"]["id"]

    sh = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=sh)).json()["cart"]
    await client.post(f"/store/carts/{cart['id']}", headers=sh, json={
        "shipping_address": {**address("jp"), "city": "Tokyo", "province": "JP-13"}})
    options = (await client.get("/store/shipping-options", params={"cart_id": cart["id"]},
                                headers=sh)).json()["shipping_options"]
    by_id = {o["id"]: o for o in options}
    assert set(by_id) == {shop.shipping_option_id, courier}
    assert by_id[courier]["amount"] == 4  # the region price beats the plain currency price
    assert by_id[courier]["service_zone"]["fulfillment_set"]["location"]["address"]["city"] == "Tokyo"

    r = await client.post(f"/store/carts/{cart['id']}/shipping-methods", headers=sh, json={"option_id": courier})
    assert r.status_code == 200, r.text
    methods = r.json()["cart"]["shipping_methods"]
    assert [(m["shipping_option_id"], m["amount"]) for m in methods] == [(courier, 4)]

    # outside the city zone only the country-wide option of the shop remains
    await client.post(f"/store/carts/{cart['id']}", headers=sh, json={
        "shipping_address": {**address("jp"), "city": "Osaka", "province": "JP-27"}})
    options = (await client.get("/store/shipping-options", params={"cart_id": cart["id"]},
                                headers=sh)).json()["shipping_options"]
    assert [o["id"] for o in options] == [shop.shipping_option_id]
