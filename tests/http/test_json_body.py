"""`euryale.http.json_body`: JSON bodies read once at the edge, refused when nothing behind could hold them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.types import Message

from euryale.http import json_body


@pytest.mark.parametrize(("value", "accepted"), [
    ({"a": "text", "n": 18446744073709551615, "m": -(2**63), "f": 1e308}, True),
    ({"s": "12345678901234567890123", "escaped": "a\\u0000"}, True),  # digits in a string, an escaped backslash
    ({"n": 2**64}, False), ({"n": -(2**63) - 1}, False), ({"n": 10**30}, False),  # orjson would read floats
    ({"s": "\ud800"}, False), ({"\udfff": 1}, False), ({"s": "a\u0000b"}, False), ({"k\u0000": 1}, False),
    ([{"deep": ["x", "\u0000"]}], False),
])
def test_what_is_accepted(value: Any, accepted: bool) -> None:
    ok, document = json_body.acceptable(json.dumps(value).encode())
    assert ok is accepted
    assert document == (value if accepted else None)


def test_python_only_json_is_refused_and_non_json_passed_on() -> None:
    for raw in (b'{"n": NaN}', b'[Infinity]', b'1e400', b'\xef\xbb\xbf{}', '{"a": 1}'.encode("utf-16")):
        assert json_body.acceptable(raw) == (False, None), raw
    for raw in (b'{"a": ', b"nope", b"{'a': 1}"):
        assert json_body.acceptable(raw) == (True, None), raw  # the route answers its own 400


@pytest.mark.parametrize(("content_type", "expected"), [
    ("application/json", True), ("application/json; charset=utf-8", True), (None, False), ("text/plain", False),
    ("application/jsonx", False), ("multipart/form-data; boundary=x", False)])
def test_content_types(content_type: str | None, expected: bool) -> None:
    assert json_body.is_json(content_type) is expected


async def _read(messages: list[Message]) -> tuple[list[Message], dict[str, Any], bool]:
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    scope: dict[str, Any] = {}
    replay, refusal = await json_body.read(scope, receive)
    seen = [await replay() for _ in range(len(messages) + 1)]
    return seen, scope, refusal is not None


async def test_a_chunked_body_is_parsed_and_replayed_as_sent() -> None:
    chunks: list[Message] = [{"type": "http.request", "body": b'{"a": ', "more_body": True},
                             {"type": "http.request", "body": b'[1, 2]}', "more_body": False}]
    seen, scope, refused = await _read(chunks)
    assert seen == [*chunks, {"type": "http.disconnect"}], "the app reads the same messages, then the real receive"
    assert scope[json_body.JSON_BODY] == {"a": [1, 2]}
    assert not refused


async def test_a_refused_body_and_a_disconnect() -> None:
    _, scope, refused = await _read([{"type": "http.request", "body": b'{"a": "\\ud800"}', "more_body": False}])
    assert refused and json_body.JSON_BODY not in scope
    partial: list[Message] = [{"type": "http.request", "body": b'{"a"', "more_body": True},
                              {"type": "http.disconnect"}]
    seen, scope, refused = await _read(partial)
    assert seen[:2] == partial and not refused and json_body.JSON_BODY not in scope


async def test_a_body_over_the_bound_streams_on_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_body, "MAX_CHECKED", 8)
    chunks: list[Message] = [{"type": "http.request", "body": b'{"a": "\\ud800",', "more_body": True},
                             {"type": "http.request", "body": b' "b": 1}', "more_body": False}]
    seen, scope, refused = await _read(chunks)
    assert seen[:2] == chunks, "what was read is replayed, the rest comes from the connection"
    assert not refused and json_body.JSON_BODY not in scope
