"""File service and providers (local disk, S3-compatible)."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from euryale.errors import invalid_data, not_found
from euryale.modules.file.sigv4 import presign_url, sign_request

LOCAL_NAMES = {"local", "file-local", "@medusajs/file-local", "@medusajs/medusa/file-local"}
S3_NAMES = {"s3", "file-s3", "@medusajs/file-s3", "@medusajs/medusa/file-s3"}

if TYPE_CHECKING:
    import httpx
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class StoredFile:
    id: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "url": self.url}


class FileProvider(Protocol):
    async def upload(self, *, filename: str, content: bytes, mime_type: str) -> StoredFile: ...

    async def download(self, *, file_id: str) -> bytes: ...

    def presigned_upload(self, *, filename: str) -> tuple[str, str]: ...

    async def delete(self, *, file_id: str) -> None: ...

    async def retrieve(self, *, file_id: str) -> StoredFile: ...


def file_key(filename: str) -> str:
    """A unique, URL-safe key keeping the original name readable: `<ms>-<rand>-<name>`."""
    base = _UNSAFE.sub("-", Path(filename or "file").name).strip("-") or "file"
    return f"{int(time.time() * 1000)}-{uuid.uuid4().hex[:8]}-{base}"


class LocalFileProvider:
    """Files on disk under `upload_dir`, served by the app at `/static/<key>`."""

    def __init__(self, *, upload_dir: Path, backend_url: str) -> None:
        self.upload_dir = upload_dir
        self.backend_url = backend_url.rstrip("/")

    def path_of(self, file_id: str) -> Path:
        """The file's path; refuses anything that would leave the upload directory."""
        root = self.upload_dir.resolve()
        path = (root / file_id).resolve()
        if root not in path.parents:
            raise not_found(f"File with id: {file_id} was not found")
        return path

    async def upload(self, *, filename: str, content: bytes, mime_type: str) -> StoredFile:
        key = file_key(filename)
        path = self.path_of(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)

        await asyncio.to_thread(write)
        return StoredFile(id=key, url=f"{self.backend_url}/{quote(key)}")

    async def delete(self, *, file_id: str) -> None:
        path = self.path_of(file_id)
        await asyncio.to_thread(path.unlink, True)

    async def download(self, *, file_id: str) -> bytes:
        path = self.path_of(file_id)
        if not path.is_file():
            raise not_found(f"File with id: {file_id} was not found")
        return await asyncio.to_thread(path.read_bytes)

    def presigned_upload(self, *, filename: str) -> tuple[str, str]:
        # no direct-to-disk upload: a relative URL tells the js-sdk to POST the file to /admin/uploads instead
        return "/admin/uploads", file_key(filename)

    async def retrieve(self, *, file_id: str) -> StoredFile:
        if not self.path_of(file_id).is_file():
            raise not_found(f"File with id: {file_id} was not found")
        return StoredFile(id=file_id, url=f"{self.backend_url}/{quote(file_id)}")


class S3FileProvider:
    """An S3-compatible bucket (AWS, MinIO, R2...), path-style requests signed with SigV4."""

    def __init__(self, *, bucket: str, region: str, access_key_id: str, secret_access_key: str,
                 endpoint: str | None = None, file_url: str | None = None, prefix: str = "",
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.bucket = bucket
        self.region = region
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.endpoint = (endpoint or f"https://s3.{region}.amazonaws.com").rstrip("/")
        self.file_url = (file_url or f"{self.endpoint}/{bucket}").rstrip("/")
        self.prefix = prefix
        self.transport = transport

    def _url(self, key: str) -> str:
        return f"{self.endpoint}/{self.bucket}/{quote(key)}"

    async def _send(self, method: str, key: str, body: bytes = b"", headers: dict[str, str] | None = None,
                    ) -> httpx.Response:
        url = self._url(key)
        signed = sign_request(method=method, url=url, headers=dict(headers or {}), body=body, region=self.region,
                              service="s3", access_key=self.access_key_id, secret_key=self.secret_access_key)
        # imported here: every process loads this module, few use S3, and httpx (with click, which its command line
        # imports) held ~3 MB of each server's memory
        import httpx

        async with httpx.AsyncClient(transport=self.transport, timeout=30) as client:
            return await client.request(method, url, content=body, headers=signed)

    async def upload(self, *, filename: str, content: bytes, mime_type: str) -> StoredFile:
        key = self.prefix + file_key(filename)
        res = await self._send("PUT", key, content, {"content-type": mime_type or "application/octet-stream"})
        if res.status_code >= 300:
            raise invalid_data(f"Could not upload file {filename}: storage answered {res.status_code}")
        return StoredFile(id=key, url=f"{self.file_url}/{quote(key)}")

    async def delete(self, *, file_id: str) -> None:
        res = await self._send("DELETE", file_id)
        if res.status_code >= 300 and res.status_code != 404:
            raise invalid_data(f"Could not delete file {file_id}: storage answered {res.status_code}")

    async def download(self, *, file_id: str) -> bytes:
        res = await self._send("GET", file_id)
        if res.status_code == 404:
            raise not_found(f"File with id: {file_id} was not found")
        if res.status_code >= 300:
            raise invalid_data(f"Could not read file {file_id}: storage answered {res.status_code}")
        return res.content

    def presigned_upload(self, *, filename: str) -> tuple[str, str]:
        key = self.prefix + file_key(filename)
        url = presign_url(method="PUT", url=self._url(key), region=self.region, service="s3",
                          access_key=self.access_key_id, secret_key=self.secret_access_key)
        return url, key

    async def retrieve(self, *, file_id: str) -> StoredFile:
        res = await self._send("HEAD", file_id)
        if res.status_code == 404:
            raise not_found(f"File with id: {file_id} was not found")
        return StoredFile(id=file_id, url=f"{self.file_url}/{quote(file_id)}")


class FileService:
    """The file module: one active provider (the first configured), as Medusa's file module."""

    def __init__(self, provider: FileProvider, provider_id: str) -> None:
        self.provider = provider
        self.provider_id = provider_id

    async def upload(self, *, filename: str, content: bytes, mime_type: str) -> dict[str, str]:
        return (await self.provider.upload(filename=filename, content=content, mime_type=mime_type)).as_dict()

    async def retrieve(self, *, file_id: str) -> dict[str, str]:
        return (await self.provider.retrieve(file_id=file_id)).as_dict()

    async def delete(self, *, file_id: str) -> None:
        await self.provider.delete(file_id=file_id)

    async def download(self, *, file_id: str) -> bytes:
        """The stored bytes (e.g. an uploaded CSV to import)."""
        return await self.provider.download(file_id=file_id)

    def presigned_upload(self, *, originalname: str, mime_type: str, size: int) -> dict[str, Any]:
        """Medusa's presigned-upload answer: where to PUT the file and the key it will have."""
        url, key = self.provider.presigned_upload(filename=originalname)
        extension = Path(originalname).suffix.lstrip(".")
        return {"url": url, "filename": key, "originalname": originalname, "mime_type": mime_type,
                "extension": extension, "size": size}

    @property
    def local_dir(self) -> Path | None:
        """Where `/static` serves from (local provider only)."""
        return self.provider.upload_dir if isinstance(self.provider, LocalFileProvider) else None


def build_service(*, root: Path, options: dict[str, Any],
                  default_backend: str = "http://localhost:9000/static") -> FileService:
    """A FileService from the module options (`providers: [{resolve, id, options}]`); local by default."""
    providers = options.get("providers") or [{"resolve": "local", "id": "local", "options": {}}]
    first = providers[0]
    resolve = str(first.get("resolve", "local"))
    opts = dict(first.get("options") or {})
    pid = str(first.get("id") or resolve)
    if resolve in LOCAL_NAMES:
        upload_dir = Path(opts.get("upload_dir") or "uploads")
        if not upload_dir.is_absolute():
            upload_dir = root / upload_dir
        backend = str(opts.get("backend_url") or default_backend)
        return FileService(LocalFileProvider(upload_dir=upload_dir, backend_url=backend), pid)
    if resolve in S3_NAMES:
        return FileService(S3FileProvider(
            bucket=opts["bucket"], region=opts.get("region", "us-east-1"), access_key_id=opts["access_key_id"],
            secret_access_key=opts["secret_access_key"], endpoint=opts.get("endpoint"),
            file_url=opts.get("file_url"), prefix=str(opts.get("prefix", ""))), pid)
    raise ValueError(f"unknown file provider {resolve!r} (use 'local' or 's3')")
