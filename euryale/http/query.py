"""Query-string parsing as Medusa's `qs` does it, and the common list parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from euryale.errors import invalid_data

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def parse_qs(query_string: str) -> dict[str, Any]:
    """`a[]=1&a[]=2&created_at[$gte]=x&b=1,2` → `{"a": ["1","2"], "created_at": {"$gte": "x"}, "b": "1,2"}`."""
    out: dict[str, Any] = {}
    for raw_key, value in parse_qsl(query_string, keep_blank_values=True):
        m = _KEY.match(raw_key)
        if not m:
            out[raw_key] = value
            continue
        head, rest = m.group(1), m.group(2)
        parts = [head] + re.findall(r"\[([^\[\]]*)\]", rest)
        node: Any = out
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = parts[i + 1] if not last else None
            if isinstance(node, list):
                if last:
                    node.append(value)
                    break
                if part == "" or part.isdigit():
                    child: Any = [] if nxt == "" or (nxt or "").isdigit() else {}
                    node.append(child)
                    node = child
                    continue
            if last:
                if part in node and isinstance(node[part], list):
                    node[part].append(value)
                elif part in node and isinstance(node[part], str):
                    node[part] = [node[part], value]
                else:
                    node[part] = value
                break
            container: Any = [] if nxt == "" or (nxt or "").isdigit() else {}
            if part not in node or not isinstance(node[part], (list, dict)):
                node[part] = container
            node = node[part]
    return out


def as_list(value: Any) -> list[str]:
    """A filter value as a list: arrays stay arrays, a single comma string is split like Medusa does."""
    if value is None:
        return []
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], str) and "," in value[0]:
            return [v for v in value[0].split(",") if v]
        return [str(v) for v in value]
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    return [v for v in str(value).split(",") if v] if "," in str(value) else [str(value)]


@dataclass
class ListParams:
    limit: int
    offset: int
    order: str | None
    fields: str | None
    with_deleted: bool = False


def _non_negative_int(value: Any, name: str) -> int:
    if isinstance(value, list):
        value = value[-1] if value else ""
    try:
        n = int(str(value))
    except ValueError:
        raise invalid_data(f"Invalid request: Expected type: 'number' for field '{name}', got: '{value}'") from None
    if n < 0:
        raise invalid_data(f"Invalid request: Number must be greater than or equal to 0 ({name})")
    return n


def list_params(query: dict[str, Any], *, default_limit: int = 50) -> ListParams:
    """limit / offset / order / fields / with_deleted from a parsed query."""
    limit = _non_negative_int(query["limit"], "limit") if "limit" in query else default_limit
    offset = _non_negative_int(query["offset"], "offset") if "offset" in query else 0
    order = query.get("order")
    if order is not None and not isinstance(order, str):
        raise invalid_data("Invalid request: Expected type: 'string' for field 'order', got: 'array'")
    fields = query.get("fields")
    if fields is not None and not isinstance(fields, str):
        fields = ",".join(as_list(fields))
    wd = str(query.get("with_deleted", "false")).lower() == "true"
    return ListParams(limit=limit, offset=offset, order=order or None, fields=fields, with_deleted=wd)
