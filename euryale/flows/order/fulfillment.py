"""Fulfil an order, ship it, mark it delivered, cancel a fulfillment — stock and order quantities move together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import Database
from euryale.errors import invalid_data, not_allowed, not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.order import stock
from euryale.links import service as links
from euryale.modules.fulfillment import service as fulfillments
from euryale.modules.order import lifecycle as orders

MANUAL_PROVIDER = "manual_manual"
ADDRESS_KEYS = ("company", "first_name", "last_name", "address_1", "address_2", "city", "country_code", "province",
                "postal_code", "phone", "metadata")


def _check_items_exist(order_id: str, wanted: Sequence[Mapping[str, Any]], by_id: Mapping[str, Any]) -> None:
    missing = [w["id"] for w in wanted if w["id"] not in by_id]
    if missing:
        raise invalid_data(f"Items with ids {', '.join(missing)} does not exist in order with id {order_id}.")


async def _order_fulfillment(conn: AsyncConnection, *, order_id: str, fulfillment_id: str) -> dict[str, Any]:
    """The fulfillment, checked to belong to the order."""
    linked = await links.linked(conn, "order_fulfillment", left_ids=[order_id])
    if fulfillment_id not in linked.get(order_id, []):
        raise not_found(f"Fulfillment with id: {fulfillment_id} was not found")
    return await fulfillments.retrieve_fulfillment(conn, fulfillment_id=fulfillment_id)


async def create_order_fulfillment(db: Database, *, order_id: str, items: Sequence[Mapping[str, Any]],
                                   location_id: str | None, created_by: str | None,
                                   labels: Sequence[Mapping[str, Any]] = (), no_notification: bool | None = None,
                                   metadata: Mapping[str, Any] | None = None,
                                   requires_shipping: bool | None = None) -> str:
    """Fulfil chosen items from a location: creates the fulfillment, moves stock out, counts items fulfilled."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order_id])}
        _check_items_exist(order_id, items, rows)
        for it in items:
            row = rows[it["id"]]
            left = (orders.dec(row["quantity"]) - orders.dec(row["fulfilled_quantity"])
                    - orders.dec(row["written_off_quantity"]))
            if orders.dec(it["quantity"]) > left:
                raise not_allowed(f"Cannot fulfill more items than what was ordered for item {it['id']}.")
        methods = await orders.shipping_methods(conn, order_ids=[order_id])
        option_id = next((m["shipping_option_id"] for m in methods if m["shipping_option_id"]), None)
        if location_id is None:
            location_id = await stock.default_location(conn, shipping_option_ids=[option_id or ""])
        if location_id is None:
            raise invalid_data(f"Cannot create fulfillment without location for order {order_id}")
        provider = await stock.shipping_option_provider(conn, shipping_option_id=option_id) or MANUAL_PROVIDER
        inv = await stock.variant_inventory(conn, variant_ids=[rows[i["id"]]["variant_id"] for i in items])
        f_items = []
        lines = []
        for it in items:
            row = rows[it["id"]]
            qty = orders.dec(it["quantity"])
            links_ = inv.get(row["variant_id"] or "", [])
            f_items.append({"title": row["variant_title"] or row["title"], "sku": row["variant_sku"] or "",
                            "barcode": row["variant_barcode"] or "", "quantity": qty, "line_item_id": row["id"],
                            "inventory_item_id": links_[0][0] if links_ else None})
            if links_:
                lines.append({"line_item_id": row["id"], "units": {iid: int(qty) * req for iid, req in links_}})
        addr = await orders.get_address(conn, address_id=order["shipping_address_id"])
        address = {k: addr[k] for k in ADDRESS_KEYS} if addr else None
        ship = requires_shipping if requires_shipping is not None else any(
            rows[i["id"]]["requires_shipping"] for i in items)
        ful = await fulfillments.create_fulfillment(
            conn, location_id=location_id, provider_id=provider, delivery_address=address,
            items=f_items, labels=[dict(lb) for lb in labels], order_id=order_id,
            metadata=dict(metadata) if metadata else None, shipping_option_id=option_id,
            requires_shipping=ship, created_by=created_by)
        await stock.ship_out(conn, location_id=location_id, lines=lines)
        await orders.add_item_quantities(conn, order_id=order_id, deltas={
            it["id"]: {"fulfilled_quantity": orders.dec(it["quantity"])} for it in items})
        await orders.record_change(conn, order_id=order_id, change_type=None, created_by=created_by, actions=[
            {"action": "FULFILL_ITEM", "reference": "fulfillment", "reference_id": ful["id"],
             "details": {"reference_id": it["id"], "quantity": str(it["quantity"])}} for it in items])
        await orders.refresh_summary(conn, order_id=order_id)
        await stage_events(conn, Event("order.fulfillment_created", {
            "order_id": order_id, "fulfillment_id": ful["id"], "no_notification": bool(no_notification)}))
        return str(ful["id"])


async def create_order_shipment(db: Database, *, order_id: str, fulfillment_id: str,
                                items: Sequence[Mapping[str, Any]] | None, labels: Sequence[Mapping[str, Any]],
                                created_by: str | None, no_notification: bool | None = None) -> None:
    """Ship a fulfillment with tracking labels; the shipped items count as shipped on the order."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        ful = await _order_fulfillment(conn, order_id=order_id, fulfillment_id=fulfillment_id)
        ful_qty = {i["line_item_id"]: orders.dec(i["quantity"]) for i in ful["items"] if i["line_item_id"]}
        wanted = list(items) if items else [{"id": k, "quantity": v} for k, v in ful_qty.items()]
        rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order_id])}
        _check_items_exist(order_id, wanted, rows)
        for it in wanted:
            row = rows[it["id"]]
            if orders.dec(it["quantity"]) > orders.dec(row["fulfilled_quantity"]) - orders.dec(row["shipped_quantity"]):
                raise not_allowed(f"Cannot ship more items than what was fulfilled for item {it['id']}.")
        await fulfillments.create_shipment(conn, fulfillment_id=fulfillment_id, labels=[dict(x) for x in labels],
                                           marked_shipped_by=created_by)
        await orders.add_item_quantities(conn, order_id=order_id, deltas={
            it["id"]: {"shipped_quantity": orders.dec(it["quantity"])} for it in wanted})
        await orders.record_change(conn, order_id=order_id, change_type=None, created_by=created_by, actions=[
            {"action": "SHIP_ITEM", "reference": "fulfillment", "reference_id": fulfillment_id,
             "details": {"reference_id": it["id"], "quantity": str(it["quantity"])}} for it in wanted])
        await orders.refresh_summary(conn, order_id=order_id)
        await stage_events(conn, Event("shipment.created", {"id": fulfillment_id,
                                                            "no_notification": bool(no_notification)}))


async def mark_fulfillment_delivered(db: Database, *, order_id: str, fulfillment_id: str,
                                     created_by: str | None) -> None:
    """Mark a fulfillment delivered; its items count as delivered on the order."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        ful = await _order_fulfillment(conn, order_id=order_id, fulfillment_id=fulfillment_id)
        was_shipped = ful["shipped_at"] is not None
        await fulfillments.mark_delivered(conn, fulfillment_id=fulfillment_id)
        deltas: dict[str, dict[str, Decimal]] = {}
        for i in ful["items"]:
            if i["line_item_id"]:
                d = deltas.setdefault(i["line_item_id"], {})
                d["delivered_quantity"] = d.get("delivered_quantity", orders.ZERO) + orders.dec(i["quantity"])
                if not was_shipped:
                    d["shipped_quantity"] = d.get("shipped_quantity", orders.ZERO) + orders.dec(i["quantity"])
        await orders.add_item_quantities(conn, order_id=order_id, deltas=deltas)
        await orders.record_change(conn, order_id=order_id, change_type=None, created_by=created_by, actions=[
            {"action": "DELIVER_ITEM", "reference": "fulfillment", "reference_id": fulfillment_id,
             "details": {"reference_id": k, "quantity": str(v["delivered_quantity"])}} for k, v in deltas.items()])
        await orders.refresh_summary(conn, order_id=order_id)
        await stage_events(conn, Event("delivery.created", {"id": fulfillment_id}))


async def cancel_order_fulfillment(db: Database, *, order_id: str, fulfillment_id: str, created_by: str | None,
                                   no_notification: bool | None = None) -> None:
    """Cancel an unshipped fulfillment: stock goes back to its location, items are fulfillable again."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        ful = await _order_fulfillment(conn, order_id=order_id, fulfillment_id=fulfillment_id)
        if ful["canceled_at"] is not None:
            raise not_allowed(f"Fulfillment with id: {fulfillment_id} is already canceled")
        if ful["shipped_at"] is not None:
            raise not_allowed("The fulfillment has already been shipped. Shipped fulfillments cannot be canceled")
        await fulfillments.cancel_fulfillment(conn, fulfillment_id=fulfillment_id)
        rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order_id])}
        inv = await stock.variant_inventory(conn, variant_ids=[r["variant_id"] for r in rows.values()])
        units: dict[str, int] = {}
        deltas: dict[str, dict[str, Decimal]] = {}
        for i in ful["items"]:
            lid = i["line_item_id"]
            if not lid or lid not in rows:
                continue
            qty = orders.dec(i["quantity"])
            deltas.setdefault(lid, {"fulfilled_quantity": orders.ZERO})["fulfilled_quantity"] -= qty
            for iid, req in inv.get(rows[lid]["variant_id"] or "", []):
                units[iid] = units.get(iid, 0) + int(qty) * req
        await stock.restock(conn, location_id=ful["location_id"], units=units)
        await orders.add_item_quantities(conn, order_id=order_id, deltas=deltas)
        await orders.record_change(conn, order_id=order_id, change_type=None, created_by=created_by, actions=[
            {"action": "CANCEL_ITEM_FULFILLMENT", "reference": "fulfillment", "reference_id": fulfillment_id,
             "details": {"reference_id": k, "quantity": str(-v["fulfilled_quantity"])}} for k, v in deltas.items()])
        await orders.refresh_summary(conn, order_id=order_id)
        await stage_events(conn, Event("order.fulfillment_canceled", {
            "order_id": order_id, "fulfillment_id": fulfillment_id, "no_notification": bool(no_notification)}))
