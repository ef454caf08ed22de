"""Tax lines for a cart from the tax module's regions and rates (the system provider's rules).

TODO(logistics): switch to `euryale.modules.tax.service.calculate_tax_lines` once it lands; this is the minimal
equivalent: the most specific tax region (province, else country), product / product type / shipping option
rate rules first, else the region's default rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.modules.tax.models import tax_rate, tax_rate_rule, tax_region

SYSTEM_PROVIDER = "tp_system"


def _line(rate: Mapping[str, Any], provider_id: str | None) -> dict[str, Any]:
    return {"rate": rate["rate"], "code": rate["code"], "name": rate["name"], "description": rate["name"],
            "tax_rate_id": rate["id"], "provider_id": provider_id or SYSTEM_PROVIDER}


async def calculate_tax_lines(conn: AsyncConnection, *, items: Sequence[Mapping[str, Any]],
                              shipping_methods: Sequence[Mapping[str, Any]], address: Mapping[str, Any] | None
                              ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Per item id and per shipping method id, the tax lines for `address` (empty without a country)."""
    item_lines: dict[str, list[dict[str, Any]]] = {i["id"]: [] for i in items}
    ship_lines: dict[str, list[dict[str, Any]]] = {m["id"]: [] for m in shipping_methods}
    country = (address or {}).get("country_code")
    if not country:
        return item_lines, ship_lines
    province = ((address or {}).get("province") or "").lower() or None
    regions = [dict(r) for r in (await conn.execute(select(tax_region).where(
        tax_region.c.country_code == country.lower(), tax_region.c.deleted_at.is_(None)))).mappings()]
    country_region = next((r for r in regions if not r["province_code"]), None)
    province_region = next((r for r in regions if province and (r["province_code"] or "").lower() == province), None)
    chain = [r for r in (province_region, country_region) if r is not None]
    if not chain:
        return item_lines, ship_lines
    rates = [dict(r) for r in (await conn.execute(select(tax_rate).where(
        tax_rate.c.tax_region_id.in_([r["id"] for r in chain]), tax_rate.c.deleted_at.is_(None)))).mappings()]
    rules: dict[str, list[dict[str, Any]]] = {}
    if rates:
        for rr in (await conn.execute(select(tax_rate_rule).where(
                tax_rate_rule.c.tax_rate_id.in_([r["id"] for r in rates]),
                tax_rate_rule.c.deleted_at.is_(None)))).mappings():
            rules.setdefault(rr["tax_rate_id"], []).append(dict(rr))

    def pick(refs: dict[str, str | None]) -> list[dict[str, Any]]:
        for reg in chain:
            reg_rates = [r for r in rates if r["tax_region_id"] == reg["id"]]
            matched = [r for r in reg_rates if any(
                refs.get(rule["reference"]) and rule["reference_id"] == refs.get(rule["reference"])
                for rule in rules.get(r["id"], []))]
            if matched:
                return [_line(r, reg["provider_id"]) for r in matched]
            default = next((r for r in reg_rates if r["is_default"]), None)
            if default is not None:
                return [_line(default, reg["provider_id"])]
        return []

    for i in items:
        item_lines[i["id"]] = pick({"product": i.get("product_id"), "product_type": i.get("product_type_id")})
    for m in shipping_methods:
        ship_lines[m["id"]] = pick({"shipping_option": m.get("shipping_option_id")})
    return item_lines, ship_lines
