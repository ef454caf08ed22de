"""Admin uploads through the file module, and `/static/<key>` serving files of the local provider."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse

from euryale.api.admin._deps import require_user
from euryale.errors import invalid_data, not_found
from euryale.http.json import JSONResponse, json
from euryale.modules.file import file_service

router = APIRouter()


@router.post("/admin/uploads")
async def upload(request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    form = await request.form()
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not files:
        raise invalid_data("No files were uploaded")
    service = file_service(request.app.state.container)
    out = []
    for f in files:
        out.append(await service.upload(filename=f.filename or "file", content=await f.read(),
                                        mime_type=f.content_type or "application/octet-stream"))
    return json({"files": out})


@router.get("/admin/uploads/{file_id}")
async def retrieve(file_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    service = file_service(request.app.state.container)
    return json({"file": await service.retrieve(file_id=file_id)})


@router.delete("/admin/uploads/{file_id}")
async def delete(file_id: str, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    service = file_service(request.app.state.container)
    await service.delete(file_id=file_id)
    return json({"id": file_id, "object": "file", "deleted": True})


@router.get("/static/{key:path}", include_in_schema=False)
async def static_file(key: str, request: Request) -> FileResponse:
    service = file_service(request.app.state.container)
    provider = service.provider
    path_of = getattr(provider, "path_of", None)
    if service.local_dir is None or path_of is None:
        raise not_found(f"File {key} not found")
    path = path_of(key)
    if not path.is_file():
        raise not_found(f"File {key} not found")
    return FileResponse(path)


class PresignedUrlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    originalname: str
    mime_type: str
    size: int = Field(ge=0)
    access: Literal["public", "private"] | None = None


@router.post("/admin/uploads/presigned-urls")
async def presigned_url(body: PresignedUrlRequest, request: Request, _: Any = Depends(require_user)) -> JSONResponse:
    service = file_service(request.app.state.container)
    return json(service.presigned_upload(originalname=body.originalname, mime_type=body.mime_type, size=body.size))
