"""File module: stores uploads through a provider — `local` (disk, served at `/static`, the default) or `s3`
(any S3-compatible store, SigV4-signed with httpx; no boto3 needed).

Configure in `euryale_config.py` like Medusa's file module:

    modules=[{"key": "file", "resolve": "euryale.modules.file", "options": {"providers": [
        {"resolve": "s3", "id": "s3", "options": {"bucket": "shop", "region": "eu-west-1",
         "access_key_id": "...", "secret_access_key": "...", "endpoint": "https://s3.eu-west-1.amazonaws.com",
         "file_url": "https://shop.s3.eu-west-1.amazonaws.com"}}]}}]

Local options: `upload_dir` (default `uploads/` under the project root), `backend_url` (default: the backend URL
of the config, `MEDUSA_BACKEND_URL`, + `/static`).
"""

from __future__ import annotations

from typing import Any

from euryale.modules.file.service import FileService, build_service


def _default_backend(container: Any) -> str:
    # files are served by this app: the public backend URL (MEDUSA_BACKEND_URL / admin.backend_url) + /static
    admin = getattr(container.config, "admin", None)
    base = str(getattr(admin, "backend_url", "") or "http://localhost:9000").rstrip("/")
    return f"{base}/static"


def load(container: Any, options: dict[str, Any]) -> FileService:
    return build_service(root=container.config.root, options=options, default_backend=_default_backend(container))


def file_service(container: Any) -> FileService:
    """The configured file module, or the default local-disk one (registered on first use)."""
    if container.has("file"):
        service: FileService = container.resolve("file")
        return service
    service = build_service(root=container.config.root, options={}, default_backend=_default_backend(container))
    container.register("file", service)
    return service
