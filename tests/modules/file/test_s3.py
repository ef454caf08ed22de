"""S3 provider: SigV4 matches AWS's published example; uploads are signed PUTs the store accepts."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from euryale.modules.file.service import S3FileProvider
from euryale.modules.file.sigv4 import presign_url, sign_request


def test_sigv4_matches_aws_get_object_example() -> None:
    # AWS documentation, "Signature Calculations for the Authorization Header", example GET Object
    headers = sign_request(method="GET", url="https://examplebucket.s3.amazonaws.com/test.txt",
                           headers={"Range": "bytes=0-9"}, body=b"", region="us-east-1", service="s3",
                           access_key="AKIAIOSFODNN7EXAMPLE",
                           secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                           now=datetime(2013, 5, 24, tzinfo=UTC))
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")


async def test_s3_upload_and_delete_send_signed_requests() -> None:
    seen: list[httpx.Request] = []
    stored: dict[str, bytes] = {}

    def store(request: httpx.Request) -> httpx.Response:
        # a minimal S3-compatible endpoint: refuses unsigned requests, keeps objects in memory
        seen.append(request)
        if not request.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 Credential=key/"):
            return httpx.Response(403)
        key = request.url.path
        if request.method == "PUT":
            stored[key] = request.content
            return httpx.Response(200)
        if request.method == "DELETE":
            stored.pop(key, None)
            return httpx.Response(204)
        if key not in stored:
            return httpx.Response(404)
        return httpx.Response(200, content=stored[key] if request.method == "GET" else b"")

    provider = S3FileProvider(bucket="shop", region="eu-west-1", access_key_id="key", secret_access_key="secret",
                              endpoint="http://minio.local:9000", file_url="https://cdn.example.com",
                              transport=httpx.MockTransport(store))
    f = await provider.upload(filename="a b.png", content=b"img", mime_type="image/png")
    assert f.url == f"https://cdn.example.com/{f.id}" and f.id.endswith("a-b.png")
    assert stored[f"/shop/{f.id}"] == b"img"
    assert seen[0].headers["x-amz-content-sha256"] == (
        "b29814cf5792e684cd75d6a7fce7a67a11887e312f87ca2ac2496d81f365ff72")
    assert (await provider.retrieve(file_id=f.id)).id == f.id
    assert await provider.download(file_id=f.id) == b"img"
    url, key = provider.presigned_upload(filename="c.csv")
    assert url.startswith(f"http://minio.local:9000/shop/{key}?X-Amz-Algorithm=AWS4-HMAC-SHA256")
    await provider.delete(file_id=f.id)
    assert stored == {}


def test_presigned_url_matches_aws_example() -> None:
    # AWS documentation, "Authenticating Requests: Using Query Parameters", example presigned GET
    url = presign_url(method="GET", url="https://examplebucket.s3.amazonaws.com/test.txt", region="us-east-1",
                      service="s3", access_key="AKIAIOSFODNN7EXAMPLE",
                      secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", expires=86400,
                      now=datetime(2013, 5, 24, tzinfo=UTC))
    assert url.endswith("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    assert "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" in url
