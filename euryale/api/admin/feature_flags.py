"""`GET /admin/feature-flags` (public, as in Medusa 2.21) and `GET /admin/plugins` (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api.admin._deps import require_user
from euryale.http.json import JSONResponse, json

router = APIRouter()

# Medusa 2.21.2's flags (all default off); config `feature_flags` and MEDUSA_FF_*/EURYALE_FF_* env override them.
DEFAULT_FLAGS: dict[str, bool] = {
    "backend_hmr": False, "caching": False, "index_engine": False, "rbac": False, "rbac_filter_fields": False,
    "translation": False, "view_configurations": False,
}


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(value, dict):
        # nested flags (`{flag: {sub: bool}}`): the flag is on when any of its parts is
        return any(_truthy(v) for v in value.values())
    return bool(value)


def feature_flags(config: Any) -> dict[str, bool]:
    """Every known flag with its effective value."""
    flags = dict(DEFAULT_FLAGS)
    for key, value in (getattr(config, "feature_flags", None) or {}).items():
        flags[str(key)] = _truthy(value)
    return flags


@router.get("/admin/feature-flags")
async def list_feature_flags(request: Request) -> JSONResponse:
    """`{feature_flags: {name: bool}}`; no authentication (the dashboard asks before login)."""
    return json({"feature_flags": feature_flags(request.app.state.container.config)})


@router.get("/admin/plugins")
async def list_plugins(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    """`{plugins: [{name}]}`: the plugins of the project's config."""
    plugins = getattr(request.app.state.container.config, "plugins", None) or []
    return json({"plugins": [{"name": str(p.get("resolve") if isinstance(p, dict) else p)} for p in plugins]})
