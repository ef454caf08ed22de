"""Turn every failure into Medusa's error shape; nothing escapes as a bare 500 traceback."""

from __future__ import annotations

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from euryale.errors import MedusaError, MedusaErrorType
from euryale.http.json import JSONResponse

log = structlog.get_logger("euryale.http")

_TYPE_BY_STATUS = {400: "invalid_data", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}
_PY_TO_JS = {"int": "number", "float": "number", "decimal": "number", "str": "string", "bool": "boolean",
             "dict": "object", "list": "array", "model": "object"}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


def validation_message(errors: list[dict[str, Any]]) -> str:
    """Medusa's zod message format: `Invalid request: Field 'x' is required; Unrecognized fields: 'y'`."""
    unknown: list[str] = []
    texts: list[str] = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        etype = str(err.get("type", ""))
        name = _field(loc)
        if etype == "extra_forbidden":
            unknown.append(name.rsplit(".", 1)[-1] if name else name)
        elif etype == "missing":
            texts.append(f"Field '{name}' is required")
        elif etype in ("literal_error", "enum"):
            expected = (err.get("ctx") or {}).get("expected", "")
            expected = re.sub(r"'", "", str(expected)).replace(" or ", ", ")
            texts.append(f"Expected: '{expected}' for field '{name}', but got: '{err.get('input')}'")
        elif etype in ("string_too_short", "too_short", "greater_than_equal", "greater_than"):
            ctx = err.get("ctx") or {}
            bound = next((ctx[k] for k in ("min_length", "ge", "gt") if k in ctx), "")
            texts.append(f"Value for field '{name}' too small, expected at least: '{bound}'")
        elif etype in ("string_too_long", "too_long", "less_than_equal", "less_than"):
            ctx = err.get("ctx") or {}
            bound = next((ctx[k] for k in ("max_length", "le", "lt") if k in ctx), "")
            texts.append(f"Value for field '{name}' too big, expected at most: '{bound}'")
        elif etype.endswith("_type") or etype.endswith("_parsing"):
            want = _PY_TO_JS.get(etype.split("_")[0], etype.split("_")[0])
            got = _js_string(err.get("input"))
            texts.append(f"Expected type: '{want}' for field '{name}', got: '{got}'")
        else:
            msg = str(err.get("msg", "is invalid"))
            msg = msg.removeprefix("Value error, ")
            texts.append(f"{msg} ({name})" if name and name not in msg else msg)
    if unknown:
        texts.insert(0, "Unrecognized fields: '" + ", ".join(unknown) + "'")
    return "Invalid request: " + "; ".join(texts)


def _js_string(value: Any) -> str:
    """The received value as Medusa 2.21 prints it (JS template-string conversion: 5, true, [object Object])."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list):
        return ",".join(_js_string(v) for v in value)
    return "[object Object]"


def map_db_error(exc: DBAPIError) -> MedusaError:
    """PostgreSQL error codes → Medusa error types (23505 duplicate, 23503 not found, 40001 conflict...)."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    detail = str(getattr(getattr(orig, "__cause__", None), "detail", "") or "")
    if code == "23505":
        m = re.search(r"Key \((.+?)\)=\((.+?)\)", detail)
        table = getattr(getattr(orig, "__cause__", None), "table_name", None) or "Entity"
        if m:
            cols = [c.strip() for c in m.group(1).split(",") if "deleted_at" not in c]
            vals = m.group(2).split(", ")[: len(cols)]
            pretty = table.replace("_", " ").title().replace(" ", "")
            return MedusaError(MedusaErrorType.DUPLICATE_ERROR,
                               f"{pretty} with {', '.join(cols)}: {', '.join(vals)}, already exists.")
        return MedusaError(MedusaErrorType.DUPLICATE_ERROR, "Entity already exists.")
    if code == "23503":
        return MedusaError(MedusaErrorType.NOT_FOUND, detail or "Referenced entity was not found")
    if code in ("40001", "40P01", "55P03"):
        return MedusaError(MedusaErrorType.CONFLICT, "conflict")
    if code == "23502":
        return MedusaError(MedusaErrorType.INVALID_DATA, detail or "A required value is missing")
    if code in ("22P02", "22003", "22007", "22008", "22023"):
        return MedusaError(MedusaErrorType.INVALID_DATA, "Invalid value in request")
    return MedusaError("unknown", "An unknown error occurred.")


def install(app: FastAPI) -> None:
    """Register exception handlers that answer in Medusa's error shape."""

    @app.exception_handler(MedusaError)
    async def medusa_error(request: Request, exc: MedusaError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errs):
            return JSONResponse({"type": "invalid_data", "message": "Unexpected token in JSON body"}, 400)
        return JSONResponse({"type": "invalid_data", "message": validation_message(errs)}, 400)

    @app.exception_handler(ValidationError)
    async def pydantic_validation(request: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse({"type": "invalid_data", "message": validation_message([dict(e) for e in exc.errors()])}, 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404 and exc.detail == "Not Found":
            body = {"type": "not_found", "message": f"Cannot {request.method} {request.url.path}"}
            return JSONResponse(body, 404)
        if exc.status_code == 401:
            return JSONResponse({"message": "Unauthorized"}, 401, headers=exc.headers)
        message = exc.detail if isinstance(exc.detail, str) and exc.status_code < 500 else "An unknown error occurred."
        return JSONResponse({"type": _TYPE_BY_STATUS.get(exc.status_code, "unknown_error"), "message": message},
                            exc.status_code, headers=exc.headers)

    @app.exception_handler(DBAPIError)
    async def db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        mapped = map_db_error(exc)
        if mapped.status >= 500:
            log.error("database error", error=str(exc), path=request.url.path)
        return JSONResponse(mapped.body(), status_code=mapped.status)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        mapped = map_db_error(exc)
        return JSONResponse(mapped.body(), status_code=mapped.status)

    @app.exception_handler(Exception)
    async def unknown(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path, method=request.method)
        return JSONResponse({"code": "unknown_error", "type": "unknown_error",
                             "message": "An unknown error occurred."}, 500)
