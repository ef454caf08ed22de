"""Admin price lists and preferences, seen through the store's calculated prices."""

from __future__ import annotations

import httpx

from euryale.config import EuryaleConfig
from euryale.container import Container
from tests.support.catalog import admin_headers, channel_with_key, create_product, make_region, product_body, unique


async def test_sale_price_list_then_override_and_removal(client: httpx.AsyncClient, config: EuryaleConfig,
                                                         container: Container) -> None:
    h = admin_headers(config)
    sc_ids, token, _ = await channel_with_key(container)
    pk = {"x-publishable-api-key": token}
    region_id = await make_region(container, "eur")
    product = await create_product(client, h, product_body(sc_ids, eur=20))
    variant = next(v for v in product["variants"] if v["title"] == "S")
    res = await client.post("/admin/price-lists", headers=h, params={"fields": "+prices"}, json={
        "title": unique("Sale"), "description": "Black Friday", "status": "active", "type": "sale",
        "prices": [{"currency_code": "eur", "amount": 15, "variant_id": variant["id"]}]})
    assert res.status_code == 200, res.text
    pl = res.json()["price_list"]
    # Medusa 2.21.2's default keys: no prices (asked for above), no rules_count
    res = await client.get(f"/admin/price-lists/{pl['id']}", headers=h)
    assert set(res.json()["price_list"]) == {"id", "title", "description", "status", "type", "starts_at", "ends_at",
                                             "metadata", "created_at", "updated_at", "deleted_at", "rules"}
    assert pl["type"] == "sale" and pl["prices"][0]["amount"] == 15 and pl["prices"][0]["variant_id"] == variant["id"]
    res = await client.get("/admin/products", params={"price_list_id[]": [pl["id"]], "fields": "id"}, headers=h)
    assert res.json()["products"] == [{"id": product["id"]}]

    async def store_price() -> dict[str, object]:
        r = await client.get(f"/store/products/{product['id']}", params={"region_id": region_id}, headers=pk)
        v = next(x for x in r.json()["product"]["variants"] if x["id"] == variant["id"])
        cp: dict[str, object] = v["calculated_price"]
        return cp

    cp = await store_price()
    assert (cp["calculated_amount"], cp["original_amount"], cp["is_calculated_price_price_list"]) == (15, 20, True)
    res = await client.post(f"/admin/price-lists/{pl['id']}", json={"type": "override"}, headers=h)
    assert res.status_code == 200
    cp = await store_price()
    assert (cp["calculated_amount"], cp["original_amount"]) == (15, 15)
    res = await client.post(f"/admin/price-lists/{pl['id']}", json={"status": "draft"}, headers=h)
    cp = await store_price()
    assert cp["calculated_amount"] == 20
    await client.post(f"/admin/price-lists/{pl['id']}", json={"status": "active"}, headers=h)
    res = await client.post(f"/admin/price-lists/{pl['id']}/prices/batch", headers=h, json={
        "update": [{"id": pl["prices"][0]["id"], "amount": 12}]})
    assert res.status_code == 200 and res.json()["updated"][0]["amount"] == 12
    [updated] = res.json()["updated"]  # the batch answers Medusa 2.21.2's price shape
    assert updated["price_set"] == {"id": updated["price_set_id"], "variant": {"id": variant["id"]}}
    assert updated["price_rules"] == [] and "variant_id" not in updated and "rules" not in updated
    assert (await store_price())["calculated_amount"] == 12
    res = await client.post(f"/admin/price-lists/{pl['id']}/products", json={"remove": [product["id"]]}, headers=h,
                            params={"fields": "*prices"})
    assert res.status_code == 200 and res.json()["price_list"]["prices"] == []
    assert (await store_price())["calculated_amount"] == 20
    res = await client.get(f"/admin/price-lists/{pl['id']}/prices", headers=h)
    assert res.status_code == 200 and res.json()["prices"] == []
    assert (await client.delete(f"/admin/price-lists/{pl['id']}", headers=h)).json()["deleted"] is True
    assert (await client.get(f"/admin/price-lists/{pl['id']}", headers=h)).status_code == 404


async def test_price_list_validation(client: httpx.AsyncClient, config: EuryaleConfig) -> None:
    h = admin_headers(config)
    res = await client.post("/admin/price-lists", json={"title": "x"}, headers=h)
    assert res.status_code == 400 and "description" in res.json()["message"]
    res = await client.post("/admin/price-lists", json={"title": "x", "description": "y", "type": "bogus"}, headers=h)
    assert res.status_code == 400
    res = await client.post("/admin/price-lists", headers=h, json={
        "title": "x", "description": "y", "prices": [{"currency_code": "eur", "amount": 1, "variant_id": "variant_no"}]})
    assert res.status_code == 400 and res.json()["type"] == "invalid_data"


async def test_price_preferences_crud(client: httpx.AsyncClient, config: EuryaleConfig) -> None:
    h = admin_headers(config)
    value = unique("reg")
    res = await client.post("/admin/price-preferences", headers=h,
                            json={"attribute": "region_id", "value": value, "is_tax_inclusive": True})
    assert res.status_code == 200, res.text
    pref = res.json()["price_preference"]
    assert pref["is_tax_inclusive"] is True
    res = await client.post("/admin/price-preferences", headers=h, json={"attribute": "region_id", "value": value})
    assert res.status_code == 422
    res = await client.post(f"/admin/price-preferences/{pref['id']}", json={"is_tax_inclusive": False}, headers=h)
    assert res.json()["price_preference"]["is_tax_inclusive"] is False
    res = await client.get("/admin/price-preferences", params={"value": value}, headers=h)
    assert res.json()["count"] == 1
    assert (await client.delete(f"/admin/price-preferences/{pref['id']}", headers=h)).status_code == 200
    assert (await client.delete(f"/admin/price-preferences/{pref['id']}", headers=h)).status_code == 404


async def test_customer_group_price_list_applies_to_logged_in_member(client: httpx.AsyncClient,
                                                                     config: EuryaleConfig,
                                                                     container: Container) -> None:
    from sqlalchemy import insert

    from euryale.http.auth import AuthContext, issue_token
    from euryale.ids import generate_id
    from euryale.modules.customer.models import customer, customer_group, customer_group_customer

    h = admin_headers(config)
    sc_ids, token, _ = await channel_with_key(container)
    region_id = await make_region(container, "eur")
    product = await create_product(client, h, product_body(sc_ids, eur=30))
    variant = next(v for v in product["variants"] if v["title"] == "S")
    cus_id, group_id = generate_id("cus"), generate_id("cusgroup")
    async with container.database().transaction() as conn:
        await conn.execute(insert(customer).values(id=cus_id, email=unique("vip") + "@x.test", has_account=True))
        await conn.execute(insert(customer_group).values(id=group_id, name=unique("VIP")))
        await conn.execute(insert(customer_group_customer).values(id=generate_id("cusgc"), customer_id=cus_id,
                                                                  customer_group_id=group_id))
    res = await client.post("/admin/price-lists", headers=h, json={
        "title": unique("VIP"), "description": "members", "status": "active",
        "rules": {"customer_group_id": [group_id]},
        "prices": [{"currency_code": "eur", "amount": 21, "variant_id": variant["id"]}]})
    assert res.status_code == 200, res.text
    assert res.json()["price_list"]["rules"] == {"customer_group_id": [group_id]}
    member = issue_token(config, AuthContext(actor_id=cus_id, actor_type="customer", auth_identity_id="authid_x"))

    async def price(headers: dict[str, str]) -> object:
        r = await client.get(f"/store/products/{product['id']}", params={"region_id": region_id},
                             headers={"x-publishable-api-key": token, **headers})
        assert r.status_code == 200, r.text
        return next(v for v in r.json()["product"]["variants"] if v["id"] == variant["id"])["calculated_price"][
            "calculated_amount"]

    assert await price({}) == 30
    assert await price({"Authorization": f"Bearer {member}"}) == 21
