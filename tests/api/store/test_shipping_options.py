"""Store shipping options for a cart (Medusa 2.21 shape) and the calculate route."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from euryale.container import Container
from euryale.modules.cart.models import cart_address
from tests.support.commerce import Shop, address, make_shop
from tests.support.logistics import admin_headers, make_shipping_option
from tests.support.sql_capture import captured_statements


@pytest.fixture(scope="module")
async def shop(container: Container) -> Shop:
    """One German shop for this module (each test makes its own carts)."""
    return await make_shop(container, country_code="de", shipping_price=10)


async def test_list_for_cart_and_calculate(client: httpx.AsyncClient, shop: Shop) -> None:
    h = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]

    # as Medusa: a single-country region pre-fills the shipping address's country, so options list at once
    assert cart["shipping_address"]["country_code"] == "de" and cart["shipping_address_id"]
    res = await client.get("/store/shipping-options", params={"cart_id": cart["id"]}, headers=h)
    assert res.status_code == 200 and len(res.json()["shipping_options"]) == 1

    await client.post(f"/store/carts/{cart['id']}", headers=h, json={"shipping_address": address("de")})
    res = await client.get("/store/shipping-options", params={"cart_id": cart["id"]}, headers=h)
    assert res.status_code == 200, res.text
    [option] = res.json()["shipping_options"]
    assert option["id"] == shop.shipping_option_id and option["provider_id"] == "manual_manual"
    assert option["amount"] == 10 and option["is_tax_inclusive"] is False
    assert option["insufficient_inventory"] is False
    assert option["calculated_price"]["calculated_amount"] == 10
    assert option["calculated_price"]["currency_code"] == "eur"
    assert option["prices"][0]["amount"] == 10 and option["prices"][0]["raw_amount"] == {"value": "10",
                                                                                          "precision": 20}
    assert option["service_zone"]["fulfillment_set"]["location"]["id"] == shop.location_id
    assert option["type"]["label"] == "Standard" and option["provider"] == {"id": "manual_manual",
                                                                           "is_enabled": True}
    assert {"attribute": "enabled_in_store", "value": "true", "operator": "eq"} in option["rules"]
    assert set(option) >= {"id", "name", "price_type", "service_zone_id", "shipping_profile_id", "provider_id",
                           "data", "service_zone", "type", "provider", "rules", "calculated_price", "prices",
                           "amount", "is_tax_inclusive", "insufficient_inventory"}

    res = await client.get("/store/shipping-options", headers=h,
                           params={"cart_id": cart["id"], "fields": "id,name,+amount"})
    assert res.json()["shipping_options"] == [{"id": shop.shipping_option_id, "name": option["name"], "amount": 10}]

    res = await client.post(f"/store/shipping-options/{shop.shipping_option_id}/calculate", headers=h,
                            json={"cart_id": cart["id"], "data": {}})
    assert res.status_code == 200 and res.json()["shipping_option"]["amount"] == 10

    res = await client.post("/store/shipping-options/so_nope/calculate", headers=h, json={"cart_id": cart["id"]})
    assert res.status_code == 404
    res = await client.post(f"/store/shipping-options/{shop.shipping_option_id}/calculate", headers=h,
                            json={"cart_id": cart["id"], "extra": 1})
    assert res.status_code == 400
    res = await client.get("/store/shipping-options", headers=h)
    assert res.status_code == 400 and res.json()["type"] == "invalid_data"
    res = await client.get("/store/shipping-options", params={"cart_id": "cart_nope"}, headers=h)
    assert res.status_code == 404
    res = await client.get("/store/shipping-options", params={"cart_id": cart["id"]})
    assert res.status_code == 400  # no publishable key
    res = await client.get("/store/shipping-options", params={"cart_id": cart["id"]},
                           headers={"x-publishable-api-key": "pk_not_a_key"})
    assert res.status_code in (400, 401)
    assert res.json()["message"] == "A valid publishable key is required to proceed with the request"


async def test_other_country_sees_nothing(client: httpx.AsyncClient, shop: Shop, container: Container) -> None:
    h = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]
    res = await client.post(f"/store/carts/{cart['id']}", headers=h, json={"shipping_address": address("fr")})
    assert res.status_code == 400  # outside the region; an address outside the zone can only come from data
    async with container.database().transaction() as conn:
        await conn.execute(update(cart_address).where(cart_address.c.id == cart["shipping_address_id"])
                           .values(country_code="fr"))
    res = await client.get("/store/shipping-options", params={"cart_id": cart["id"]}, headers=h)
    assert res.json() == {"shipping_options": []}


def _shape(value: object) -> object:
    """Nested key structure (first element of lists) for comparing with a recorded answer."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


async def test_shape_matches_medusa_sample(client: httpx.AsyncClient, container: Container, shop: Shop) -> None:
    import json
    from pathlib import Path

    recorded = json.loads(Path("/work/shared/medusa-contract/samples/store/009-GET_store_shipping-options.json")
                          .read_text())["response"]["shipping_options"][0]
    await client.post(f"/admin/stock-locations/{shop.location_id}", headers=admin_headers(container),
                      json={"address": {"address_1": "Lagerstr. 1", "city": "Berlin", "country_code": "DE"}})
    h = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]
    await client.post(f"/store/carts/{cart['id']}", headers=h, json={"shipping_address": address("de")})
    [option] = (await client.get("/store/shipping-options", params={"cart_id": cart["id"]},
                                 headers=h)).json()["shipping_options"]
    got, want = _shape(option), _shape(recorded)
    assert isinstance(got, dict) and isinstance(want, dict)
    assert set(got) == set(want)
    for key in ("service_zone", "type", "provider", "calculated_price"):
        assert got[key] == want[key], key
    assert set(got["prices"][0]) == set(want["prices"][0])
    assert set(got["rules"][0]) == set(want["rules"][0])


PRICE_RULE_KEYS = {"id", "attribute", "value", "operator", "priority", "price_id", "created_at", "updated_at",
                   "deleted_at"}


async def test_region_price_rules_are_rule_rows(client: httpx.AsyncClient, container: Container, shop: Shop) -> None:
    # Medusa 2.21.2 answers `prices[].price_rules` as the price_rule rows, in the store and admin lists alike
    async with container.database().transaction() as conn:
        option_id = await make_shipping_option(
            conn, location_id=shop.location_id, geo_zones=[{"type": "country", "country_code": "de"}],
            prices=[{"currency_code": "eur", "amount": 7, "region_id": shop.region_id}],
            rules=[{"attribute": "enabled_in_store", "operator": "eq", "value": "true"}])
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=shop.headers)).json()["cart"]
    res = await client.get("/store/shipping-options", params={"cart_id": cart["id"]}, headers=shop.headers)
    [option] = [o for o in res.json()["shipping_options"] if o["id"] == option_id]
    [store_rule] = option["prices"][0]["price_rules"]
    assert set(store_rule) == PRICE_RULE_KEYS and store_rule["id"].startswith("prule_")
    assert (store_rule["attribute"], store_rule["value"], store_rule["operator"]) == ("region_id", shop.region_id,
                                                                                     "eq")
    res = await client.get("/admin/shipping-options", params={"id": option_id}, headers=admin_headers(container))
    [admin_option] = res.json()["shipping_options"]
    assert admin_option["prices"][0]["price_rules"] == [store_rule]


async def test_statement_budget_does_not_grow_with_options(client: httpx.AsyncClient, container: Container) -> None:
    """Issue 7: the cart with its address, the options with every relation the answer shows, calculated prices
    and prices (+ their rules when some have any): whatever the number of options (was 16 for one option)."""
    shop = await make_shop(container, country_code="fr", shipping_price=10)
    h = shop.headers
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]
    await client.post(f"/store/carts/{cart['id']}", headers=h, json={"shipping_address": address("fr")})

    async def count() -> tuple[int, int]:
        with captured_statements(container) as seen:
            res = await client.get("/store/shipping-options", params={"cart_id": cart["id"]}, headers=h)
        assert res.status_code == 200, res.text
        # the publishable key lookup belongs to every store route
        own = [s for s, _ in seen if "api_key" not in s and "outbox" not in s]
        return len(res.json()["shipping_options"]), len(own)

    assert await count() == (1, 4)
    async with container.database().transaction() as conn:
        for amount in (7, 8):
            await make_shipping_option(
                conn, location_id=shop.location_id, geo_zones=[{"type": "country", "country_code": "fr"}],
                prices=[{"currency_code": "eur", "amount": amount, "region_id": shop.region_id}])
    assert await count() == (3, 5)  # their region prices have rule rows: one more statement, for all of them
