"""One shipping method per shipping profile (Medusa 2.21 add-shipping-method-to-cart + validate-shipping): a new
method replaces only the cart's methods of the same profile; completion needs every item's profile covered and
the order gets every method."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, text

from euryale.container import Container
from euryale.ids import generate_id
from euryale.links.models import product_shipping_profile, shipping_option_price_set
from euryale.modules.fulfillment.models import shipping_option, shipping_option_rule, shipping_profile
from tests.support.commerce import Shop, _price_set, address, make_shop, uid


@pytest.fixture
async def two_profiles(container: Container) -> tuple[Shop, str]:
    """A shop whose first product is in the standard option's profile and the second in a "heavy" profile with
    its own option (price 7), in the same service zone. Returns the shop and the heavy option's id."""
    shop = await make_shop(container, prices=[32, 50])
    async with container.database().transaction() as conn:
        std = (await conn.execute(text("SELECT shipping_profile_id, service_zone_id, shipping_option_type_id "
                                       "FROM shipping_option WHERE id = :id"), {"id": shop.shipping_option_id})).one()
        heavy_sp, heavy_so = generate_id("sp"), generate_id("so")
        await conn.execute(insert(shipping_profile).values(id=heavy_sp, name=f"Heavy {uid()}", type="custom"))
        await conn.execute(insert(shipping_option).values(
            id=heavy_so, name="Freight", price_type="flat", service_zone_id=std[1], shipping_profile_id=heavy_sp,
            provider_id="manual_manual", shipping_option_type_id=std[2]))
        for attr, value in (("enabled_in_store", "true"), ("is_return", "false")):
            await conn.execute(insert(shipping_option_rule).values(
                id=generate_id("sorul"), attribute=attr, operator="eq", value=value, shipping_option_id=heavy_so))
        ps = await _price_set(conn, {shop.currency_code: Decimal(7)})
        await conn.execute(insert(shipping_option_price_set).values(
            id=generate_id("sops"), shipping_option_id=heavy_so, price_set_id=ps))
        for variant, sp in ((shop.variants[0], std[0]), (shop.variants[1], heavy_sp)):
            await conn.execute(insert(product_shipping_profile).values(
                id=generate_id("prodsp"), product_id=variant.product_id, shipping_profile_id=sp))
    return shop, heavy_so


async def _cart(client: httpx.AsyncClient, shop: Shop) -> str:
    h = shop.headers
    cart_id = str((await client.post("/store/carts", json={"region_id": shop.region_id}, headers=h)).json()["cart"]["id"])
    for v in shop.variants:
        r = await client.post(f"/store/carts/{cart_id}/line-items", json={"variant_id": v.id, "quantity": 1}, headers=h)
        assert r.status_code == 200, r.text
    r = await client.post(f"/store/carts/{cart_id}", headers=h, json={
        "email": f"buyer-{shop.tag}@example.com", "shipping_address": address(shop.country_code)})
    assert r.status_code == 200, r.text
    return cart_id


async def _ship(client: httpx.AsyncClient, shop: Shop, cart_id: str, option_id: str) -> dict[str, Any]:
    r = await client.post(f"/store/carts/{cart_id}/shipping-methods", json={"option_id": option_id},
                          headers=shop.headers)
    assert r.status_code == 200, r.text
    return dict(r.json()["cart"])


async def _pay_and_complete(client: httpx.AsyncClient, shop: Shop, cart_id: str) -> httpx.Response:
    h = shop.headers
    pc = (await client.post("/store/payment-collections", json={"cart_id": cart_id}, headers=h)).json()
    r = await client.post(f"/store/payment-collections/{pc['payment_collection']['id']}/payment-sessions",
                          json={"provider_id": "pp_system_default"}, headers=h)
    assert r.status_code == 200, r.text
    return await client.post(f"/store/carts/{cart_id}/complete", headers=h)


async def test_a_method_replaces_only_the_methods_of_its_profile(client: httpx.AsyncClient,
                                                                 two_profiles: tuple[Shop, str]) -> None:
    shop, heavy = two_profiles
    cart_id = await _cart(client, shop)
    cart = await _ship(client, shop, cart_id, shop.shipping_option_id)
    [first] = cart["shipping_methods"]
    cart = await _ship(client, shop, cart_id, heavy)
    assert sorted(m["shipping_option_id"] for m in cart["shipping_methods"]) == sorted([shop.shipping_option_id, heavy])
    assert first["id"] in {m["id"] for m in cart["shipping_methods"]}
    assert cart["shipping_total"] == 17 and cart["total"] == 32 + 50 + 17
    # the same profile again: its method is replaced, the other profile's stays
    cart = await _ship(client, shop, cart_id, shop.shipping_option_id)
    methods = {m["shipping_option_id"]: m["id"] for m in cart["shipping_methods"]}
    assert len(cart["shipping_methods"]) == 2 and methods[shop.shipping_option_id] != first["id"]
    assert cart["shipping_total"] == 17


async def test_completion_needs_every_profile_and_the_order_gets_every_method(
        client: httpx.AsyncClient, container: Container, two_profiles: tuple[Shop, str]) -> None:
    shop, heavy = two_profiles
    cart_id = await _cart(client, shop)
    await _ship(client, shop, cart_id, shop.shipping_option_id)
    r = await _pay_and_complete(client, shop, cart_id)
    assert r.status_code == 400, r.text
    assert r.json() == {"type": "invalid_data", "message": "The cart items require shipping profiles that are not "
                        "satisfied by the current shipping methods"}
    async with container.database().read() as conn:
        reserved = (await conn.execute(text(
            "SELECT count(*) FROM reservation_item r JOIN cart_line_item li ON li.id = r.line_item_id "
            "WHERE li.cart_id = :c AND r.deleted_at IS NULL"), {"c": cart_id})).scalar_one()
    assert reserved == 0

    await _ship(client, shop, cart_id, heavy)  # the amount changed: the pending session was dropped
    r = await _pay_and_complete(client, shop, cart_id)
    assert r.status_code == 200, r.text
    order = r.json()["order"]
    assert sorted(m["shipping_option_id"] for m in order["shipping_methods"]) == sorted([shop.shipping_option_id, heavy])
    assert order["shipping_total"] == 17 and order["total"] == 32 + 50 + 17


async def test_a_cart_changed_after_validation_is_checked_again(client: httpx.AsyncClient, container: Container,
                                                                two_profiles: tuple[Shop, str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """create-order re-runs the profile check when the methods changed since validate-cart (a concurrent write)."""
    from euryale.flows.cart import complete

    shop, heavy = two_profiles
    cart_id = await _cart(client, shop)
    await _ship(client, shop, cart_id, shop.shipping_option_id)
    await _ship(client, shop, cart_id, heavy)
    original = complete.validate_cart.invoke

    async def validate_then_drop_heavy(ctx: Any, inp: dict[str, Any]) -> Any:
        res = await original(ctx, inp)
        async with container.database().transaction() as conn:
            await conn.execute(text("UPDATE cart_shipping_method SET deleted_at = now() WHERE cart_id = :c "
                                    "AND shipping_option_id = :o"), {"c": cart_id, "o": heavy})
        return res

    monkeypatch.setattr(complete.validate_cart, "invoke", validate_then_drop_heavy)
    r = await _pay_and_complete(client, shop, cart_id)
    assert r.status_code == 400, r.text
    assert "shipping profiles" in r.json()["message"]
