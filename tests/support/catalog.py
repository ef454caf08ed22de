"""Catalog test helpers: admin bearer headers, a sales channel with its publishable key, regions, products."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from ulid import ULID

from euryale.config import EuryaleConfig
from euryale.container import Container
from euryale.flows import catalog as catalog_flows
from euryale.http.auth import AuthContext, issue_token
from euryale.ids import generate_id
from euryale.links import service as links
from euryale.modules.api_key import service as api_keys
from euryale.modules.region import service as regions
from euryale.modules.sales_channel import service as channels


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{str(ULID()).lower()}"


def admin_headers(config: EuryaleConfig) -> dict[str, str]:
    """Bearer headers of a fresh admin user (actor `user`), as `/auth/user/emailpass` issues them."""
    token = issue_token(config, AuthContext(actor_id=generate_id("user"), actor_type="user",
                                            auth_identity_id=generate_id("authid")))
    return {"Authorization": f"Bearer {token}"}


async def channel_with_key(container: Container, *, channels_count: int = 1) -> tuple[list[str], str, str]:
    """(sales channel ids, publishable token, key id) — a fresh key linked to fresh channels."""
    async with container.database().transaction() as conn:
        sc_ids = await channels.create_sales_channels(conn, data=[{"name": unique("sc")}
                                                                 for _ in range(channels_count)])
        key = await api_keys.create_api_key(conn, title=unique("key"), type="publishable", created_by="test")
        await links.create_links(conn, "publishable_api_key_sales_channel", [(key["id"], s) for s in sc_ids])
    return sc_ids, key["token"], key["id"]


async def make_region(container: Container, currency: str = "eur", countries: list[str] | None = None) -> str:
    async with container.database().transaction() as conn:
        await catalog_flows.ensure_payment_provider(conn, "pp_system_default")
        return await regions.create_region(conn, data={"name": unique("region"), "currency_code": currency,
                                                       "countries": countries or []})


def product_body(sales_channel_ids: list[str], *, title: str | None = None, status: str = "published",
                 eur: Decimal | int = 10, usd: Decimal | int = 12, **extra: Any) -> dict[str, Any]:
    title = title or unique("Shirt")
    sku = unique("SKU").upper()
    body: dict[str, Any] = {
        "title": title, "status": status, "sales_channels": [{"id": s} for s in sales_channel_ids],
        "options": [{"title": "Size", "values": ["S", "M"]}],
        "variants": [
            {"title": "S", "sku": sku + "-S", "options": {"Size": "S"},
             "prices": [{"currency_code": "eur", "amount": float(eur)}, {"currency_code": "usd", "amount": float(usd)}]},
            {"title": "M", "sku": sku + "-M", "options": {"Size": "M"},
             "prices": [{"currency_code": "eur", "amount": float(eur) + 1},
                        {"currency_code": "usd", "amount": float(usd) + 1}]},
        ],
    }
    body.update(extra)
    return body


async def create_product(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    res = await client.post("/admin/products", json=body, headers=headers)
    assert res.status_code == 200, res.text
    product: dict[str, Any] = res.json()["product"]
    return product
