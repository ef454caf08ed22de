"""Complete-cart under contention: no oversell, idempotency, payment failure leaves nothing behind."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import insert, text

from euryale.container import Container
from euryale.ids import generate_id
from euryale.links.models import region_payment_provider
from euryale.modules.payment.models import payment_provider
from euryale.modules.payment.providers import PaymentProvider, ProviderResult, register_provider
from tests.api.store.test_checkout import checkout_cart
from tests.support.commerce import make_shop


async def _scalar(container: Container, sql: str, **params: Any) -> Any:
    async with container.database().read() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def test_twenty_carts_race_for_five_units(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[20], stock=5)
    carts = [await checkout_cart(client, shop) for _ in range(20)]
    results = await asyncio.gather(*[
        client.post(f"/store/carts/{c['cart_id']}/complete", headers=shop.headers) for c in carts])
    orders = [r.json()["order"]["id"] for r in results if r.status_code == 200 and r.json()["type"] == "order"]
    losers = [r for r in results if r.status_code != 200]
    assert len(orders) == 5 and len(set(orders)) == 5
    assert len(losers) == 15 and all(r.status_code == 400 and r.json()["type"] == "not_allowed" for r in losers)
    inv = shop.variants[0].inventory_item_id
    level = await _scalar(container, "SELECT stocked_quantity - reserved_quantity FROM inventory_level "
                                     "WHERE inventory_item_id = :i", i=inv)
    reservations = await _scalar(container, "SELECT count(*) FROM reservation_item WHERE inventory_item_id = :i "
                                            "AND deleted_at IS NULL", i=inv)
    cart_ids = [c["cart_id"] for c in carts]
    payments = await _scalar(container, "SELECT count(*) FROM payment WHERE cart_id = ANY(:c)", c=cart_ids)
    linked = await _scalar(container, "SELECT count(*) FROM order_cart WHERE cart_id = ANY(:c)", c=cart_ids)
    assert level == 0 and reservations == 5 and payments == 5 and linked == 5


async def test_same_cart_completed_concurrently_gives_one_order(client: httpx.AsyncClient,
                                                                container: Container) -> None:
    shop = await make_shop(container, prices=[15], stock=10)
    cart = await checkout_cart(client, shop, qty=2)
    results = await asyncio.gather(*[
        client.post(f"/store/carts/{cart['cart_id']}/complete", headers=shop.headers) for _ in range(5)])
    ids = {r.json()["order"]["id"] for r in results}
    assert all(r.status_code == 200 for r in results) and len(ids) == 1
    assert await _scalar(container, "SELECT count(*) FROM order_cart WHERE cart_id = :c", c=cart["cart_id"]) == 1
    assert await _scalar(container, "SELECT count(*) FROM payment WHERE cart_id = :c", c=cart["cart_id"]) == 1
    assert await _scalar(container, "SELECT reserved_quantity FROM inventory_level WHERE inventory_item_id = :i",
                         i=shop.variants[0].inventory_item_id) == 2
    again = await client.post(f"/store/carts/{cart['cart_id']}/complete", headers=shop.headers)
    assert again.json()["order"]["id"] in ids


class DecliningProvider(PaymentProvider):
    """A provider whose authorisations are always declined."""

    identifier = "decline"

    async def initiate_payment(self, *, amount: Decimal, currency_code: str, context: dict[str, Any],
                               data: dict[str, Any]) -> ProviderResult:
        return ProviderResult(status="pending", data={"intent": "pi_test"})

    async def authorize_payment(self, *, data: dict[str, Any], context: dict[str, Any]) -> ProviderResult:
        return ProviderResult(status="error", data=data)

    async def cancel_payment(self, *, data: dict[str, Any]) -> dict[str, Any]:
        return data


async def test_declined_payment_answers_cart_and_leaves_nothing(client: httpx.AsyncClient,
                                                                container: Container) -> None:
    register_provider("pp_decline_test", DecliningProvider())
    shop = await make_shop(container, prices=[40], stock=3)
    async with container.database().transaction() as conn:
        await conn.execute(text("INSERT INTO payment_provider (id, is_enabled) VALUES ('pp_decline_test', true) "
                                "ON CONFLICT DO NOTHING"))
        await conn.execute(insert(region_payment_provider).values(
            id=generate_id("regpp"), region_id=shop.region_id, payment_provider_id="pp_decline_test"))
    cart = await checkout_cart(client, shop)
    r = await client.post(f"/store/payment-collections/{cart['id']}/payment-sessions",
                          json={"provider_id": "pp_decline_test"}, headers=shop.headers)
    assert [s["provider_id"] for s in r.json()["payment_collection"]["payment_sessions"]] == ["pp_decline_test"]
    r = await client.post(f"/store/carts/{cart['cart_id']}/complete", headers=shop.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "cart" and body["cart"]["id"] == cart["cart_id"]
    assert body["error"]["type"] == "payment_authorization_error" and body["error"]["message"]
    assert await _scalar(container, "SELECT reserved_quantity FROM inventory_level WHERE inventory_item_id = :i",
                         i=shop.variants[0].inventory_item_id) == 0
    assert await _scalar(container, "SELECT count(*) FROM reservation_item WHERE inventory_item_id = :i "
                                    "AND deleted_at IS NULL", i=shop.variants[0].inventory_item_id) == 0
    assert await _scalar(container, "SELECT count(*) FROM payment WHERE cart_id = :c", c=cart["cart_id"]) == 0
    assert await _scalar(container, "SELECT count(*) FROM order_cart WHERE cart_id = :c", c=cart["cart_id"]) == 0
    assert await _scalar(container, "SELECT completed_at IS NULL FROM cart WHERE id = :c", c=cart["cart_id"])
    # the customer may retry with another provider and succeed
    await client.post(f"/store/payment-collections/{cart['id']}/payment-sessions",
                      json={"provider_id": "pp_system_default"}, headers=shop.headers)
    r = await client.post(f"/store/carts/{cart['cart_id']}/complete", headers=shop.headers)
    assert r.json()["type"] == "order"


async def test_unknown_provider_is_404(client: httpx.AsyncClient, container: Container) -> None:
    shop = await make_shop(container, prices=[5])
    cart = await checkout_cart(client, shop)
    r = await client.post(f"/store/payment-collections/{cart['id']}/payment-sessions",
                          json={"provider_id": "pp_nope"}, headers=shop.headers)
    assert r.status_code == 404
    r = await client.post("/store/payment-collections", json={"cart_id": "cart_nope"}, headers=shop.headers)
    assert r.status_code == 404
    # a second create returns the cart's existing collection
    r = await client.post("/store/payment-collections", json={"cart_id": cart["cart_id"]}, headers=shop.headers)
    assert r.json()["payment_collection"]["id"] == cart["id"]
    assert payment_provider is not None


async def test_create_order_lock_sees_the_order_of_a_completion_it_waited_for(client: httpx.AsyncClient,
                                                                              container: Container) -> None:
    """When create-order's lock waits for another completion of the same cart (the distributed lock expired), the
    locked row is the completed one and the order placed meanwhile is found: no second order."""
    from sqlalchemy import func, select, update

    from euryale.flows.cart import mutations
    from euryale.links import service as links
    from euryale.modules.cart.models import cart

    shop = await make_shop(container)
    cart_id = (await client.post("/store/carts", json={"region_id": shop.region_id},
                                 headers=shop.headers)).json()["cart"]["id"]
    db = container.database()
    waiting = asyncio.Event()

    async def second_completion() -> dict[str, Any]:
        async with db.transaction() as conn:
            waiting.set()
            return await mutations.cart_to_order(conn, cart_id=cart_id)

    placed = generate_id("order")
    async with db.transaction() as first:
        await first.execute(select(cart.c.id).where(cart.c.id == cart_id).with_for_update())
        task = asyncio.create_task(second_completion())
        await waiting.wait()
        for _ in range(50):  # until the second transaction waits for our row lock
            waits = (await first.execute(text(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"))).scalar()
            if waits:
                break
            await asyncio.sleep(0.02)
        assert waits, "the second completion never waited for the lock"
        await links.insert_new_links(first, "order_cart", [(placed, cart_id)])
        await first.execute(update(cart).where(cart.c.id == cart_id).values(completed_at=func.now()))
    seen = await task
    assert seen["order_id"] == placed and seen["completed_at"] is not None
