"""A placed order for admin lifecycle tests, written straight into the module tables (as checkout leaves it):
two line items (1 × 25 and 3 × 25) + 10 shipping = 110 EUR, stock reserved at one location, a payment of 110
authorized with the system provider, linked to the order."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from euryale.container import Container
from euryale.ids import generate_id
from euryale.links.models import order_payment_collection, product_variant_inventory_item
from euryale.modules.file.service import FileService, build_service
from euryale.modules.inventory.models import inventory_item, inventory_level, reservation_item
from euryale.modules.order.models import (
    order_address,
    order_item,
    order_line_item,
    order_shipping,
    order_shipping_method,
    order_table,
)
from euryale.modules.payment.models import payment, payment_collection, payment_session
from euryale.modules.product.models import product, product_variant
from euryale.modules.stock_location.models import stock_location
from tests.support.logistics import admin_headers as admin_headers  # the route tests import it from here


@dataclass
class PlacedOrder:
    order_id: str
    item_ids: list[str]
    inventory_item_ids: list[str]
    location_id: str
    payment_id: str
    collection_id: str


async def place_order(container: Container, *, stocked: int = 10) -> PlacedOrder:
    """Write a pending, authorized, unfulfilled order with reservations; returns its ids."""
    tag = uuid.uuid4().hex[:8]
    db = container.database()
    order_id = generate_id("order")
    location_id = generate_id("sloc")
    item_ids = [generate_id("ordli"), generate_id("ordli")]
    inv_ids = [generate_id("iitem"), generate_id("iitem")]
    variant_ids = [generate_id("variant"), generate_id("variant")]
    quantities = [1, 3]
    collection_id = generate_id("pay_col")
    session_id = generate_id("payses")
    payment_id = generate_id("pay")
    product_id = generate_id("prod")
    async with db.transaction() as conn:
        await conn.execute(insert(product).values(id=product_id, title=f"Sweatshirt {tag}", handle=f"sweat-{tag}",
                                                  status="published"))
        await conn.execute(insert(product_variant), [
            {"id": v, "title": f"Variant {n}", "sku": f"SKU-{tag}-{n}", "product_id": product_id}
            for n, v in enumerate(variant_ids)])
        await conn.execute(insert(stock_location).values(id=location_id, name=f"Warehouse {tag}"))
        address_id = generate_id("ordaddr")
        await conn.execute(insert(order_address).values(id=address_id, first_name="Ada", last_name="Lovelace",
                                                        address_1="1 Main St", city="Paris", country_code="fr",
                                                        postal_code="75001"))
        await conn.execute(insert(order_table).values(
            id=order_id, currency_code="eur", email=f"buyer-{tag}@example.com", region_id=generate_id("reg"),
            sales_channel_id=generate_id("sc"), shipping_address_id=address_id, billing_address_id=address_id,
            status="pending", version=1, metadata={}))
        for n, (li, inv, var, qty) in enumerate(zip(item_ids, inv_ids, variant_ids, quantities, strict=True)):
            await conn.execute(insert(order_line_item).values(
                id=li, title=f"Sweatshirt {tag}", subtitle="S / White" if n == 0 else "S / Black",
                variant_id=var, product_id=product_id, product_title=f"Sweatshirt {tag}",
                variant_sku=f"SKU-{tag}-{n}", variant_title="S / White" if n == 0 else "S / Black",
                requires_shipping=True, is_discountable=True, is_tax_inclusive=False, unit_price=Decimal(25),
                metadata={}))
            await conn.execute(insert(order_item).values(
                id=generate_id("orditem"), order_id=order_id, version=1, item_id=li, quantity=qty,
                fulfilled_quantity=0, delivered_quantity=0, shipped_quantity=0, return_requested_quantity=0,
                return_received_quantity=0, return_dismissed_quantity=0, written_off_quantity=0, metadata={}))
            await conn.execute(insert(inventory_item).values(id=inv, sku=f"SKU-{tag}-{n}", title=f"Item {tag}"))
            await conn.execute(insert(inventory_level).values(
                id=generate_id("ilev"), inventory_item_id=inv, location_id=location_id, stocked_quantity=stocked,
                reserved_quantity=qty, incoming_quantity=0))
            await conn.execute(insert(reservation_item).values(
                id=generate_id("resitem"), line_item_id=li, location_id=location_id, quantity=qty,
                inventory_item_id=inv))
            await conn.execute(insert(product_variant_inventory_item).values(
                id=generate_id("pvitem"), variant_id=var, inventory_item_id=inv, required_quantity=1))
        sm_id = generate_id("ordsm")
        await conn.execute(insert(order_shipping_method).values(id=sm_id, name="Standard Shipping",
                                                                amount=Decimal(10), data={}))
        await conn.execute(insert(order_shipping).values(id=generate_id("ordspmv"), order_id=order_id, version=1,
                                                         shipping_method_id=sm_id))
        await conn.execute(insert(payment_collection).values(
            id=collection_id, currency_code="eur", amount=Decimal(110), authorized_amount=Decimal(110),
            captured_amount=0, refunded_amount=0, region_id="reg_test", status="authorized"))
        await conn.execute(insert(payment_session).values(
            id=session_id, currency_code="eur", amount=Decimal(110), provider_id="pp_system_default", data={},
            status="authorized", payment_collection_id=collection_id))
        await conn.execute(insert(payment).values(
            id=payment_id, amount=Decimal(110), currency_code="eur", provider_id="pp_system_default", data={},
            payment_collection_id=collection_id, payment_session_id=session_id, order_id=order_id))
        await conn.execute(insert(order_payment_collection).values(
            id=generate_id("ordpay"), order_id=order_id, payment_collection_id=collection_id))
    return PlacedOrder(order_id=order_id, item_ids=item_ids, inventory_item_ids=inv_ids, location_id=location_id,
                       payment_id=payment_id, collection_id=collection_id)


async def levels(container: Container, placed: PlacedOrder) -> list[tuple[int, int]]:
    """(stocked, reserved) per inventory item of the placed order, in item order."""
    out = []
    async with container.database().read() as conn:
        for inv in placed.inventory_item_ids:
            row = (await conn.execute(select(inventory_level.c.stocked_quantity, inventory_level.c.reserved_quantity)
                                      .where(inventory_level.c.inventory_item_id == inv,
                                             inventory_level.c.location_id == placed.location_id))).one()
            out.append((int(row[0]), int(row[1])))
    return out


def same_keys(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Keys Medusa's sample has that our response lacks (recursively, first list element), ignoring `raw_*`."""
    missing: list[str] = []
    if isinstance(theirs, dict) and isinstance(ours, dict):
        for k, v in theirs.items():
            if k.startswith("raw_"):
                continue
            if k not in ours:
                missing.append(f"{path}.{k}")
            else:
                missing.extend(same_keys(ours[k], v, f"{path}.{k}"))
    elif isinstance(theirs, list) and isinstance(ours, list) and theirs and ours:
        missing.extend(same_keys(ours[0], theirs[0], path + "[]"))
    return missing


@contextmanager
def local_files(container: Container, root: Path, **options: Any) -> Iterator[FileService]:
    """Point the file module at a temporary local directory for one test, then restore what was there."""
    services: dict[str, Any] = container._services
    previous = services.get("file")
    service = build_service(root=root, options={"providers": [{"resolve": "local", "id": "local",
                                                               "options": options}]})
    container.register("file", service)
    try:
        yield service
    finally:
        if previous is None:
            services.pop("file", None)
        else:
            services["file"] = previous
