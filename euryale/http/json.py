"""Fast JSON responses (orjson) in Medusa's wire format: exact money as numbers, timestamps as `...sssZ`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # amounts are computed exactly with Decimal; on the wire they are JSON numbers as in Medusa
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=_OPTIONS)


class JSONResponse(Response):
    """A JSON response rendered by orjson with Euryale's wire conventions."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def json(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status_code, headers=headers)
