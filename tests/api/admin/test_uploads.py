"""Admin uploads with the local provider: upload, serve at /static, read, delete."""

from __future__ import annotations

from pathlib import Path

import httpx

from euryale.container import Container
from tests.api.admin.order_factory import admin_headers, local_files


async def test_upload_serve_retrieve_delete(client: httpx.AsyncClient, container: Container, tmp_path: Path) -> None:
    h = admin_headers(container)
    with local_files(container, tmp_path, upload_dir="files", backend_url="http://test/static"):
        await _upload_serve_retrieve_delete(client, h, tmp_path)


async def _upload_serve_retrieve_delete(client: httpx.AsyncClient, h: dict[str, str], tmp_path: Path) -> None:
    files = [("files", ("mug photo.png", b"\x89PNG-fake", "image/png")), ("files", ("b.txt", b"hello", "text/plain"))]
    res = await client.post("/admin/uploads", files=files, headers=h)
    assert res.status_code == 200, res.text
    uploaded = res.json()["files"]
    assert len(uploaded) == 2 and uploaded[0]["id"].endswith("mug-photo.png")
    assert uploaded[0]["url"] == f"http://test/static/{uploaded[0]['id']}"
    assert (tmp_path / "files" / uploaded[1]["id"]).read_bytes() == b"hello"

    res = await client.get(f"/static/{uploaded[1]['id']}")
    assert res.status_code == 200 and res.content == b"hello"
    assert (await client.get("/static/../../etc/passwd")).status_code == 404
    res = await client.get(f"/admin/uploads/{uploaded[0]['id']}", headers=h)
    assert res.json() == {"file": uploaded[0]}

    res = await client.delete(f"/admin/uploads/{uploaded[0]['id']}", headers=h)
    assert res.json() == {"id": uploaded[0]["id"], "object": "file", "deleted": True}
    assert not (tmp_path / "files" / uploaded[0]["id"]).exists()
    assert (await client.get(f"/admin/uploads/{uploaded[0]['id']}", headers=h)).status_code == 404
    assert (await client.post("/admin/uploads", files=files)).status_code == 401
    res = await client.post("/admin/uploads", data={"x": "1"}, headers=h)
    assert res.status_code == 400


async def test_presigned_url_local_points_back_to_uploads(client: httpx.AsyncClient, container: Container,
                                                          tmp_path: Path) -> None:
    h = admin_headers(container)
    with local_files(container, tmp_path):
        res = await client.post("/admin/uploads/presigned-urls", headers=h,
                                json={"originalname": "products.csv", "mime_type": "text/csv", "size": 120})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["url"] == "/admin/uploads" and body["filename"].endswith("products.csv")
    assert (body["extension"], body["size"], body["mime_type"], body["originalname"]) == (
        "csv", 120, "text/csv", "products.csv")
    res = await client.post("/admin/uploads/presigned-urls", headers=h, json={"originalname": "x.csv"})
    assert res.status_code == 400
