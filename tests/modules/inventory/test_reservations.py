"""Reservations never oversell: locked levels, fixed lock order, all-or-nothing per call."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from euryale.container import Container
from euryale.errors import MedusaError
from euryale.ids import generate_id
from euryale.modules.inventory import service as inventory
from euryale.modules.inventory.models import inventory_level, reservation_item
from tests.support.logistics import make_item, make_location, make_sales_channel


async def test_twenty_concurrent_reservations_against_five_units(container: Container) -> None:
    db = container.database()
    async with db.transaction() as conn:
        loc = await make_location(conn)
        item = await make_item(conn, levels={loc: 5})

    async def reserve_one() -> bool:
        try:
            async with db.transaction() as conn:
                await inventory.reserve_items(conn, items=[{"inventory_item_id": item, "location_id": None,
                                                            "quantity": 1, "line_item_id": generate_id("cali")}])
            return True
        except MedusaError as exc:
            assert exc.code == inventory.INSUFFICIENT_INVENTORY
            return False

    results = await asyncio.gather(*[reserve_one() for _ in range(20)])
    assert results.count(True) == 5
    async with db.read() as conn:
        level = (await conn.execute(select(inventory_level).where(
            inventory_level.c.inventory_item_id == item))).mappings().one()
        count = len((await conn.execute(select(reservation_item.c.id).where(
            reservation_item.c.inventory_item_id == item, reservation_item.c.deleted_at.is_(None)))).all())
    assert level["reserved_quantity"] == 5 and level["stocked_quantity"] == 5
    assert count == 5


async def test_short_stock_raises_medusa_error_and_writes_nothing(container: Container) -> None:
    db = container.database()
    async with db.transaction() as conn:
        loc = await make_location(conn)
        a = await make_item(conn, levels={loc: 3})
        b = await make_item(conn, levels={loc: 1})
    with pytest.raises(MedusaError) as err:
        async with db.transaction() as conn:
            await inventory.reserve_items(conn, items=[
                {"inventory_item_id": a, "location_id": loc, "quantity": 2, "line_item_id": "li_a"},
                {"inventory_item_id": b, "location_id": loc, "quantity": 2, "line_item_id": "li_b"}])
    assert err.value.type == "not_allowed" and err.value.code == "insufficient_inventory"
    assert err.value.message == f"Not enough stock available for item {b} at location {loc}"
    async with db.read() as conn:
        q = await inventory.item_quantities(conn, inventory_item_ids=[a, b])
    assert q[a]["reserved_quantity"] == 0 and q[b]["reserved_quantity"] == 0


async def test_backorder_release_and_sales_channel_location_choice(container: Container) -> None:
    db = container.database()
    async with db.transaction() as conn:
        sc = await make_sales_channel(conn)
        other = await make_location(conn)
        mine = await make_location(conn, sales_channel_id=sc)
        item = await make_item(conn, levels={other: 100, mine: 2})
        line = generate_id("cali")
        [rid] = await inventory.reserve_items(conn, sales_channel_id=sc, items=[
            {"inventory_item_id": item, "location_id": None, "quantity": 3, "line_item_id": line,
             "allow_backorder": True}])
        res = await inventory.retrieve_reservation(conn, reservation_id=rid)
        assert res["location_id"] == mine  # only the channel's location is considered
        q = await inventory.item_quantities(conn, inventory_item_ids=[item], location_ids=[mine])
        assert q[item]["available_quantity"] == -1
        with pytest.raises(MedusaError):
            await inventory.confirm_inventory(conn, items=[{"inventory_item_id": item, "quantity": 1}],
                                              sales_channel_id=sc)
        assert await inventory.release_reservations(conn, line_item_ids=[line]) == [rid]
        q = await inventory.item_quantities(conn, inventory_item_ids=[item], location_ids=[mine])
        assert q[item]["reserved_quantity"] == 0
        await inventory.confirm_inventory(conn, items=[{"inventory_item_id": item, "quantity": 2}],
                                          sales_channel_id=sc)
        qty = await inventory.variant_inventory_quantities(conn, variant_items={"v1": [(item, 2)]},
                                                           sales_channel_id=sc)
        assert qty == {"v1": 1}
