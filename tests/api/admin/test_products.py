"""Admin products: create/update/delete shapes (as Medusa's samples), variants, prices, validation, events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select

from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.events.outbox import event_outbox
from euryale.ids import generate_id
from euryale.modules.fulfillment.models import shipping_profile
from tests.support.catalog import admin_headers, channel_with_key, create_product, product_body, unique

SAMPLES = Path("/work/shared/medusa-contract/samples/admin")


def _shape(value: Any) -> Any:
    """Keys (recursively, first element of lists) of a JSON value: what wire compatibility is about."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


def _keys_missing(expected: Any, got: Any, path: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(expected, dict) and isinstance(got, dict):
        for k, v in expected.items():
            if k not in got:
                out.append(f"{path}.{k}")
            else:
                out += _keys_missing(v, got[k], f"{path}.{k}")
    elif isinstance(expected, list) and isinstance(got, list) and expected and got:
        out += _keys_missing(expected[0], got[0], path + "[]")
    return out


async def test_create_product_matches_medusa_sample(client: httpx.AsyncClient, config: EuryaleConfig,
                                                    container: Container) -> None:
    sample = json.loads((SAMPLES / "055-POST_admin_products.json").read_text())
    sc_ids, _, _ = await channel_with_key(container)
    profile_id = generate_id("sp")
    async with container.database().transaction() as conn:
        await conn.execute(insert(shipping_profile).values(id=profile_id, name=unique("sp"), type="custom"))
    body = dict(sample["request"])
    suffix = unique("x")
    body.update(title=body["title"] + suffix, handle=body["handle"] + suffix, shipping_profile_id=profile_id,
                sales_channels=[{"id": sc_ids[0]}])
    body["variants"] = [{**v, "sku": v["sku"] + suffix} for v in body["variants"]]
    res = await client.post("/admin/products", json=body, headers=admin_headers(config))
    assert res.status_code == sample["status"], res.text
    got = res.json()
    assert _keys_missing(_shape(sample["response"]), _shape(got)) == []
    product = got["product"]
    prices = {(p["currency_code"], p["amount"]) for v in product["variants"] for p in v["prices"]}
    assert prices == {("eur", 12.5), ("usd", 14), ("eur", 17.25), ("usd", 19)}
    assert product["status"] == "published" and product["sales_channels"][0]["id"] == sc_ids[0]
    async with container.database().read() as conn:
        names = [r.name for r in await conn.execute(select(event_outbox.c.name).where(
            event_outbox.c.data["id"].astext == product["id"]))]
    assert "product.created" in names


async def test_update_list_and_delete_like_medusa(client: httpx.AsyncClient, config: EuryaleConfig,
                                                  container: Container) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    product = await create_product(client, h, product_body(sc_ids))
    res = await client.post(f"/admin/products/{product['id']}", json={"title": product["title"] + " v2"}, headers=h)
    assert res.status_code == 200 and res.json()["product"]["title"].endswith(" v2")
    res = await client.get("/admin/products", params={"q": product["title"][-12:], "fields": "id,title,*variants"},
                           headers=h)
    body = res.json()
    assert body["count"] == 1 and set(body["products"][0]) == {"id", "title", "variants"}
    res = await client.delete(f"/admin/products/{product['id']}", headers=h)
    assert res.json() == {"id": product["id"], "object": "product", "deleted": True}
    assert (await client.get(f"/admin/products/{product['id']}", headers=h)).status_code == 404
    # deleting again is a 200 in Medusa 2.21.2 (checked on the reference server)
    assert (await client.delete(f"/admin/products/{product['id']}", headers=h)).status_code == 200


async def test_validation_and_conflicts(client: httpx.AsyncClient, config: EuryaleConfig,
                                        container: Container) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    res = await client.post("/admin/products", json={"status": "published"}, headers=h)
    assert res.status_code == 400 and res.json()["message"] == "Invalid request: Field 'title' is required"
    res = await client.post("/admin/products", json={"title": "x", "status": "live", "foo": 1}, headers=h)
    assert res.status_code == 400
    msg = res.json()["message"]
    assert "Unrecognized fields: 'foo'" in msg and "for field 'status'" in msg
    first = await create_product(client, h, product_body(sc_ids))
    dup = product_body(sc_ids, handle=first["handle"])
    res = await client.post("/admin/products", json=dup, headers=h)
    assert res.status_code == 422 and res.json()["type"] == "duplicate_error"
    dup_sku = product_body(sc_ids)
    dup_sku["variants"][0]["sku"] = first["variants"][0]["sku"]
    res = await client.post("/admin/products", json=dup_sku, headers=h)
    assert res.status_code == 422
    res = await client.post("/admin/products", json=product_body(["sc_missing"]), headers=h)
    assert res.status_code == 404
    bad_option = product_body(sc_ids)
    bad_option["variants"][0]["options"] = {"Size": "XXL"}
    res = await client.post("/admin/products", json=bad_option, headers=h)
    assert res.status_code == 400 and res.json()["type"] == "invalid_data"
    assert (await client.get("/admin/products/prod_missing", headers=h)).status_code == 404


async def test_variants_routes_and_prices(client: httpx.AsyncClient, config: EuryaleConfig,
                                          container: Container) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    product = await create_product(client, h, product_body(sc_ids))
    pid = product["id"]
    small = next(v for v in product["variants"] if v["title"] == "S")
    res = await client.post(f"/admin/products/{pid}/variants/{small['id']}", headers=h,
                            json={"prices": [{"currency_code": "eur", "amount": 99}]})
    assert res.status_code == 200, res.text
    updated = next(v for v in res.json()["product"]["variants"] if v["id"] == small["id"])
    assert [(p["currency_code"], p["amount"]) for p in updated["prices"]] == [("eur", 99)]
    res = await client.get(f"/admin/products/{pid}/variants", headers=h)
    assert res.json()["count"] == 2
    # Medusa 2.21.2's defaults here: no product, no images, each option value's option as {id}
    listed = res.json()["variants"][0]
    assert "product" not in listed and "images" not in listed and "prices" in listed
    assert listed["options"] and all(v["option"] == {"id": v["option_id"]} for v in listed["options"])
    res = await client.get(f"/admin/products/{pid}/variants", headers=h, params={"fields": "*options.option"})
    assert all(v["option"]["title"] for v in res.json()["variants"][0]["options"])
    res = await client.post(f"/admin/products/{pid}/variants/batch", headers=h, json={
        "create": [{"title": "Extra", "sku": unique("SKU"), "prices": [{"currency_code": "usd", "amount": 5}]}],
        "delete": [small["id"]]})
    assert res.status_code == 200, res.text
    body = res.json()
    assert len(body["created"]) == 1 and body["deleted"]["ids"] == [small["id"]]
    res = await client.delete(f"/admin/products/{pid}/variants/{body['created'][0]['id']}", headers=h)
    assert res.status_code == 200 and res.json()["parent"]["id"] == pid
    res = await client.get(f"/admin/products/{pid}/variants/{small['id']}", headers=h)
    assert res.status_code == 404
    res = await client.get("/admin/product-variants", params={"product_id": pid}, headers=h)
    assert res.json()["count"] == 1
    [listed] = res.json()["variants"]  # this route's defaults add the product, its type/collection as refs
    assert listed["product"]["id"] == pid and "type" in listed["product"] and "collection" in listed["product"]


async def test_managed_variants_get_inventory_items(client: httpx.AsyncClient, config: EuryaleConfig,
                                                    container: Container) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    product = await create_product(client, h, product_body(sc_ids))
    variant = product["variants"][0]
    res = await client.get(f"/admin/products/{product['id']}/variants/{variant['id']}",
                           params={"fields": "id,*inventory_items"}, headers=h)
    assert res.status_code == 200, res.text
    links = res.json()["variant"]["inventory_items"]
    assert len(links) == 1 and links[0]["required_quantity"] == 1
    assert links[0]["inventory"]["sku"] == variant["sku"]
    item_id = links[0]["inventory_item_id"]
    res = await client.post(f"/admin/products/{product['id']}/variants/{variant['id']}/inventory-items/{item_id}",
                            json={"required_quantity": 2}, headers=h)
    assert res.status_code == 200
    res = await client.get(f"/admin/products/{product['id']}/variants/{variant['id']}",
                           params={"fields": "id,*inventory_items"}, headers=h)
    assert res.json()["variant"]["inventory_items"][0]["required_quantity"] == 2
    res = await client.delete(f"/admin/products/{product['id']}/variants/{variant['id']}/inventory-items/{item_id}",
                              headers=h)
    assert res.status_code == 200 and res.json()["parent"]["id"] == variant["id"]


async def test_variant_images(client: httpx.AsyncClient, config: EuryaleConfig, container: Container) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    product = await create_product(client, h, product_body(sc_ids, images=[{"url": "https://x.test/a.png"},
                                                                           {"url": "https://x.test/b.png"}]))
    assert [i["rank"] for i in product["images"]] == [0, 1] and product["thumbnail"] == "https://x.test/a.png"
    image_id = product["images"][1]["id"]
    variant_id = product["variants"][0]["id"]
    res = await client.post(f"/admin/products/{product['id']}/variants/{variant_id}/images/batch",
                            json={"add": [image_id]}, headers=h)
    assert res.status_code == 200, res.text
    res = await client.get(f"/admin/products/{product['id']}", headers=h)
    variant = next(v for v in res.json()["product"]["variants"] if v["id"] == variant_id)
    assert [i["id"] for i in variant["images"]] == [image_id]
    res = await client.post(f"/admin/products/{product['id']}/images/{image_id}/variants/batch",
                            json={"remove": [variant_id]}, headers=h)
    assert res.status_code == 200
    res = await client.post(f"/admin/products/{product['id']}/images/img_nope/variants/batch",
                            json={"add": [variant_id]}, headers=h)
    assert res.status_code == 404


async def test_bad_amounts_are_400(client: httpx.AsyncClient, config: EuryaleConfig, container: Container) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    for amount in ("NaN", -1, "abc", "Infinity"):
        body = product_body(sc_ids)
        body["variants"][0]["prices"][0]["amount"] = amount
        res = await client.post("/admin/products", json=body, headers=h)
        assert res.status_code == 400, (amount, res.text)
        assert res.json()["type"] == "invalid_data"


async def test_update_options_then_add_variant_with_new_value(client: httpx.AsyncClient, config: EuryaleConfig,
                                                              container: Container) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    product = await create_product(client, h, product_body(sc_ids))
    res = await client.post(f"/admin/products/{product['id']}", headers=h, json={
        "options": [{"title": "Size", "values": ["S", "M", "L"]}, {"title": "Fit", "values": ["Slim"]}]})
    assert res.status_code == 200, res.text
    opts = {o["title"]: sorted(v["value"] for v in o["values"]) for o in res.json()["product"]["options"]}
    assert opts == {"Size": ["L", "M", "S"], "Fit": ["Slim"]}
    res = await client.post(f"/admin/products/{product['id']}/variants", headers=h, json={
        "title": "L", "sku": unique("SKU"), "options": {"Size": "L", "Fit": "Slim"},
        "prices": [{"currency_code": "eur", "amount": 20}]})
    assert res.status_code == 200, res.text
    assert len(res.json()["product"]["variants"]) == 3


async def test_or_filters(client: httpx.AsyncClient, config: EuryaleConfig, container: Container) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    a = await create_product(client, h, product_body(sc_ids))
    b = await create_product(client, h, product_body(sc_ids))
    res = await client.get("/admin/products", headers=h, params={
        "$or[0][handle]": a["handle"], "$or[1][title]": b["title"], "fields": "id", "order": "created_at"})
    assert res.status_code == 200, res.text
    assert [p["id"] for p in res.json()["products"]] == [a["id"], b["id"]]
    res = await client.get("/admin/products", headers=h, params={"$or": "x"})
    assert res.status_code == 400
