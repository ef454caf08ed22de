"""The str-keys JSON encoding of the order reads (`dumps_str_keys`, without OPT_NON_STR_KEYS) writes the bytes of
`dumps`: keys that are not exactly `str` (ints, enums, SQLAlchemy's `quoted_name`) are encoded a second time, with
the option; values it cannot encode still fail."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from sqlalchemy.sql.elements import quoted_name

from euryale.http.json import RouteEncoder, dumps, dumps_str_keys, json


class Color(enum.StrEnum):
    RED = "red"


def test_non_str_keys_encode_as_with_the_option() -> None:
    value = {"a": {1: Decimal("2.50"), Color.RED: datetime(2026, 1, 2, 3, 4, 5, 6789, tzinfo=UTC)}, None: [1],
             quoted_name("name", None): "x"}
    assert dumps_str_keys(value) == dumps(value) == (
        b'{"a":{"1":2.5,"red":"2026-01-02T03:04:05.006Z"},"null":[1],"name":"x"}')
    plain = {"a": Decimal(3), "b": [{"c": datetime(2026, 1, 2, tzinfo=UTC)}]}
    assert dumps_str_keys(plain) == dumps(plain) == b'{"a":3,"b":[{"c":"2026-01-02T00:00:00.000Z"}]}'
    assert json(value, str_keys=True).body == json(value).body == dumps(value)


def test_values_it_cannot_encode_still_fail() -> None:
    for value in ({"a": object()}, {1: object()}):
        with pytest.raises(orjson.JSONEncodeError):
            dumps_str_keys(value)


def test_a_route_encoder_learns_when_its_answers_need_the_option() -> None:
    encoder = RouteEncoder()
    plain = {"products": [{"id": "p", "price": Decimal("10.50"), "at": datetime(2026, 1, 2, tzinfo=UTC)}]}
    first = encoder.response(plain)
    assert first.body == dumps(plain) and first.headers["content-type"] == "application/json"
    assert first.headers["content-length"] == str(len(dumps(plain))) and encoder.str_keys
    mapped = {quoted_name("id", None): "x", "n": Decimal(2)}  # a SQLAlchemy row mapping's keys
    assert encoder.response(mapped).body == dumps(mapped) == b'{"id":"x","n":2}'
    assert not encoder.str_keys  # from now on with OPT_NON_STR_KEYS at once
    assert encoder.response(plain).body == dumps(plain)
    with pytest.raises(TypeError):
        RouteEncoder().response({"a": object()})  # a value it cannot encode fails as with `dumps`
