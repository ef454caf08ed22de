"""Line item prices in the cart's pricing context: a customer group price list applies to its members' carts (the
groups come with the locked cart row, the candidate prices with the variant read)."""

from __future__ import annotations

import httpx
from sqlalchemy import insert

from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.http.auth import AuthContext, issue_token
from euryale.ids import generate_id
from euryale.modules.customer.models import customer, customer_group, customer_group_customer
from tests.support.catalog import admin_headers, unique
from tests.support.commerce import make_shop


async def test_group_price_list_prices_a_member_cart_and_not_a_guest_cart(client: httpx.AsyncClient,
                                                                          config: EuryaleConfig,
                                                                          container: Container) -> None:
    shop = await make_shop(container, prices=[30, 40], tax_rate_percent=20)
    member_id, group_id = generate_id("cus"), generate_id("cusgroup")
    async with container.database().transaction() as conn:
        await conn.execute(insert(customer).values(id=member_id, email=unique("vip") + "@x.test", has_account=True))
        await conn.execute(insert(customer_group).values(id=group_id, name=unique("VIP")))
        await conn.execute(insert(customer_group_customer).values(id=generate_id("cusgc"), customer_id=member_id,
                                                                  customer_group_id=group_id))
    res = await client.post("/admin/price-lists", headers=admin_headers(config), json={
        "title": unique("VIP"), "description": "members", "status": "active",
        "rules": {"customer_group_id": [group_id]},
        "prices": [{"currency_code": "eur", "amount": 21, "variant_id": shop.variants[0].id}]})
    assert res.status_code == 200, res.text
    token = issue_token(config, AuthContext(actor_id=member_id, actor_type="customer", auth_identity_id="authid_x"))
    member = {**shop.headers, "authorization": f"Bearer {token}"}

    async def lines(headers: dict[str, str]) -> list[tuple[object, object]]:
        cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=headers)).json()["cart"]
        for v in shop.variants:
            r = await client.post(f"/store/carts/{cart['id']}/line-items", json={"variant_id": v.id, "quantity": 1},
                                  headers=headers)
            assert r.status_code == 200, r.text
        r = await client.post(f"/store/carts/{cart['id']}/line-items", json={"variant_id": shop.variants[0].id,
                                                                              "quantity": 2}, headers=headers)
        items = {i["variant_id"]: i for i in r.json()["cart"]["items"]}
        return [(items[v.id]["unit_price"], items[v.id]["compare_at_unit_price"]) for v in shop.variants]

    assert await lines(member) == [(21, 30), (40, None)]  # a sale list: the base price is the compare-at price
    assert await lines(shop.headers) == [(30, None), (40, None)]
    # a member's cart created as a guest and given to the member is re-priced with the member's groups
    cart = (await client.post("/store/carts", json={"region_id": shop.region_id}, headers=shop.headers)).json()["cart"]
    await client.post(f"/store/carts/{cart['id']}/line-items", json={"variant_id": shop.variants[0].id,
                                                                     "quantity": 1}, headers=shop.headers)
    r = await client.post(f"/store/carts/{cart['id']}/customer", headers=member)
    assert r.status_code == 200, r.text
    assert [(i["unit_price"], i["compare_at_unit_price"]) for i in r.json()["cart"]["items"]] == [(21, 30)]
