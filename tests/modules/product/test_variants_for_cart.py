"""retrieve_variants_for_cart: everything a line item needs, for live variants only, set-based."""

from __future__ import annotations

import httpx

from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.modules.product.service import retrieve_variants_for_cart
from tests.support.catalog import admin_headers, channel_with_key, create_product, product_body, unique


async def test_variants_for_cart(client: httpx.AsyncClient, config: EuryaleConfig, container: Container) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    tag = (await client.post("/admin/product-tags", json={"value": unique("tag")}, headers=h)).json()["product_tag"]
    typ = (await client.post("/admin/product-types", json={"value": unique("type")}, headers=h)).json()["product_type"]
    product = await create_product(client, h, product_body(sc_ids, tags=[{"id": tag["id"]}], type_id=typ["id"],
                                                           subtitle="Sub", description="Desc"))
    ids = [v["id"] for v in product["variants"]]
    async with container.database().read() as conn:
        got = await retrieve_variants_for_cart(conn, variant_ids=[*ids, "variant_missing"])
    assert set(got) == set(ids)
    v = got[ids[0]]
    assert v["sku"] and v["manage_inventory"] is True and v["requires_shipping"] is True
    assert v["price_set_id"].startswith("pset_") and v["sales_channel_ids"] == sc_ids
    assert v["options"][0]["option"]["title"] == "Size"
    p = v["product"]
    assert (p["id"], p["title"], p["subtitle"], p["description"]) == (product["id"], product["title"], "Sub", "Desc")
    assert p["type"] == {"id": typ["id"], "value": typ["value"]} and p["tags"] == [{"id": tag["id"],
                                                                                       "value": tag["value"]}]
    assert p["is_discountable"] is True and p["is_giftcard"] is False and p["collection"] is None
    await client.delete(f"/admin/products/{product['id']}", headers=h)
    async with container.database().read() as conn:
        assert await retrieve_variants_for_cart(conn, variant_ids=ids) == {}
