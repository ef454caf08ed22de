"""`GET /admin/feature-flags` (public) and `GET /admin/plugins` (admin)."""

from __future__ import annotations

import httpx
import pytest

from euryale.api.admin.feature_flags import DEFAULT_FLAGS, feature_flags
from euryale.config import define_config
from euryale.container import Container
from tests.api.admin.order_factory import admin_headers


async def test_feature_flags_are_public_with_medusa_defaults(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/feature-flags")
    assert r.status_code == 200
    flags = r.json()["feature_flags"]
    assert set(DEFAULT_FLAGS) <= set(flags)
    assert all(isinstance(v, bool) for v in flags.values())


def test_config_and_env_flags_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDUSA_FF_TRANSLATION", "true")
    monkeypatch.setenv("EURYALE_FF_MY_FLAG", "1")
    cfg = define_config(feature_flags={"rbac": "true", "caching": False, "nested": {"a": False, "b": True}})
    flags = feature_flags(cfg)
    assert flags["translation"] is True and flags["my_flag"] is True
    assert flags["rbac"] is True and flags["caching"] is False and flags["nested"] is True
    assert flags["index_engine"] is False


async def test_plugins_need_an_admin_and_list_the_config(client: httpx.AsyncClient, container: Container) -> None:
    assert (await client.get("/admin/plugins")).status_code == 401
    saved = container.config.plugins
    container.config.plugins = [{"resolve": "my-plugin", "options": {"a": 1}}, {"resolve": "other"}]
    try:
        r = await client.get("/admin/plugins", headers=admin_headers(container))
    finally:
        container.config.plugins = saved
    assert r.status_code == 200
    assert r.json() == {"plugins": [{"name": "my-plugin"}, {"name": "other"}]}

