"""`GET /admin/locales[/:code]`: the locales the translation layer knows (only with the `translation` flag, as
Medusa registers these routes only then)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from euryale.api.admin._deps import paging, query_of, require_user
from euryale.api.admin.feature_flags import feature_flags
from euryale.errors import not_found
from euryale.http.json import JSONResponse, json
from euryale.query.admin_orders import Fields
from euryale.query.locales import LOCALES, locale_view

router = APIRouter()


def _enabled(request: Request, path: str) -> None:
    if not feature_flags(request.app.state.container.config)["translation"]:
        raise not_found(f"Cannot GET {path}")


@router.get("/admin/locales")
async def list_locales(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    _enabled(request, "/admin/locales")
    query = query_of(request)
    params = paging(query, default_limit=20)
    q = str(query.get("q") or "").lower()
    codes = [c for c, name in LOCALES.items() if not q or q in c.lower() or q in name.lower()]
    f = Fields(params.fields)
    page = codes[params.offset:params.offset + params.limit]
    return json({"locales": [f.project(locale_view(c)) for c in page], "count": len(codes),
                 "offset": params.offset, "limit": params.limit})


@router.get("/admin/locales/{code}")
async def get_locale(code: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    _enabled(request, f"/admin/locales/{code}")
    if code not in LOCALES:
        raise not_found(f"Locale with code: {code} was not found")
    return json({"locale": Fields(paging(query_of(request)).fields).project(locale_view(code))})
