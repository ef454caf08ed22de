"""Medusa's `fields` query parameter: `*rel`, `rel.*`, `+f`, `-f`, bare lists, nested relations.

`parse_fields(raw, defaults=[...])` turns the request value into a :class:`FieldSelection` tree that resources
walk to decide which relations to load (one query per relation) and which keys to return (`project`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from euryale.errors import invalid_data

STORE_RESTRICTED = ("order", "orders")


@dataclass
class FieldSelection:
    """One level of a selection: scalar names, `star` (all scalars), and nested relations."""

    scalars: set[str] = field(default_factory=set)
    relations: dict[str, FieldSelection] = field(default_factory=dict)
    star: bool = False

    def copy(self) -> FieldSelection:
        """A deep copy (its sets and relations are new objects all the way down)."""
        return FieldSelection(set(self.scalars), {name: sub.copy() for name, sub in self.relations.items()},
                              self.star)

    def has(self, path: str) -> bool:
        """True when `path` (dotted, e.g. `variants.calculated_price`) is selected as a field or a relation."""
        head, _, rest = path.partition(".")
        if not rest:
            return head in self.scalars or head in self.relations
        sub = self.relations.get(head)
        return sub is not None and sub.has(rest)

    def relation(self, path: str) -> FieldSelection | None:
        """The sub-selection of a (dotted) relation path, or None when it is not selected."""
        node: FieldSelection | None = self
        for part in path.split("."):
            if node is None:
                return None
            node = node.relations.get(part)
        return node

    def wants(self, name: str) -> bool:
        """Whether a scalar column `name` is to be returned at this level."""
        return self.star or name in self.scalars

    def paths(self, prefix: str = "") -> list[str]:
        """The selection flattened back to dotted paths (debugging, cache keys)."""
        out = [prefix + "*"] if self.star else []
        out += sorted(prefix + s for s in self.scalars)
        for name, sub in sorted(self.relations.items()):
            out += sub.paths(prefix + name + ".") or [prefix + name]
        return out

    def passes_through(self) -> bool:
        """True when projecting keeps rows as they are: every scalar (`star`), relations likewise, all the way down."""
        return self.star and all(sub.passes_through() for sub in self.relations.values())

    def projector(self) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """`project` compiled for this selection, for a whole page: what passes through is not walked or copied.

        Rows are built per request, so a relation whose selection keeps everything is returned as built.
        """
        if self.passes_through():
            return _same_row
        relations = {name: (None if sub.passes_through() else sub.projector())
                     for name, sub in self.relations.items()}
        keep = frozenset(self.scalars | {"id"})
        star = self.star

        def project(row: dict[str, Any]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, value in row.items():
                if key in relations:
                    sub = relations[key]
                    if sub is None or value is None:
                        out[key] = value
                    elif isinstance(value, list):
                        out[key] = [sub(v) if isinstance(v, dict) else v for v in value]
                    elif isinstance(value, dict):
                        out[key] = sub(value)
                    else:
                        out[key] = value
                elif star or key in keep:
                    out[key] = value
            return out
        return project

    def project(self, row: dict[str, Any]) -> dict[str, Any]:
        """Keep the selected keys of `row`; selected relations are projected recursively.

        Row builders attach only the relations that are selected, so `star` keeps every other key.
        """
        relations = self.relations
        if not relations:
            # leaves (variants' options, prices, images...) are most rows of a page: no per-key relation lookups
            if self.star:
                return dict(row)
            scalars = self.scalars
            return {k: v for k, v in row.items() if k == "id" or k in scalars}
        out: dict[str, Any] = {}
        for key, value in row.items():
            sub = relations.get(key)
            if sub is not None:
                if isinstance(value, list):
                    out[key] = [sub.project(v) if isinstance(v, dict) else v for v in value]
                elif isinstance(value, dict) and sub.relations or isinstance(value, dict) and not sub.star:
                    out[key] = sub.project(value)
                else:
                    out[key] = value
            elif key == "id" or self.star or key in self.scalars:
                out[key] = value
        return out


def _same_row(row: dict[str, Any]) -> dict[str, Any]:
    return row


def split_tokens(raw: str | None) -> list[str]:
    """Split the comma list; an unencoded `+` arrives as a leading space and means `+`."""
    if not raw:
        return []
    out = []
    for tok in raw.split(","):
        if tok.startswith(" ") and tok.strip():
            out.append("+" + tok.strip())
        elif tok.strip():
            out.append(tok.strip())
    return out


def _normalize(token: str) -> str:
    return token[1:] + ".*" if token.startswith("*") else token


def resolve_paths(raw: str | None, defaults: Sequence[str]) -> list[str]:
    """The effective list of dotted paths after applying Medusa's token rules to the route defaults."""
    tokens = split_tokens(raw)
    replace = any(t[0] not in "+-*" and not t.endswith(".*") for t in tokens)
    paths: list[str] = [] if replace else [_normalize(d) for d in defaults]
    for tok in tokens:
        if tok.startswith("-"):
            name = tok[1:].removeprefix("*").removesuffix(".*")
            # `-rel` also drops nested defaults such as `rel.*` and `rel.x`
            paths = [p for p in paths if p != name and not p.startswith(name + ".")]
        else:
            p = _normalize(tok.lstrip("+"))
            if p.startswith("*"):
                p = _normalize(p)
            if p and p not in paths:
                paths.append(p)
    if "id" not in paths:
        paths.insert(0, "id")
    return paths


def _allowed(path: str, allowed: Sequence[str] | None) -> bool:
    if allowed is None:
        return True
    bare = path.removesuffix(".*")
    for a in allowed:
        a = a.removeprefix("*").removesuffix(".*")
        if bare == a or bare.startswith(a + ".") or a.startswith(bare + "."):
            return True
    return False


def _restricted(path: str, restricted: Sequence[str]) -> bool:
    return any(seg in restricted for seg in path.split("."))


def relation_depth(path: str) -> int:
    """Relations a path expands: `variants.options.option.*` → 3, `variants.title` → 1."""
    return len(path.split(".")) - 1


def parse_fields(raw: str | None, *, defaults: Sequence[str], allowed: Sequence[str] | None = None,
                 restricted: Sequence[str] = (), max_relation_depth: int | None = None,
                 relation_names: Iterable[str] | None = None) -> FieldSelection:
    """Parse a `fields` value against a route's defaults into a :class:`FieldSelection`.

    Disallowed and restricted fields are dropped silently (Medusa 2.21); paths expanding more than
    `max_relation_depth` relations answer 400 invalid_data. `relation_names` lists top-level names that are
    relations even when requested bare (e.g. `fields=variants` selects the relation with its scalars).
    """
    paths = [p for p in resolve_paths(raw, defaults) if _allowed(p, allowed) and not _restricted(p, restricted)]
    if max_relation_depth is not None:
        too_deep = [p for p in paths if relation_depth(p) > max_relation_depth]
        if too_deep:
            raise invalid_data(
                f"The following fields expand more than the maximum of {max_relation_depth} allowed relations: "
                + ", ".join(too_deep)
            )
    rels = set(relation_names or ())
    root = FieldSelection()
    for p in paths:
        parts = p.split(".")
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "*":
                node.star = True
                break
            if last:
                if i == 0 and part in rels:
                    node.relations.setdefault(part, FieldSelection(star=True))
                elif part not in node.relations:
                    node.scalars.add(part)
                break
            sub = node.relations.get(part)
            if sub is None:
                sub = node.relations[part] = FieldSelection(scalars={"id"})
            node.scalars.discard(part)
            node = sub
    return root
