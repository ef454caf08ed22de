"""Tax: tax regions (country, province children), rates with product / product type / shipping option rules, and
the system provider (`tp_system`) that turns them into tax lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, Text, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import crud
from euryale.db.compiled import CompiledQuery
from euryale.db.sql import json_decoded, json_decoders, json_rows
from euryale.errors import duplicate, invalid_data, not_found
from euryale.ids import generate_id
from euryale.modules.tax.models import tax_provider, tax_rate, tax_rate_rule, tax_region

SYSTEM_PROVIDER = "tp_system"
RATE_FIELDS = ("rate", "code", "name", "is_default", "is_combinable", "metadata")


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if "rate" in out and out["rate"] is not None:
        out["rate"] = Decimal(str(out["rate"]))
    return out


# ---------------------------------------------------------------- reads

async def expand_rates(conn: AsyncConnection, rates: list[dict[str, Any]], *,
                       with_region: bool = True) -> list[dict[str, Any]]:
    """Rates with `rules` (and `tax_region`)."""
    ids = [r["id"] for r in rates]
    rules: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        for rule in await crud.rows_where(conn, tax_rate_rule, tax_rate_rule.c.tax_rate_id.in_(ids)):
            rules[rule["tax_rate_id"]].append(rule)
    regions: dict[str, dict[str, Any]] = {}
    if with_region and rates:
        region_ids = sorted({r["tax_region_id"] for r in rates})
        regions = {r["id"]: r for r in await crud.rows_where(conn, tax_region, tax_region.c.id.in_(region_ids),
                                                              with_deleted=True)}
    out = []
    for r in rates:
        d = {**_public(r), "rules": rules.get(r["id"], [])}
        if with_region:
            d["tax_region"] = regions.get(r["tax_region_id"])
        out.append(d)
    return out


async def expand_regions(conn: AsyncConnection, regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Regions with `tax_rates[].rules`, `parent`, `children[].tax_rates[].rules` (one query per relation)."""
    if not regions:
        return []
    ids = [r["id"] for r in regions]
    children = await crud.rows_where(conn, tax_region, tax_region.c.parent_id.in_(ids))
    parent_ids = sorted({r["parent_id"] for r in regions if r["parent_id"]})
    parents = {p["id"]: p for p in await crud.rows_where(conn, tax_region, tax_region.c.id.in_(parent_ids))}
    all_ids = ids + [c["id"] for c in children]
    rates = await expand_rates(conn, await crud.rows_where(conn, tax_rate, tax_rate.c.tax_region_id.in_(all_ids)),
                               with_region=False)
    by_region: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rate in rates:
        by_region[rate["tax_region_id"]].append(rate)
    kids: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in children:
        kids[c["parent_id"]].append({**c, "tax_rates": by_region.get(c["id"], [])})
    return [{**r, "tax_rates": by_region.get(r["id"], []), "parent": parents.get(r["parent_id"] or ""),
             "children": kids.get(r["id"], [])} for r in regions]


async def retrieve_tax_region(conn: AsyncConnection, *, tax_region_id: str) -> dict[str, Any]:
    """One region with rates and children, or 404."""
    row = await crud.get_row(conn, tax_region, tax_region_id)
    if row is None:
        raise not_found(f"TaxRegion with id: {tax_region_id} was not found")
    return (await expand_regions(conn, [row]))[0]


async def retrieve_tax_rate(conn: AsyncConnection, *, tax_rate_id: str) -> dict[str, Any]:
    """One rate with rules and region, or 404."""
    row = await crud.get_row(conn, tax_rate, tax_rate_id)
    if row is None:
        raise not_found(f"TaxRate with id: {tax_rate_id} was not found")
    return (await expand_rates(conn, [row]))[0]


async def list_providers(conn: AsyncConnection) -> list[dict[str, Any]]:
    """Tax providers (`tp_system` installed by migration)."""
    rows = await conn.execute(select(tax_provider).order_by(tax_provider.c.id))
    return [dict(r) for r in rows.mappings().all()]


# ---------------------------------------------------------------- writes

async def create_tax_region(conn: AsyncConnection, *, data: dict[str, Any],
                            created_by: str | None = None) -> dict[str, Any]:
    """Create a region `{country_code, province_code?, parent_id?, provider_id?, default_tax_rate?, metadata?}`;
    a province region is attached to its country's region (which must exist)."""
    country = str(data["country_code"]).lower()
    province = str(data["province_code"]).lower() if data.get("province_code") else None
    parent_id = data.get("parent_id")
    if province and not parent_id:
        parents = await crud.rows_where(conn, tax_region, tax_region.c.country_code == country,
                                        tax_region.c.province_code.is_(None))
        if not parents:
            raise invalid_data(f"Province tax region for {country} requires a parent tax region for the country")
        parent_id = parents[0]["id"]
    elif parent_id and await crud.get_row(conn, tax_region, parent_id) is None:
        raise not_found(f"TaxRegion with id: {parent_id} was not found")
    clash = await crud.rows_where(conn, tax_region, tax_region.c.country_code == country,
                                  tax_region.c.province_code.is_(None) if province is None
                                  else func.lower(tax_region.c.province_code) == province)
    if clash:
        where = f"country: {country}" + (f", province: {province}" if province else "")
        raise duplicate(f"Tax region with {where} already exists.")
    provider_id = data.get("provider_id") or (None if parent_id else SYSTEM_PROVIDER)
    region_id = generate_id("txreg")
    await crud.insert_row(conn, tax_region, {"id": region_id, "country_code": country, "province_code": province,
                                             "parent_id": parent_id, "provider_id": provider_id,
                                             "metadata": data.get("metadata"), "created_by": created_by})
    default = data.get("default_tax_rate")
    if default:
        await create_tax_rate(conn, data={**default, "tax_region_id": region_id, "is_default": True},
                              created_by=created_by)
    return await retrieve_tax_region(conn, tax_region_id=region_id)


async def update_tax_region(conn: AsyncConnection, *, tax_region_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Update province/provider/metadata."""
    await retrieve_tax_region(conn, tax_region_id=tax_region_id)
    values: dict[str, Any] = {k: data[k] for k in ("province_code", "provider_id", "metadata") if k in data}
    await crud.update_row(conn, tax_region, tax_region_id, values)
    return await retrieve_tax_region(conn, tax_region_id=tax_region_id)


async def delete_tax_region(conn: AsyncConnection, *, tax_region_id: str) -> None:
    """Soft-delete a region, its child regions and all their rates and rules."""
    ids = [tax_region_id] + [c["id"] for c in await crud.rows_where(conn, tax_region,
                                                                     tax_region.c.parent_id == tax_region_id)]
    await crud.soft_delete(conn, tax_region, ids)
    rate_ids = [r["id"] for r in await crud.rows_where(conn, tax_rate, tax_rate.c.tax_region_id.in_(ids))]
    await crud.soft_delete(conn, tax_rate, rate_ids)
    await conn.execute(update(tax_rate_rule).where(tax_rate_rule.c.tax_rate_id.in_(rate_ids),
                                                   tax_rate_rule.c.deleted_at.is_(None)).values(deleted_at=func.now()))


async def create_tax_rate(conn: AsyncConnection, *, data: dict[str, Any],
                          created_by: str | None = None) -> dict[str, Any]:
    """Create a rate `{tax_region_id, rate?, code, name, is_default?, is_combinable?, rules?: [{reference,
    reference_id}]}`; a new default rate replaces the region's previous default."""
    if await crud.get_row(conn, tax_region, data["tax_region_id"]) is None:
        raise not_found(f"TaxRegion with id: {data['tax_region_id']} was not found")
    if data.get("is_default"):
        await conn.execute(update(tax_rate).where(tax_rate.c.tax_region_id == data["tax_region_id"],
                                                  tax_rate.c.is_default.is_(True), tax_rate.c.deleted_at.is_(None))
                           .values(is_default=False, updated_at=func.now()))
    rate_id = generate_id("txr")
    row = {"id": rate_id, "tax_region_id": data["tax_region_id"], "created_by": created_by,
           **{k: data[k] for k in RATE_FIELDS if k in data and data[k] is not None}}
    row["rate"] = float(data.get("rate") or 0)
    await crud.insert_row(conn, tax_rate, row)
    await _add_rules(conn, rate_id, data.get("rules") or [], created_by)
    return await retrieve_tax_rate(conn, tax_rate_id=rate_id)


async def _add_rules(conn: AsyncConnection, rate_id: str, rules: Sequence[dict[str, Any]],
                     created_by: str | None) -> list[dict[str, Any]]:
    existing = {r["reference_id"] for r in await crud.rows_where(conn, tax_rate_rule,
                                                                 tax_rate_rule.c.tax_rate_id == rate_id)}
    rows = []
    for rule in rules:
        if rule["reference_id"] in existing:
            raise duplicate(f"Tax rate rule with tax_rate_id: {rate_id}, reference_id: {rule['reference_id']} "
                            "already exists.")
        existing.add(rule["reference_id"])
        rows.append({"id": generate_id("txrule"), "tax_rate_id": rate_id, "reference": rule["reference"],
                     "reference_id": rule["reference_id"], "metadata": rule.get("metadata"),
                     "created_by": created_by})
    return await crud.insert_rows(conn, tax_rate_rule, rows)


async def update_tax_rate(conn: AsyncConnection, *, tax_rate_id: str, data: dict[str, Any],
                          created_by: str | None = None) -> dict[str, Any]:
    """Update a rate; `rules` given replaces its rules."""
    current = await retrieve_tax_rate(conn, tax_rate_id=tax_rate_id)
    values = {k: data[k] for k in RATE_FIELDS if k in data}
    if "rate" in values and values["rate"] is not None:
        values["rate"] = float(values["rate"])
    if values.get("is_default"):
        await conn.execute(update(tax_rate).where(tax_rate.c.tax_region_id == current["tax_region_id"],
                                                  tax_rate.c.id != tax_rate_id, tax_rate.c.is_default.is_(True),
                                                  tax_rate.c.deleted_at.is_(None))
                           .values(is_default=False, updated_at=func.now()))
    await crud.update_row(conn, tax_rate, tax_rate_id, values)
    if data.get("rules") is not None:
        await conn.execute(update(tax_rate_rule).where(tax_rate_rule.c.tax_rate_id == tax_rate_id,
                                                       tax_rate_rule.c.deleted_at.is_(None))
                           .values(deleted_at=func.now()))
        await _add_rules(conn, tax_rate_id, data["rules"], created_by)
    return await retrieve_tax_rate(conn, tax_rate_id=tax_rate_id)


async def delete_tax_rate(conn: AsyncConnection, *, tax_rate_id: str) -> None:
    """Soft-delete a rate and its rules."""
    await crud.soft_delete(conn, tax_rate, [tax_rate_id])
    await conn.execute(update(tax_rate_rule).where(tax_rate_rule.c.tax_rate_id == tax_rate_id,
                                                   tax_rate_rule.c.deleted_at.is_(None)).values(deleted_at=func.now()))


async def add_tax_rate_rule(conn: AsyncConnection, *, tax_rate_id: str, reference: str, reference_id: str,
                            created_by: str | None = None) -> dict[str, Any]:
    """`POST /admin/tax-rates/:id/rules`."""
    await retrieve_tax_rate(conn, tax_rate_id=tax_rate_id)
    await _add_rules(conn, tax_rate_id, [{"reference": reference, "reference_id": reference_id}], created_by)
    return await retrieve_tax_rate(conn, tax_rate_id=tax_rate_id)


async def remove_tax_rate_rule(conn: AsyncConnection, *, tax_rate_id: str, rule_id: str) -> None:
    """`DELETE /admin/tax-rates/:id/rules/:rule_id` (Medusa's :rule_id is the rule's reference_id)."""
    await retrieve_tax_rate(conn, tax_rate_id=tax_rate_id)
    await conn.execute(update(tax_rate_rule).where(
        tax_rate_rule.c.tax_rate_id == tax_rate_id, tax_rate_rule.c.deleted_at.is_(None),
        (tax_rate_rule.c.reference_id == rule_id) | (tax_rate_rule.c.id == rule_id)).values(deleted_at=func.now()))


# ---------------------------------------------------------------- calculation (system provider)

def _line(rate: dict[str, Any], provider_id: str | None) -> dict[str, Any]:
    return {"rate_id": rate["id"], "rate": Decimal(str(rate["rate"])), "code": rate["code"], "name": rate["name"],
            "provider_id": provider_id or SYSTEM_PROVIDER}


def _pick(rates: list[dict[str, Any]], refs: dict[str, str | None]) -> dict[str, Any] | None:
    """Most specific rate: a rule on the product, then the product type / shipping option, then the default."""
    for reference in ("product", "product_type", "shipping_option"):
        ref_id = refs.get(reference)
        if not ref_id:
            continue
        for rate in rates:
            if any(r["reference"] == reference and r["reference_id"] == ref_id for r in rate["rules"]):
                return rate
    return next((r for r in rates if r["is_default"]), None)


def _country_rates_parts(country: Any) -> tuple[list[Any], Any, list[Any], list[Any]]:
    """Columns, FROM, WHERE and ORDER BY of the live tax regions of `country` with their live rates and rules."""
    rg, rt, ru = tax_region, tax_rate, tax_rate_rule

    def rule_column(name: str) -> Any:
        return func.array(select(ru.c[name]).where(ru.c.tax_rate_id == rt.c.id, ru.c.deleted_at.is_(None))
                          .order_by(ru.c.created_at, ru.c.id).scalar_subquery(), type_=ARRAY(Text))
    columns = [rg.c.id.label("region_id"), rg.c.provider_id.label("region_provider_id"),
               rg.c.province_code, rg.c.parent_id, rg.c.created_at.label("region_created_at"),
               rt.c.id, rt.c.rate, rt.c.code, rt.c.name, rt.c.is_default, rt.c.is_combinable,
               rule_column("reference").label("rule_references"),
               rule_column("reference_id").label("rule_reference_ids")]
    return (columns, rg.outerjoin(rt, (rt.c.tax_region_id == rg.c.id) & rt.c.deleted_at.is_(None)),
            [rg.c.country_code == country, rg.c.deleted_at.is_(None)],
            [rg.c.created_at, rg.c.id, rt.c.created_at, rt.c.id])


def _country_rates_query() -> Any:
    columns, from_, where, order = _country_rates_parts(bindparam("country"))
    return select(*columns).select_from(from_).where(*where).order_by(*order)


_COUNTRY_RATES = CompiledQuery(_country_rates_query)


def country_rates_column(country_code: Any) -> Any:
    """A scalar subquery: the rows `_country_rates` reads for the country `country_code` (a column of the outer
    statement, any case) as one JSON array, so a statement that reads the address (the cart's locking read) brings
    them too; `country_rates_of` turns the value into `calculate_tax_lines`' `country_rates`."""
    columns, from_, where, order = _country_rates_parts(func.lower(country_code))
    return json_rows(_json_rate_columns(columns), from_, where, order)


def _json_rate_columns(columns: list[Any]) -> list[Any]:
    # the regions' creation time orders the rows; `_country_rates` does not read it
    return [c for c in columns if c.key != "region_created_at"]


_RATE_DECODERS = json_decoders(_json_rate_columns(_country_rates_parts(bindparam("country"))[0]))


def country_rates_of(value: Any) -> list[dict[str, Any]]:
    """The `country_rates_column` value as the rows `_country_rates` reads (rate as a float, as read alone)."""
    return json_decoded(value, _RATE_DECODERS)


async def _country_rates(conn: AsyncConnection, country: str, rows: Sequence[Any] | None = None
                         ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The live tax regions of a country and their live rates with rules (regions and rates in creation order):
    one statement (none when `rows`, `country_rates_of`'s value for that country, are given)."""
    regions: dict[str, dict[str, Any]] = {}
    rates: list[dict[str, Any]] = []
    for r in rows if rows is not None else await _COUNTRY_RATES.fetch(conn, country=country):
        regions.setdefault(r["region_id"], {"id": r["region_id"], "provider_id": r["region_provider_id"],
                                            "province_code": r["province_code"], "parent_id": r["parent_id"]})
        if r["id"] is not None:
            rates.append({"id": r["id"], "rate": r["rate"], "code": r["code"], "name": r["name"],
                          "is_default": r["is_default"], "is_combinable": r["is_combinable"],
                          "tax_region_id": r["region_id"],
                          "rules": [{"reference": ref, "reference_id": ref_id} for ref, ref_id in
                                    zip(r["rule_references"], r["rule_reference_ids"], strict=True)]})
    return list(regions.values()), rates


async def calculate_tax_lines(conn: AsyncConnection, *, items: list[dict[str, Any]],
                              shipping_methods: list[dict[str, Any]], address: dict[str, Any] | None,
                              currency_code: str, country_rates: Sequence[Any] | None = None
                              ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Tax lines for a cart/order: `({item_id: [line]}, {shipping_method_id: [line]})`.

    items: `{id, product_id?, product_type_id?}`; shipping methods: `{id, shipping_option_id?}`; address:
    `{country_code, province?/province_code?}`. The province region's matching rate wins; when it is combinable the
    country region's matching rate is added too. Line: `{rate_id, rate (Decimal percent), code, name,
    provider_id}`. No address / no tax region for the country → no lines. `currency_code` is accepted for
    provider parity (the system provider does not use it). `country_rates`: the address country's rows as
    `country_rates_of` gives them, when the caller read them already (no statement).
    """
    del currency_code
    empty_items: dict[str, list[dict[str, Any]]] = {str(i["id"]): [] for i in items}
    empty_ship: dict[str, list[dict[str, Any]]] = {str(s["id"]): [] for s in shipping_methods}
    country = ((address or {}).get("country_code") or "").lower()
    if not country:
        return empty_items, empty_ship
    province = ((address or {}).get("province_code") or (address or {}).get("province") or "").lower() or None
    regions, all_rates = await _country_rates(conn, country, country_rates)
    parent = next((r for r in regions if r["province_code"] is None), None)
    if parent is None:
        return empty_items, empty_ship
    child = next((r for r in regions if province and (r["province_code"] or "").lower() == province
                  and r["parent_id"] == parent["id"]), None)
    region_ids = {parent["id"]} | ({child["id"]} if child else set())
    rates = [r for r in all_rates if r["tax_region_id"] in region_ids]
    parent_rates = [r for r in rates if r["tax_region_id"] == parent["id"]]
    child_rates = [r for r in rates if child and r["tax_region_id"] == child["id"]]
    provider = (child or {}).get("provider_id") or parent["provider_id"]

    def lines_for(refs: dict[str, str | None]) -> list[dict[str, Any]]:
        if child is not None:
            chosen = _pick(child_rates, refs)
            if chosen is not None:
                out = [_line(chosen, provider)]
                if chosen["is_combinable"]:
                    extra = _pick(parent_rates, refs)
                    if extra is not None:
                        out.append(_line(extra, parent["provider_id"]))
                return out
        chosen = _pick(parent_rates, refs)
        return [_line(chosen, parent["provider_id"])] if chosen is not None else []

    item_lines = {str(i["id"]): lines_for({"product": i.get("product_id"),
                                           "product_type": i.get("product_type_id")}) for i in items}
    ship_lines = {str(s["id"]): lines_for({"shipping_option": s.get("shipping_option_id")})
                  for s in shipping_methods}
    return item_lines, ship_lines
