"""Tax lines for a cart, from the tax module's system provider (`euryale.modules.tax.service`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.modules.tax import service as tax


async def calculate_tax_lines(conn: AsyncConnection, *, items: Sequence[Mapping[str, Any]],
                              shipping_methods: Sequence[Mapping[str, Any]], address: Mapping[str, Any] | None,
                              currency_code: str, country_rates: Sequence[Any] | None = None
                              ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Per item id and per shipping method id, the tax lines (cart tax-line columns) for `address`
    (`country_rates`: the address country's rates, read with the cart row)."""
    item_lines, ship_lines = await tax.calculate_tax_lines(
        conn, items=[{"id": i["id"], "product_id": i.get("product_id"), "product_type_id": i.get("product_type_id")}
                     for i in items],
        shipping_methods=[{"id": m["id"], "shipping_option_id": m.get("shipping_option_id")}
                          for m in shipping_methods],
        address=dict(address) if address else None, currency_code=currency_code, country_rates=country_rates)

    def cart_line(line: Mapping[str, Any]) -> dict[str, Any]:
        return {"rate": line["rate"], "code": line["code"], "description": line.get("name"),
                "tax_rate_id": line.get("rate_id"), "provider_id": line.get("provider_id")}

    return ({k: [cart_line(ln) for ln in v] for k, v in item_lines.items()},
            {k: [cart_line(ln) for ln in v] for k, v in ship_lines.items()})
