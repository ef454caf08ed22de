"""Draft orders: an order with `status = draft` / `is_draft_order`, built by an admin (items, shipping, promotion
codes), edited through the same order-change machinery as order edits, then converted into a real order.
As in Medusa, a draft reserves no stock (creating or editing it leaves inventory alone); converting it reserves its
items' stock.

Promotion codes are linked to the draft (`order_promotion`); their adjustments (and the automatic promotions')
are computed as a cart's (`flows.order.promotions`) on creation and when an edit is confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import Database
from euryale.errors import invalid_data, not_allowed, not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.cart.mutations import guest_customer_id
from euryale.flows.order import change_kit as kit
from euryale.flows.order import order_edits
from euryale.flows.order.promotions import refresh_order_adjustments
from euryale.ids import generate_id
from euryale.links.models import order_promotion
from euryale.modules.customer.models import customer
from euryale.modules.fulfillment.models import shipping_option
from euryale.modules.inventory import service as inventory
from euryale.modules.order import lifecycle as orders
from euryale.modules.order.models import (
    order_item,
    order_line_item,
    order_shipping,
    order_shipping_method,
    order_table,
)
from euryale.modules.promotion.models import promotion
from euryale.modules.region.models import region
from euryale.modules.sales_channel.models import sales_channel

ADDRESS_FIELDS = ("first_name", "last_name", "phone", "company", "address_1", "address_2", "city", "country_code",
                  "province", "postal_code", "metadata")


async def get_draft(conn: AsyncConnection, *, order_id: str, for_update: bool = False) -> dict[str, Any]:
    """The draft order row; 404 when missing or not a draft."""
    stmt = select(order_table).where(order_table.c.id == order_id, order_table.c.deleted_at.is_(None),
                                     order_table.c.is_draft_order.is_(True))
    if for_update:
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).mappings().first()
    if row is None:
        raise not_found(f"Draft order with id: {order_id} was not found")
    return {str(k): v for k, v in row.items()}


async def _customer(conn: AsyncConnection, *, customer_id: str | None, email: str | None
                    ) -> tuple[str | None, str | None]:
    """(customer id, email): a given customer must exist; an email alone finds or creates the guest customer."""
    if customer_id:
        row = (await conn.execute(select(customer.c.id, customer.c.email).where(
            customer.c.id == customer_id, customer.c.deleted_at.is_(None)))).first()
        if row is None:
            raise not_found(f"Customer with id: {customer_id} was not found")
        return str(row[0]), email or row[1]
    if email:
        return await guest_customer_id(conn, email=email), email
    return None, None


async def _address(conn: AsyncConnection, data: Mapping[str, Any] | None, customer_id: str | None
                   ) -> str | None:
    if not data:
        return None
    return await orders.upsert_address(conn, address_id=None, customer_id=customer_id,
                                       data={k: data.get(k) for k in ADDRESS_FIELDS if k in data})


async def _link_promotions(conn: AsyncConnection, *, order_id: str, codes: Sequence[str]) -> list[str]:
    if not codes:
        return []
    rows = {r.code: r.id for r in await conn.execute(select(promotion.c.id, promotion.c.code).where(
        promotion.c.code.in_(list(codes)), promotion.c.deleted_at.is_(None)))}
    missing = [c for c in codes if c not in rows]
    if missing:
        raise invalid_data(f"The promotion code {', '.join(missing)} is invalid")
    linked = {r[0] for r in await conn.execute(select(order_promotion.c.promotion_id).where(
        order_promotion.c.order_id == order_id, order_promotion.c.deleted_at.is_(None)))}
    new = [rows[c] for c in codes if rows[c] not in linked]
    if new:
        await conn.execute(insert(order_promotion), [{"id": generate_id("orderpromo"), "order_id": order_id,
                                                      "promotion_id": p} for p in new])
    return [rows[c] for c in codes]


async def _add_items(conn: AsyncConnection, *, order: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> None:
    """Variant items (priced like an order edit) and custom items (title + unit_price) joined to version 1."""
    variant_items = [i for i in items if i.get("variant_id")]
    created = await kit.create_line_items(conn, order=order, items=variant_items)
    rows: list[tuple[str, Decimal, Decimal]] = [
        (lid, orders.dec(it["quantity"]), price) for it, (lid, price) in zip(variant_items, created, strict=True)]
    for it in items:
        if it.get("variant_id"):
            continue
        if not it.get("title") or it.get("unit_price") is None:
            raise invalid_data("Items without a variant_id need a title and a unit_price.")
        lid = generate_id("ordli")
        await conn.execute(insert(order_line_item).values(
            id=lid, title=it["title"], variant_sku=it.get("variant_sku"), variant_barcode=it.get("variant_barcode"),
            unit_price=orders.dec(it["unit_price"]), requires_shipping=True, is_discountable=True,
            is_tax_inclusive=False, is_custom_price=True, metadata=dict(it.get("metadata") or {})))
        rows.append((lid, orders.dec(it["quantity"]), orders.dec(it["unit_price"])))
    for lid, qty, price in rows:
        await conn.execute(insert(order_item).values(
            id=generate_id("orditem"), order_id=order["id"], version=order["version"], item_id=lid, quantity=qty,
            unit_price=price, fulfilled_quantity=0, delivered_quantity=0, shipped_quantity=0,
            return_requested_quantity=0, return_received_quantity=0, return_dismissed_quantity=0,
            written_off_quantity=0, metadata={}))


async def _add_shipping(conn: AsyncConnection, *, order: Mapping[str, Any],
                        methods: Sequence[Mapping[str, Any]]) -> None:
    for m in methods:
        option = (await conn.execute(select(shipping_option.c.id, shipping_option.c.name).where(
            shipping_option.c.id == m["shipping_option_id"], shipping_option.c.deleted_at.is_(None)))).first()
        if option is None:
            raise not_found(f"Shipping option with id: {m['shipping_option_id']} was not found")
        sm_id = generate_id("ordsm")
        await conn.execute(insert(order_shipping_method).values(
            id=sm_id, name=m.get("name") or option[1], amount=orders.dec(m["amount"]), is_custom_amount=True,
            shipping_option_id=option[0], data=dict(m.get("data") or {}), metadata={}))
        await conn.execute(insert(order_shipping).values(id=generate_id("ordspmv"), order_id=order["id"],
                                                         version=order["version"], shipping_method_id=sm_id))


async def create_draft_order(db: Database, *, data: Mapping[str, Any], created_by: str | None) -> str:
    """Create a draft order (region required; a customer by id or by email); returns its id."""
    async with db.transaction() as conn:
        reg = (await conn.execute(select(region.c.id, region.c.currency_code).where(
            region.c.id == data["region_id"], region.c.deleted_at.is_(None)))).first()
        if reg is None:
            raise not_found(f"Region with id: {data['region_id']} was not found")
        if data.get("sales_channel_id") and (await conn.execute(select(sales_channel.c.id).where(
                sales_channel.c.id == data["sales_channel_id"], sales_channel.c.deleted_at.is_(None)))).first() is None:
            raise not_found(f"Sales channel with id: {data['sales_channel_id']} was not found")
        customer_id, email = await _customer(conn, customer_id=data.get("customer_id"), email=data.get("email"))
        oid = generate_id("order")
        await conn.execute(insert(order_table).values(
            id=oid, status="draft", is_draft_order=True, version=1, region_id=reg[0],
            currency_code=(data.get("currency_code") or reg[1]).lower(), customer_id=customer_id, email=email,
            sales_channel_id=data.get("sales_channel_id"), no_notification=data.get("no_notification_order"),
            shipping_address_id=await _address(conn, data.get("shipping_address"), customer_id),
            billing_address_id=await _address(conn, data.get("billing_address"), customer_id),
            metadata=dict(data.get("metadata") or {})))
        order = await orders.get_order(conn, order_id=oid)
        await _add_items(conn, order=order, items=list(data.get("items") or []))
        await _add_shipping(conn, order=order, methods=list(data.get("shipping_methods") or []))
        await _link_promotions(conn, order_id=oid, codes=list(data.get("promo_codes") or []))
        await refresh_order_adjustments(conn, order=order, codes=list(data.get("promo_codes") or []))
        await orders.record_change(conn, order_id=oid, change_type="create_draft_order", actions=[],
                                   created_by=created_by, bump=False)
        await orders.refresh_summary(conn, order_id=oid)
        return oid


async def update_draft_order(db: Database, *, order_id: str, data: Mapping[str, Any]) -> None:
    """Update a draft's email, customer, channel, addresses, metadata."""
    async with db.transaction() as conn:
        draft = await get_draft(conn, order_id=order_id, for_update=True)
        values: dict[str, Any] = {}
        if "customer_id" in data or "email" in data:
            cid, email = await _customer(conn, customer_id=data.get("customer_id") or None,
                                         email=data.get("email") or draft["email"])
            values.update(customer_id=cid or draft["customer_id"], email=email)
        if "sales_channel_id" in data:
            values["sales_channel_id"] = data["sales_channel_id"]
        for key in ("metadata", "locale"):
            if key in data:
                values[key] = data[key]
        for key in ("shipping_address", "billing_address"):
            if data.get(key) is not None:
                addr = data[key]
                values[f"{key}_id"] = await orders.upsert_address(
                    conn, address_id=draft[f"{key}_id"], customer_id=draft["customer_id"],
                    data={k: addr.get(k) for k in ADDRESS_FIELDS if k in addr})
        if values:
            await orders.update_order(conn, order_id=order_id, values=values)


async def delete_draft_order(db: Database, *, order_id: str) -> None:
    """Soft-delete the draft. Drafts hold no stock, but one edited before reservations moved to conversion may:
    that stock is given back."""
    async with db.transaction() as conn:
        await get_draft(conn, order_id=order_id, for_update=True)
        await _release_stock(conn, items=await orders.order_items(conn, order_ids=[order_id]))
        await conn.execute(update(order_table).where(order_table.c.id == order_id)
                           .values(deleted_at=func.now(), updated_at=func.now()))


async def _release_stock(conn: AsyncConnection, *, items: Sequence[Mapping[str, Any]]) -> None:
    if items:
        await inventory.release_reservations(conn, line_item_ids=[str(r["id"]) for r in items])


async def convert_to_order(db: Database, *, order_id: str) -> None:
    """The draft becomes a pending order (refused while an edit of it is active). Its items' stock is reserved
    now, as checkout reserves a cart's (short stock without backorder refuses the conversion and nothing
    changes); `order.placed` follows, as for a placed cart."""
    async with db.transaction() as conn:
        order = await get_draft(conn, order_id=order_id, for_update=True)
        if await kit.active_change(conn, order_id=order_id) is not None:
            raise not_allowed(f"Order {order_id} already has an existing active order change")
        rows = await orders.order_items(conn, order_ids=[order_id])
        # anything a draft edited under the old rule reserved is replaced, so nothing is held twice
        await _release_stock(conn, items=rows)
        await kit.reserve_added(conn, order=order, added=[
            (str(r["id"]), left, Decimal(0)) for r in rows
            if (left := orders.dec(r["quantity"]) - orders.dec(r["fulfilled_quantity"])) > 0])
        await orders.update_order(conn, order_id=order_id, values={"status": "pending", "is_draft_order": False})
        await stage_events(conn, Event("order.placed", {"id": order_id}))


# ---------------------------------------------------------------------------------------------------- edits


async def begin_edit(db: Database, *, order_id: str, created_by: str | None) -> None:
    async with db.read() as conn:
        await get_draft(conn, order_id=order_id)
    await order_edits.begin_edit(db, order_id=order_id, description=None, internal_note=None, metadata=None,
                                 created_by=created_by)


async def _edit(conn: AsyncConnection, order_id: str, *, statuses: Sequence[str] = ("pending",)
                ) -> tuple[dict[str, Any], dict[str, Any]]:
    await get_draft(conn, order_id=order_id)
    order = await orders.get_order(conn, order_id=order_id, for_update=True)
    change = await kit.active_change(conn, order_id=order_id)
    if change is None or change["change_type"] != kit.EDIT.change_type or change["status"] not in statuses:
        raise not_allowed(f"No active order edit found for order {order_id}.")
    return order, change


async def update_shipping_method(db: Database, *, order_id: str, method_id: str, option_id: str | None,
                                 custom_amount: Decimal | None, internal_note: str | None) -> None:
    """SHIPPING_UPDATE of an existing shipping method of the draft (applied on confirmation)."""
    async with db.transaction() as conn:
        _, change = await _edit(conn, order_id)
        current = {m["id"]: m for m in await orders.shipping_methods(conn, order_ids=[order_id])}
        if method_id not in current:
            raise not_found(f"Shipping method with id: {method_id} was not found")
        details: dict[str, Any] = {"reference_id": method_id}
        if option_id is not None:
            details["shipping_option_id"] = option_id
        amount = custom_amount if custom_amount is not None else orders.dec(current[method_id]["amount"])
        details["amount"] = str(amount)
        await kit.add_actions(conn, change=change, actions=[{
            "action": "SHIPPING_UPDATE", "reference": "order_shipping_method", "reference_id": method_id,
            "amount": amount - orders.dec(current[method_id]["amount"]), "details": details,
            "internal_note": internal_note}])


async def remove_shipping_method(db: Database, *, order_id: str, method_id: str) -> None:
    """SHIPPING_REMOVE of an existing shipping method of the draft."""
    async with db.transaction() as conn:
        _, change = await _edit(conn, order_id)
        current = {m["id"]: m for m in await orders.shipping_methods(conn, order_ids=[order_id])}
        if method_id not in current:
            raise not_found(f"Shipping method with id: {method_id} was not found")
        await kit.add_actions(conn, change=change, actions=[{
            "action": "SHIPPING_REMOVE", "reference": "order_shipping_method", "reference_id": method_id,
            "amount": -orders.dec(current[method_id]["amount"]), "details": {"reference_id": method_id}}])


async def add_promotions(db: Database, *, order_id: str, codes: Sequence[str]) -> None:
    """PROMOTION_ADD actions (the codes must exist)."""
    async with db.transaction() as conn:
        _, change = await _edit(conn, order_id)
        found = {r.code: r.id for r in await conn.execute(select(promotion.c.id, promotion.c.code).where(
            promotion.c.code.in_(list(codes)), promotion.c.deleted_at.is_(None)))}
        missing = [c for c in codes if c not in found]
        if missing:
            raise invalid_data(f"The promotion code {', '.join(missing)} is invalid")
        await kit.add_actions(conn, change=change, actions=[{
            "action": "PROMOTION_ADD", "reference": "order_promotion", "reference_id": found[c],
            "details": {"reference_id": found[c], "code": c}} for c in codes])


async def remove_promotions(db: Database, *, order_id: str, codes: Sequence[str]) -> None:
    """PROMOTION_REMOVE actions for codes linked to the draft."""
    async with db.transaction() as conn:
        _, change = await _edit(conn, order_id)
        linked = {r.code: r.id for r in await conn.execute(
            select(promotion.c.id, promotion.c.code).select_from(
                order_promotion.join(promotion, promotion.c.id == order_promotion.c.promotion_id))
            .where(order_promotion.c.order_id == order_id, order_promotion.c.deleted_at.is_(None),
                   promotion.c.code.in_(list(codes))))}
        missing = [c for c in codes if c not in linked]
        if missing:
            raise invalid_data(f"The promotion code {', '.join(missing)} is not applied to the draft order")
        await kit.add_actions(conn, change=change, actions=[{
            "action": "PROMOTION_REMOVE", "reference": "order_promotion", "reference_id": linked[c],
            "details": {"reference_id": linked[c], "code": c}} for c in codes])


async def confirm_edit(db: Database, *, order_id: str, confirmed_by: str | None) -> None:
    """Apply the draft's edit, including its shipping and promotion changes."""
    async with db.transaction() as conn:
        _, change = await _edit(conn, order_id, statuses=("pending", "requested"))
        for a in await orders.change_actions(conn, change_id=change["id"]):
            ref = a["reference_id"]
            if a["action"] == "SHIPPING_UPDATE":
                values: dict[str, Any] = {"amount": orders.dec(a["details"]["amount"]), "is_custom_amount": True,
                                          "updated_at": func.now()}
                if a["details"].get("shipping_option_id"):
                    values["shipping_option_id"] = a["details"]["shipping_option_id"]
                await conn.execute(update(order_shipping_method).where(order_shipping_method.c.id == ref)
                                   .values(**values))
            elif a["action"] == "SHIPPING_REMOVE":
                await conn.execute(update(order_shipping).where(order_shipping.c.order_id == order_id,
                                                                order_shipping.c.shipping_method_id == ref)
                                   .values(deleted_at=func.now()))
            elif a["action"] == "PROMOTION_ADD":
                await _link_promotions(conn, order_id=order_id, codes=[a["details"]["code"]])
            elif a["action"] == "PROMOTION_REMOVE":
                await conn.execute(update(order_promotion).where(order_promotion.c.order_id == order_id,
                                                                 order_promotion.c.promotion_id == ref)
                                   .values(deleted_at=func.now()))
        await order_edits.confirm_edit_in(conn, order_id=order_id, confirmed_by=confirmed_by)
        # the draft's items, shipping and codes as confirmed: its adjustments follow, then its summary
        await refresh_order_adjustments(conn, order=await orders.get_order(conn, order_id=order_id))
        await orders.refresh_summary(conn, order_id=order_id)
