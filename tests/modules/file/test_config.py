"""The file module is chosen by configuration alone: local by default, S3 when configured."""

from __future__ import annotations

from pathlib import Path

from euryale.config import define_config
from euryale.container import Container
from euryale.modules.file import file_service
from euryale.modules.file.service import LocalFileProvider, S3FileProvider


def test_s3_provider_from_config() -> None:
    cfg = define_config(project_config={"database_url": "postgres://unused/db"}, modules=[
        {"resolve": "euryale.modules.file", "options": {"providers": [{"resolve": "@medusajs/medusa/file-s3",
         "id": "s3", "options": {"bucket": "shop", "region": "eu-west-1", "access_key_id": "k",
                                 "secret_access_key": "s", "file_url": "https://cdn.example.com"}}]}}])
    container = Container(cfg)
    container.load_modules()
    service = file_service(container)
    assert isinstance(service.provider, S3FileProvider) and service.provider_id == "s3"
    assert service.provider.endpoint == "https://s3.eu-west-1.amazonaws.com"
    assert service.local_dir is None


def test_local_provider_by_default(tmp_path: Path) -> None:
    cfg = define_config(project_config={"database_url": "postgres://unused/db"},
                        admin={"backend_url": "https://shop.example.com/"})
    cfg.root = tmp_path
    container = Container(cfg)
    service = file_service(container)
    assert isinstance(service.provider, LocalFileProvider)
    assert service.local_dir == tmp_path / "uploads"
    assert container.resolve("file") is service
    assert service.provider.backend_url == "https://shop.example.com/static"
