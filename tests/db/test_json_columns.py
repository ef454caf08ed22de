"""JSON columns accept dicts keyed by non-str keys (workflow checkpoints of step outputs): a 500 in the benchmark."""

from __future__ import annotations

import orjson

from euryale.db.engine import _json_dumps


def test_non_str_keys_are_written_as_text_keys() -> None:
    assert orjson.loads(_json_dumps({"step": {1: "a", 2: {"x": 1}}})) == {"step": {"1": "a", "2": {"x": 1}}}
