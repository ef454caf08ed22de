"""Product CSV export (background workflow + file) and import (summary, confirmation, create + update)."""

from __future__ import annotations

import asyncio

import httpx

from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.flows import product_csv
from euryale.modules.file import file_service
from tests.support.catalog import admin_headers, channel_with_key, create_product, product_body, unique


async def test_export_writes_a_csv_with_one_row_per_variant(client: httpx.AsyncClient, config: EuryaleConfig,
                                                            container: Container) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    product = await create_product(client, h, product_body(sc_ids, eur=10, usd=12))
    res = await client.post("/admin/products/export", params={"id[]": [product["id"]]}, headers=h)
    assert res.status_code == 202, res.text
    tx = res.json()["transaction_id"]
    await asyncio.gather(*list(product_csv._background))
    result = await container.resolve("workflows").run("export-products", transaction_id=tx)
    file = result.result["file"]
    content = (await file_service(container).download(file_id=file["id"])).decode()
    await file_service(container).delete(file_id=file["id"])
    lines = content.strip().splitlines()
    assert lines[0].startswith("Product Id,Product Handle,Product Title")
    assert "Variant Price EUR" in lines[0] and "Variant Option 1 Name" in lines[0]
    assert len(lines) == 3 and all(product["id"] in line for line in lines[1:])


async def test_import_summary_confirm_create_and_update(client: httpx.AsyncClient, config: EuryaleConfig,
                                                        container: Container) -> None:
    h = admin_headers(config)
    sc_ids, _, _ = await channel_with_key(container)
    existing = await create_product(client, h, product_body(sc_ids))
    handle = unique("imported")
    sku = unique("SKU").upper()
    csv_text = (
        "Product Id,Product Handle,Product Title,Product Status,Product Tag 1,Product Sales Channel 1,"
        "Variant Id,Variant Title,Variant SKU,Variant Price EUR,Variant Option 1 Name,Variant Option 1 Value\n"
        f",{handle},Imported Tee,published,{unique('tag')},{sc_ids[0]},,Small,{sku}-S,9.5,Size,S\n"
        f",{handle},Imported Tee,published,,{sc_ids[0]},,Large,{sku}-L,11,Size,L\n"
        f"{existing['id']},{existing['handle']},Renamed by CSV,published,,,,,,,,\n"
    )
    res = await client.post("/admin/products/import", headers=h,
                            files={"file": ("products.csv", csv_text.encode(), "text/csv")})
    assert res.status_code == 202, res.text
    body = res.json()
    assert body["summary"] == {"toCreate": 1, "toUpdate": 1}
    res = await client.get("/admin/products", params={"handle": handle}, headers=h)
    assert res.json()["count"] == 0  # nothing happens before confirmation
    res = await client.post(f"/admin/products/import/{body['transaction_id']}/confirm", headers=h)
    assert res.status_code == 202, res.text
    res = await client.get("/admin/products", params={"handle": handle}, headers=h)
    created = res.json()["products"]
    assert len(created) == 1 and created[0]["title"] == "Imported Tee"
    prices = sorted(p["amount"] for v in created[0]["variants"] for p in v["prices"])
    assert prices == [9.5, 11] and {o["title"] for o in created[0]["options"]} == {"Size"}
    res = await client.get(f"/admin/products/{existing['id']}", headers=h)
    assert res.json()["product"]["title"] == "Renamed by CSV"


async def test_import_rejects_bad_csv(client: httpx.AsyncClient, config: EuryaleConfig) -> None:
    h = admin_headers(config)
    for text in ("nothing,useful\n1,2\n", "Product Id,Product Title\nprod_missing,X\n",
                 "Product Handle,Product Title,Variant Title,Variant Price EUR\nh,T,V,abc\n"):
        res = await client.post("/admin/products/import", headers=h,
                                files={"file": ("p.csv", text.encode(), "text/csv")})
        assert res.status_code == 400, (text, res.text)
        assert res.json()["type"] == "invalid_data"
    res = await client.post("/admin/products/import/tx_unknown/confirm", headers=h)
    assert res.status_code in (400, 404)
