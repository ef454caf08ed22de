"""Tax lines from tax regions: country default, province override, combinable rates, product/type/shipping rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from euryale.container import Container
from euryale.modules.tax import service as tax


async def _setup(conn, country: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    parent = await tax.create_tax_region(conn, data={"country_code": country, "default_tax_rate": {
        "rate": 19, "code": "VAT", "name": "Standard"}})
    reduced = await tax.create_tax_rate(conn, data={"tax_region_id": parent["id"], "rate": 7, "code": "RED",
                                                    "name": "Reduced", "rules": [
                                                        {"reference": "product_type", "reference_id": "ptyp_books"},
                                                        {"reference": "shipping_option", "reference_id": "so_cheap"}]})
    special = await tax.create_tax_rate(conn, data={"tax_region_id": parent["id"], "rate": 0, "code": "ZERO",
                                                    "name": "Zero", "rules": [
                                                        {"reference": "product", "reference_id": "prod_bread"}]})
    prov = await tax.create_tax_region(conn, data={"country_code": country, "province_code": "p1",
                                                   "default_tax_rate": {"rate": 5, "code": "PST", "name": "Prov",
                                                                        "is_combinable": True}})
    prov2 = await tax.create_tax_region(conn, data={"country_code": country, "province_code": "p2",
                                                    "default_tax_rate": {"rate": 13, "code": "HST", "name": "Harm"}})
    return {"parent": parent["id"], "reduced": reduced["id"], "special": special["id"], "prov": prov["id"],
            "prov2": prov2["id"]}


CASES = [
    # (address, item, expected [(code, rate)])
    ({"country_code": "{c}"}, {"product_id": "prod_x"}, [("VAT", 19)]),
    ({"country_code": "{c}"}, {"product_id": "prod_x", "product_type_id": "ptyp_books"}, [("RED", 7)]),
    ({"country_code": "{c}"}, {"product_id": "prod_bread", "product_type_id": "ptyp_books"}, [("ZERO", 0)]),
    ({"country_code": "{c}", "province": "P1"}, {"product_id": "prod_x"}, [("PST", 5), ("VAT", 19)]),
    ({"country_code": "{c}", "province_code": "p2"}, {"product_id": "prod_x"}, [("HST", 13)]),
    ({"country_code": "{c}", "province_code": "unknown"}, {"product_id": "prod_x"}, [("VAT", 19)]),
    ({"country_code": "zz"}, {"product_id": "prod_x"}, []),
    (None, {"product_id": "prod_x"}, []),
]


@pytest.mark.parametrize(("address", "item", "expected"), CASES)
async def test_item_tax_lines(container: Container, address: dict[str, str] | None, item: dict[str, str],
                              expected: list[tuple[str, int]]) -> None:
    async with container.database().transaction() as conn:
        country = "t" + chr(ord("a") + CASES.index((address, item, expected)))
        await _setup(conn, country)
        addr = {k: v.format(c=country) for k, v in address.items()} if address else None
        items, ships = await tax.calculate_tax_lines(conn, items=[{"id": "li_1", **item}], shipping_methods=[],
                                                     address=addr, currency_code="eur")
        assert [(line["code"], line["rate"]) for line in items["li_1"]] == [(c, Decimal(r)) for c, r in expected]
        assert ships == {}
        await conn.rollback()


async def test_shipping_lines_and_line_shape(container: Container) -> None:
    async with container.database().transaction() as conn:
        ids = await _setup(conn, "ts")
        _, ships = await tax.calculate_tax_lines(conn, items=[], shipping_methods=[
            {"id": "sm_1", "shipping_option_id": "so_cheap"}, {"id": "sm_2", "shipping_option_id": "so_other"}],
            address={"country_code": "TS"}, currency_code="eur")
        assert ships["sm_1"] == [{"rate_id": ids["reduced"], "rate": Decimal(7), "code": "RED", "name": "Reduced",
                                  "provider_id": "tp_system"}]
        assert [line["code"] for line in ships["sm_2"]] == ["VAT"]
        await conn.rollback()


INCLUSIVE_CASES = [
    # (address, unit_price, is_tax_inclusive, expected subtotal, tax_total, total)
    ({"country_code": "ti"}, "119", True, "100", "19", "119"),
    ({"country_code": "ti"}, "100", False, "100", "19", "119"),
    ({"country_code": "ti", "province_code": "p1"}, "124", True, "100", "24", "124"),  # 5% + 19% combinable
    ({"country_code": "ti", "province_code": "p2"}, "100", False, "100", "13", "113"),
]


@pytest.mark.parametrize(("address", "price", "inclusive", "subtotal", "tax_total", "total"), INCLUSIVE_CASES)
async def test_lines_feed_inclusive_and_exclusive_totals(container: Container, address: dict[str, str], price: str,
                                                         inclusive: bool, subtotal: str, tax_total: str,
                                                         total: str) -> None:
    from euryale.totals.cart_totals import line_item_totals

    async with container.database().transaction() as conn:
        await _setup(conn, "ti")
        items, _ = await tax.calculate_tax_lines(conn, items=[{"id": "li", "product_id": "prod_x"}],
                                                 shipping_methods=[], address=address, currency_code="eur")
        totals = line_item_totals({"unit_price": Decimal(price), "quantity": 1, "is_tax_inclusive": inclusive,
                                   "tax_lines": items["li"], "adjustments": []})
        assert (totals["subtotal"], totals["tax_total"], totals["total"]) == (Decimal(subtotal), Decimal(tax_total),
                                                                               Decimal(total))
        await conn.rollback()
