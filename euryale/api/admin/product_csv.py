"""Admin product CSV export and import (background workflows; progress in /admin/workflows-executions)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, UploadFile
from pydantic import BaseModel, ConfigDict

from euryale.errors import invalid_data
from euryale.flows import product_csv
from euryale.http.actors import require_user
from euryale.http.json import JSONResponse
from euryale.http.query import parse_qs
from euryale.query.cache import bump_after_write
from euryale.query.request import WireRoute

router = APIRouter(dependencies=[Depends(bump_after_write, scope="function"), Depends(require_user)], route_class=WireRoute)


class ImportFileRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_key: str
    originalname: str
    extension: str
    size: int
    mime_type: str


@router.post("/admin/products/export")
async def export_products(request: Request) -> JSONResponse:
    """Start the export of the products matching the query filters; answers 202 `{transaction_id}`."""
    filters = {k: v for k, v in parse_qs(request.url.query).items() if k not in ("fields", "limit", "offset",
                                                                                  "order")}
    transaction_id = product_csv.new_transaction_id()
    product_csv.start_in_background(request.app.state.container, "export-products",
                                    {"filters": filters, "transaction_id": transaction_id}, transaction_id)
    return JSONResponse({"transaction_id": transaction_id}, status_code=202)


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_data("The CSV file must be UTF-8 encoded") from None


@router.post("/admin/products/import")
async def import_products(file: UploadFile, request: Request) -> JSONResponse:
    """Upload a CSV (multipart `file`): validated now, applied after confirmation."""
    transaction_id, summary = await product_csv.start_import(request.app.state.container,
                                                             _text(await file.read()))
    return JSONResponse({"transaction_id": transaction_id, "summary": summary}, status_code=202)


@router.post("/admin/products/imports")
async def import_uploaded(body: ImportFileRef, request: Request) -> JSONResponse:
    """Import a CSV already uploaded through the file module (`file_key`)."""
    from euryale.modules.file import file_service
    container = request.app.state.container
    content = await file_service(container).download(file_id=body.file_key)
    transaction_id, summary = await product_csv.start_import(container, _text(content))
    return JSONResponse({"transaction_id": transaction_id, "summary": summary}, status_code=202)


async def _confirm(request: Request, transaction_id: str) -> JSONResponse:
    await product_csv.confirm_import(request.app.state.container, transaction_id)
    return JSONResponse({}, status_code=202)


@router.post("/admin/products/import/{transaction_id}/confirm")
async def confirm_import(transaction_id: str, request: Request) -> JSONResponse:
    """`POST /admin/products/import/{transaction_id}/confirm`."""
    return await _confirm(request, transaction_id)


@router.post("/admin/products/imports/{transaction_id}/confirm")
async def confirm_imports(transaction_id: str, request: Request) -> JSONResponse:
    """`POST /admin/products/imports/{transaction_id}/confirm`."""
    return await _confirm(request, transaction_id)


