"""JSON request bodies, read once at the edge: what Python's `json` accepts but nothing behind it can hold is refused.

`json.loads` (what FastAPI parses bodies with) accepts documents that then fail far from the request: a lone
surrogate (`"\\ud800"`: not UTF-8, so PostgreSQL's driver and the response encoder raise), a NUL character
(`"\\u0000"`: PostgreSQL's text and jsonb cannot store it), an integer beyond 64 bits or NaN / Infinity (stored in a
jsonb `metadata`, they would break every later answer that carries it: orjson refuses to encode them). Each of those
was a 500 - or worse, a cart or product whose every read fails afterwards. Here such a body is answered 400
`invalid_data` before any handler runs, and nothing is written.

A body orjson parses is left in the scope (`JSON_BODY`) for the lean handler (`euryale.http.handler`), so the hot
routes parse each body once; FastAPI's own handler reads the same bytes again (they are replayed to the app). A
body neither parser accepts is passed on untouched: the route answers it as before (FastAPI's 400 for a route that
takes a body). Only `application/json` bodies up to `MAX_CHECKED` bytes are read here (larger ones, multipart
uploads and other types stream on as before).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope

from euryale.http.json import JSONResponse

JSON_BODY = "euryale.json_body"  # scope key: the parsed document of an application/json request body
MAX_CHECKED = 16 * 1024 * 1024  # larger bodies stream on to the app unread here (a route holds them whole anyway)
REFUSED = ("Invalid JSON body: strings must be valid UTF-8 without NUL characters, numbers finite and integers "
           "within 64 bits")


def is_json(content_type: str | None) -> bool:
    """The content type clients send JSON with (`application/json`, with parameters or not)."""
    return content_type is not None and (content_type == "application/json"
                                         or content_type.startswith("application/json;"))


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in k or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


_LONG_DIGITS = re.compile(rb"\d{19}")
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what orjson reads as an integer and can write back


def _integer(literal: str) -> int:
    value = int(literal)
    if not _INT_MIN <= value <= _INT_MAX:
        raise ValueError("integer out of range")
    return value


def acceptable(raw: bytes) -> tuple[bool, Any]:
    """(False, None) for a document to refuse; (True, the document or None when neither parser reads it)."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            json.loads(raw)
        except (ValueError, RecursionError):
            return True, None  # not JSON at all: the route answers as it always did
        return False, None  # JSON only to Python: lone surrogates, NaN, Infinity, a BOM, UTF-16
    # both checks are rare: the precise one runs only when the bytes hint at it
    if _LONG_DIGITS.search(raw):
        # orjson reads an integer beyond 64 bits as a float (json.loads as an exact int): neither is what was sent
        try:
            json.loads(raw, parse_int=_integer)
        except ValueError:
            return False, None
    if b"\\u0000" in raw and _has_nul(document):
        return False, None
    return True, document


async def read(scope: Scope, receive: Receive) -> tuple[Receive, ASGIApp | None]:
    """Read an application/json request body: a `receive` that replays it to the app, and the 400 answer to give
    instead when the document is one to refuse (else None). The parsed document goes to `scope[JSON_BODY]`."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break  # a disconnect: the app sees it where it would have
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if not message.get("more_body", False) or size > MAX_CHECKED:
            break
    replayed = iter(messages)

    async def replay() -> Message:
        return next(replayed, None) or await receive()

    raw = b"".join(chunks)
    if not raw or messages[-1]["type"] != "http.request" or messages[-1].get("more_body", False):
        return replay, None  # empty, cut short, or too large to hold here: the app reads it as it comes
    ok, document = acceptable(raw)
    if not ok:
        return replay, JSONResponse({"type": "invalid_data", "message": REFUSED}, 400)
    if document is not None:
        scope[JSON_BODY] = document
    return replay, None
