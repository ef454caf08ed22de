"""Fast JSON responses (orjson) in Medusa's wire format: exact money as numbers, timestamps as `...sssZ`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
# OPT_NON_STR_KEYS slows every dict down (0.76 -> 0.43 ms on a 366 KB order page without it), but many responses
# hold keys that are not exactly `str` (SQLAlchemy's `quoted_name` column names of row mappings, enums): only the
# answers built from the driver's records go without it (`dumps_str_keys`)
_STR_KEYS_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


# Rows written in one transaction share their timestamps (a product's variants, options, prices...): a page of
# products holds thousands of datetimes but few distinct ones, so formatted strings are memoized (bounded).
_DATETIMES: dict[datetime, str] = {}
_DATETIMES_MAX = 8192


def _format_datetime(value: datetime) -> str:
    text = _DATETIMES.get(value)
    if text is None:
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        text = utc.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
        if len(_DATETIMES) >= _DATETIMES_MAX:
            _DATETIMES.clear()
        _DATETIMES[value] = text
    return text


# An order page holds thousands of Decimal amounts but few distinct values: their wire numbers are memoized too.
_NUMBERS: dict[Decimal, int | float] = {}
_NUMBERS_MAX = 8192


def _number(value: Decimal) -> int | float:
    number = _NUMBERS.get(value)
    if number is None:
        # amounts are computed exactly with Decimal; on the wire they are JSON numbers as in Medusa
        number = int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
        if len(_NUMBERS) >= _NUMBERS_MAX:
            _NUMBERS.clear()
        _NUMBERS[value] = number
    return number


def wire_number(value: Decimal) -> int | float:
    """An exact amount as the JSON number this module writes for it (for records built ready for the wire)."""
    number = _NUMBERS.get(value)
    return number if number is not None else _number(value)


def _default(value: Any) -> Any:
    # orjson calls back here for every amount and timestamp of a response (thousands on an order page): the
    # memoized answers of the two common exact types come first, without isinstance checks or a further call
    kind = value.__class__
    if kind is Decimal:
        number = _NUMBERS.get(value)
        return number if number is not None else _number(value)
    if kind is datetime:
        text = _DATETIMES.get(value)
        return text if text is not None else _format_datetime(value)
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, datetime):
        return _format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=_OPTIONS)


def dumps_str_keys(value: Any) -> bytes:
    """`dumps` for a value whose keys should all be exactly `str` (records built from asyncpg's): the same bytes,
    encoded a second time by `dumps` when a key is not (a `str` subclass, an int...) or a value cannot be encoded
    (which fails again there, with the same error)."""
    try:
        return orjson.dumps(value, default=_default, option=_STR_KEYS_OPTIONS)
    except orjson.JSONEncodeError:
        return dumps(value)


class JSONResponse(Response):
    """A JSON response rendered by orjson with Euryale's wire conventions."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


class EncodedJSONResponse(JSONResponse):
    """A `JSONResponse` of a body encoded already (by :class:`RouteEncoder`)."""

    def render(self, content: Any) -> bytes:
        body: bytes = content
        return body


class RouteEncoder:
    """Encodes one route's answers, learning whether they need `OPT_NON_STR_KEYS`.

    Answers built from asyncpg records (the store catalog's) have exactly-`str` keys, and orjson encodes them
    faster without the option (a 15 KB product 17 -> 10 us, a 300 KB page of 20 products 342 -> 189 us); answers
    built from SQLAlchemy row mappings have `quoted_name` keys and need it. A route starts without the option;
    its first answer that needs it is encoded again with it, and the route keeps using it from then on. The bytes
    are the same either way (`dumps_str_keys`)."""

    __slots__ = ("str_keys",)

    def __init__(self) -> None:
        self.str_keys = True

    def response(self, content: Any) -> JSONResponse:
        if self.str_keys:
            try:
                body = orjson.dumps(content, default=_default, option=_STR_KEYS_OPTIONS)
            except orjson.JSONEncodeError:
                body = dumps(content)  # raises again when a value (not a key) cannot be encoded
                self.str_keys = False
            return EncodedJSONResponse(body)
        return JSONResponse(content)


class StrKeysJSONResponse(JSONResponse):
    """A `JSONResponse` of a value built with `str` keys only (`dumps_str_keys`)."""

    def render(self, content: Any) -> bytes:
        return dumps_str_keys(content)


def json(content: Any, status_code: int = 200, headers: dict[str, str] | None = None, *,
         str_keys: bool = False) -> JSONResponse:
    """The JSON response of `content`; `str_keys` when its keys are all exactly `str` (see `dumps_str_keys`)."""
    if str_keys:
        return StrKeysJSONResponse(content, status_code=status_code, headers=headers)
    return JSONResponse(content, status_code=status_code, headers=headers)
