"""The `fields` grammar: defaults, +/-, *rel / rel.*, bare lists, allowed/restricted, depth limit."""

from __future__ import annotations

import pytest

from euryale.errors import MedusaError
from euryale.query.fields import parse_fields

DEFAULTS = ["id", "title", "handle", "*variants", "*variants.options", "*options", "*options.values"]


def test_defaults_when_absent() -> None:
    sel = parse_fields(None, defaults=DEFAULTS)
    assert sel.has("title") and sel.has("variants") and sel.has("variants.options")
    assert sel.relation("variants") is not None and sel.relation("variants").star  # type: ignore[union-attr]


def test_plus_adds_and_minus_removes() -> None:
    sel = parse_fields("+metadata,-title,*variants.calculated_price", defaults=DEFAULTS)
    assert sel.has("metadata") and not sel.has("title")
    assert sel.has("variants.calculated_price") and sel.has("handle")


def test_leading_space_means_plus() -> None:
    sel = parse_fields(" metadata", defaults=DEFAULTS)
    assert sel.has("metadata") and sel.has("title")


def test_bare_list_replaces_defaults_and_keeps_id() -> None:
    sel = parse_fields("title,variants.sku", defaults=DEFAULTS)
    assert sel.scalars == {"id", "title"}
    variants = sel.relation("variants")
    assert variants is not None and variants.scalars == {"id", "sku"} and not variants.star
    assert not sel.has("options")


def test_minus_relation_drops_nested_defaults() -> None:
    sel = parse_fields("-variants", defaults=DEFAULTS)
    assert not sel.has("variants") and not sel.has("variants.options") and sel.has("options")


def test_disallowed_and_restricted_are_dropped_silently() -> None:
    sel = parse_fields("+secret,+orders.id,+variants.sku", defaults=DEFAULTS,
                       allowed=["id", "title", "handle", "variants", "options"], restricted=["order", "orders"])
    assert not sel.has("secret") and not sel.has("orders") and sel.has("variants.sku")


def test_depth_limit_is_a_400() -> None:
    with pytest.raises(MedusaError) as err:
        parse_fields("*variants.options.option.values.option", defaults=DEFAULTS, max_relation_depth=4)
    assert err.value.status == 400 and err.value.type == "invalid_data"
    assert "expand more than the maximum of 4 allowed relations" in err.value.message


def test_project_keeps_selected_keys() -> None:
    sel = parse_fields("title,variants.sku", defaults=DEFAULTS)
    row = {"id": "p1", "title": "T", "handle": "h", "variants": [{"id": "v1", "sku": "S", "title": "x"}]}
    assert sel.project(row) == {"id": "p1", "title": "T", "variants": [{"id": "v1", "sku": "S"}]}
