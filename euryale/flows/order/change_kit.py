"""The order-change machinery shared by claims, exchanges and order edits.

A claim/exchange/edit is a subject row plus ONE pending `order_change` whose actions are recorded as the admin
builds it (inbound items = RETURN_ITEM on a return, outbound items = ITEM_ADD, shipping = SHIPPING_ADD, claimed
items = WRITE_OFF_ITEM, edits = ITEM_UPDATE). Nothing touches the order's quantities, items or shipping until the
request is confirmed: then every action is applied in one transaction, the order moves to its next version and
the domain event is staged. An order has at most one active change at a time (as Medusa).

Line items of ITEM_ADD and shipping methods of SHIPPING_ADD are written when the action is recorded (the action
references them), but they only join the order (`order_item`/`order_shipping` rows) on confirmation; cancelling the
request soft-deletes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from euryale.errors import invalid_data, not_allowed, not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.cart.mutations import inventory_requirements
from euryale.flows.order import stock
from euryale.ids import generate_id
from euryale.modules.fulfillment import service as fulfillment
from euryale.modules.fulfillment.models import shipping_option
from euryale.modules.inventory import service as inventory
from euryale.modules.order import lifecycle as orders
from euryale.modules.order.models import (
    order_change,
    order_change_action,
    order_item,
    order_line_item,
    order_shipping,
    order_shipping_method,
    return_table,
)
from euryale.modules.pricing import service as pricing
from euryale.modules.product import service as products
from euryale.query.order_changes import CLAIM as CLAIM
from euryale.query.order_changes import EDIT as EDIT
from euryale.query.order_changes import EXCHANGE as EXCHANGE
from euryale.query.order_changes import Kind as Kind
from euryale.query.order_changes import plain_row

ZERO = Decimal(0)
ACTIVE = ("pending", "requested")


# ---------------------------------------------------------------------------------------------------- subjects


async def get_subject(conn: AsyncConnection, kind: Kind, subject_id: str, *, for_update: bool = False
                      ) -> dict[str, Any]:
    """The claim/exchange row; 404 in Medusa's words when missing."""
    assert kind.table is not None
    stmt = select(kind.table).where(kind.table.c.id == subject_id, kind.table.c.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).mappings().first()
    if row is None:
        raise not_found(f"{kind.entity} with id: {subject_id} was not found")
    return plain_row(row)


async def locked(conn: AsyncConnection, kind: Kind, subject_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Subject and order, both row-locked (subject first, then order: the same order everywhere)."""
    subject = await get_subject(conn, kind, subject_id, for_update=True)
    order = await orders.get_order(conn, order_id=subject["order_id"], for_update=True)
    orders.ensure_not_canceled(order)
    if subject.get("canceled_at") is not None:
        raise not_allowed(f"{kind.name.capitalize()} {subject_id} has been canceled.")
    return subject, order


async def active_change(conn: AsyncConnection, *, order_id: str) -> dict[str, Any] | None:
    """The order's active (pending or requested) change of any type."""
    c = order_change
    row = (await conn.execute(select(c).where(c.c.order_id == order_id, c.c.status.in_(ACTIVE),
                                              c.c.deleted_at.is_(None)).order_by(c.c.created_at.desc()).limit(1)
                              )).mappings().first()
    return plain_row(row) if row else None


async def subject_change(conn: AsyncConnection, kind: Kind, subject_id: str, *, statuses: Sequence[str] = ACTIVE
                         ) -> dict[str, Any] | None:
    """The latest change of a claim/exchange (or, for edits, the change itself) in one of `statuses`."""
    c = order_change
    cond: list[ColumnElement[bool]] = [c.c.status.in_(list(statuses)), c.c.deleted_at.is_(None)]
    if kind.column is None:
        cond.append(c.c.id == subject_id)
    else:
        cond.append(c.c[kind.column] == subject_id)
    row = (await conn.execute(select(c).where(*cond).order_by(c.c.created_at.desc()).limit(1))).mappings().first()
    return plain_row(row) if row else None


async def require_pending(conn: AsyncConnection, kind: Kind, subject_id: str) -> dict[str, Any]:
    change = await subject_change(conn, kind, subject_id, statuses=("pending",))
    if change is None:
        raise not_allowed(f"No pending order change found for {kind.name} {subject_id}.")
    return change


async def open_change(conn: AsyncConnection, *, order: Mapping[str, Any], kind: Kind, subject_id: str | None,
                      created_by: str | None, description: str | None, internal_note: str | None,
                      metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Start the subject's pending change; refused while the order has another active change."""
    if await active_change(conn, order_id=order["id"]) is not None:
        raise not_allowed(f"Order {order['id']} already has an existing active order change")
    cid = generate_id("ordch")
    values: dict[str, Any] = {
        "id": cid, "order_id": order["id"], "version": int(order["version"]) + 1, "change_type": kind.change_type,
        "status": "pending", "created_by": created_by, "description": description, "internal_note": internal_note,
        "metadata": dict(metadata) if metadata else None}
    if kind.column is not None:
        values[kind.column] = subject_id
    await conn.execute(insert(order_change).values(**values))
    row = (await conn.execute(select(order_change).where(order_change.c.id == cid))).mappings().one()
    return plain_row(row)


async def begin_subject(conn: AsyncConnection, *, kind: Kind, order_id: str, created_by: str | None,
                        description: str | None, internal_note: str | None, metadata: Mapping[str, Any] | None,
                        extra: Mapping[str, Any]) -> str:
    """Create the claim/exchange row and its pending change (inside the caller's transaction)."""
    assert kind.table is not None
    order = await orders.get_order(conn, order_id=order_id, for_update=True)
    orders.ensure_not_canceled(order)
    if await active_change(conn, order_id=order_id) is not None:
        raise not_allowed(f"Order {order_id} already has an existing active order change")
    sid = generate_id("oexc" if kind is EXCHANGE else "claim")
    await conn.execute(insert(kind.table).values(id=sid, order_id=order_id, order_version=order["version"],
                                                 created_by=created_by, metadata=dict(metadata or {}),
                                                 **dict(extra)))
    await open_change(conn, order=order, kind=kind, subject_id=sid, created_by=created_by,
                      description=description, internal_note=internal_note)
    return sid


async def add_actions(conn: AsyncConnection, *, change: Mapping[str, Any], actions: Sequence[Mapping[str, Any]]
                      ) -> list[str]:
    """Append actions to a pending change; each carries the change's subject columns. Returns their ids."""
    a = order_change_action
    start = int((await conn.execute(select(func.coalesce(func.max(a.c.ordering), 0))
                                    .where(a.c.order_change_id == change["id"]))).scalar_one())
    ids = [generate_id("ordchact") for _ in actions]
    if actions:
        await conn.execute(insert(a), [{
            "id": aid, "ordering": start + n, "order_id": change["order_id"],
            "return_id": act.get("return_id", change.get("return_id")), "claim_id": change.get("claim_id"),
            "exchange_id": change.get("exchange_id"), "version": change["version"], "order_change_id": change["id"],
            "reference": act.get("reference"), "reference_id": act.get("reference_id"), "action": act["action"],
            "details": dict(act.get("details") or {}), "amount": act.get("amount"),
            "internal_note": act.get("internal_note"), "applied": False,
        } for n, (aid, act) in enumerate(zip(ids, actions, strict=True), start=1)])
    return ids


async def pending_action(conn: AsyncConnection, *, change: Mapping[str, Any], action_id: str,
                         actions: Sequence[str]) -> dict[str, Any]:
    """An action of the pending change with one of the given types; 400 otherwise (as Medusa)."""
    act = await orders.get_change_action(conn, action_id=action_id)
    if act["order_change_id"] != change["id"] or act["action"] not in actions:
        raise invalid_data(f"Action {action_id} is not of type {' or '.join(actions)} in the pending change.")
    return act


async def update_change_action_amount(conn: AsyncConnection, *, action_id: str, details: Mapping[str, Any],
                                     amount: Decimal | None, internal_note: str | None) -> None:
    """Replace an action's details and amount (keeping its note unless a new one is given)."""
    values: dict[str, Any] = {"details": dict(details), "amount": amount, "updated_at": func.now()}
    if internal_note is not None:
        values["internal_note"] = internal_note
    await conn.execute(update(order_change_action).where(order_change_action.c.id == action_id).values(**values))


async def _pending_qty(conn: AsyncConnection, change_id: str, action: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for a in await orders.change_actions(conn, change_id=change_id):
        if a["action"] == action:
            ref = str(a["details"].get("reference_id"))
            out[ref] = out.get(ref, ZERO) + orders.dec(a["details"].get("quantity"))
    return out


# ---------------------------------------------------------------------------------------------------- inbound


async def ensure_return(conn: AsyncConnection, *, kind: Kind, subject: dict[str, Any], change: dict[str, Any],
                        location_id: str | None, created_by: str | None) -> str:
    """The subject's return, opened on first use (inbound items or inbound shipping)."""
    assert kind.table is not None and kind.column is not None
    if subject.get("return_id"):
        return str(subject["return_id"])
    rid = await orders.create_return(conn, order_id=subject["order_id"], location_id=location_id,
                                     created_by=created_by, no_notification=subject.get("no_notification"),
                                     metadata=None)
    await conn.execute(update(return_table).where(return_table.c.id == rid).values(**{kind.column: subject["id"]}))
    await conn.execute(update(kind.table).where(kind.table.c.id == subject["id"]).values(return_id=rid))
    await conn.execute(update(order_change).where(order_change.c.id == change["id"]).values(return_id=rid))
    subject["return_id"] = rid
    change["return_id"] = rid
    return rid


def returnable(row: Mapping[str, Any]) -> Decimal:
    return (orders.dec(row["fulfilled_quantity"]) - orders.dec(row["return_requested_quantity"])
            - orders.dec(row["return_received_quantity"]))


async def sync_return_items(conn: AsyncConnection, *, return_id: str, change_id: str) -> None:
    """The return's items mirror the pending change's RETURN_ITEM actions (quantity per line item)."""
    wanted = await _pending_qty(conn, change_id, "RETURN_ITEM")
    for r in await orders.return_items(conn, return_ids=[return_id]):
        await orders.set_return_item(conn, return_id=return_id, item_id=r["item_id"],
                                     quantity=wanted.get(r["item_id"], ZERO))


async def add_inbound_items(conn: AsyncConnection, *, kind: Kind, subject: dict[str, Any],
                            order: Mapping[str, Any], change: dict[str, Any], items: Sequence[Mapping[str, Any]],
                            created_by: str | None) -> str:
    """RETURN_ITEM actions on the subject's return (opened if needed); quantities checked against fulfilment."""
    rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order["id"]])}
    missing = [str(i["id"]) for i in items if i["id"] not in rows]
    if missing:
        raise invalid_data(f"Items with ids {', '.join(missing)} does not exist in order with id {order['id']}.")
    for it in items:
        if it.get("reason_id"):
            await orders.get_return_reason(conn, reason_id=str(it["reason_id"]))
    pending = await _pending_qty(conn, change["id"], "RETURN_ITEM")
    for it in items:
        if orders.dec(it["quantity"]) > returnable(rows[it["id"]]) - pending.get(it["id"], ZERO):
            raise invalid_data(f"Cannot request to return more items than what was fulfilled for item {it['id']}.")
    # the return goes back to the location that shipped the order, as Medusa defaults it
    methods = await orders.shipping_methods(conn, order_ids=[order["id"]])
    location = await stock.default_location(conn, shipping_option_ids=[m["shipping_option_id"] for m in methods
                                                                       if m.get("shipping_option_id")])
    rid = await ensure_return(conn, kind=kind, subject=subject, change=change, location_id=location,
                              created_by=created_by)
    await add_actions(conn, change=change, actions=[{
        "action": "RETURN_ITEM", "reference": "return", "reference_id": rid, "return_id": rid,
        "details": {"reference_id": it["id"], "quantity": str(it["quantity"]), "return_id": rid,
                    **({kind.column: subject["id"]} if kind.column else {})},
        "internal_note": it.get("internal_note")} for it in items])
    await orders.upsert_return_items(conn, return_id=rid, items=[{**it, "quantity": ZERO} for it in items])
    await sync_return_items(conn, return_id=rid, change_id=change["id"])
    return rid


async def update_inbound_item(conn: AsyncConnection, *, order: Mapping[str, Any], change: Mapping[str, Any],
                              action_id: str, quantity: Decimal | None, internal_note: str | None,
                              reason_id: str | None) -> None:
    act = await pending_action(conn, change=change, action_id=action_id, actions=("RETURN_ITEM",))
    details = dict(act["details"])
    rid = str(details["return_id"])
    if quantity is not None:
        rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order["id"]])}
        row = rows.get(details.get("reference_id"))
        if row is not None and quantity > returnable(row):
            raise invalid_data(f"Cannot request to return more items than what was fulfilled for item {row['id']}.")
        details["quantity"] = str(quantity)
    if reason_id is not None:
        await orders.get_return_reason(conn, reason_id=reason_id)
    await orders.update_change_action(conn, action_id=action_id, details=details,
                                      internal_note=internal_note if internal_note is not None
                                      else act["internal_note"])
    await sync_return_items(conn, return_id=rid, change_id=change["id"])
    if reason_id is not None:
        await orders.set_return_item(conn, return_id=rid, item_id=details["reference_id"],
                                     quantity=orders.dec(details["quantity"]), reason_id=reason_id)


async def remove_inbound_item(conn: AsyncConnection, *, change: Mapping[str, Any], action_id: str) -> None:
    act = await pending_action(conn, change=change, action_id=action_id, actions=("RETURN_ITEM",))
    await orders.delete_change_action(conn, action_id=action_id)
    await sync_return_items(conn, return_id=str(act["details"]["return_id"]), change_id=change["id"])


# ---------------------------------------------------------------------------------------------------- outbound


def _line_item_values(variant: Mapping[str, Any], unit_price: Decimal, metadata: Mapping[str, Any] | None
                      ) -> dict[str, Any]:
    p = variant.get("product") or {}
    return {
        "title": p.get("title") or variant.get("title") or "", "subtitle": variant.get("title"),
        "thumbnail": variant.get("thumbnail") or p.get("thumbnail"), "variant_id": variant["id"],
        "product_id": p.get("id"), "product_title": p.get("title"), "product_description": p.get("description"),
        "product_subtitle": p.get("subtitle"), "product_type": (p.get("type") or {}).get("value"),
        "product_type_id": p.get("type_id"), "product_collection": (p.get("collection") or {}).get("title"),
        "product_handle": p.get("handle"), "variant_sku": variant.get("sku"),
        "variant_barcode": variant.get("barcode"), "variant_title": variant.get("title"),
        "requires_shipping": bool(variant.get("requires_shipping", True)),
        "is_discountable": bool(p.get("discountable", True)), "is_giftcard": bool(p.get("is_giftcard")),
        "is_tax_inclusive": False, "unit_price": unit_price, "metadata": dict(metadata or {}),
    }


async def create_line_items(conn: AsyncConnection, *, order: Mapping[str, Any], items: Sequence[Mapping[str, Any]]
                            ) -> list[tuple[str, Decimal]]:
    """Snapshot line items for variants priced in the order's currency/region (or at `unit_price`).

    As Medusa's add-line-items (draft creation, edit/claim/exchange new items), the stock is checked, not
    reserved: short stock at the order's channel locations without backorder answers 400 insufficient_inventory.
    """
    variant_ids = [str(i["variant_id"]) for i in items]
    variants = await products.retrieve_variants_for_cart(conn, variant_ids=variant_ids)
    missing = [v for v in variant_ids if v not in variants]
    if missing:
        raise not_found(f"Variants with IDs {', '.join(dict.fromkeys(missing))} do not exist")
    need = await inventory_requirements(conn, items=[
        {"variant_id": str(i["variant_id"]), "quantity": orders.dec(i["quantity"])} for i in items])
    if need:
        channel = order.get("sales_channel_id")
        if channel and not await inventory.sales_channel_location_ids(conn, sales_channel_id=channel):
            channel = None
        await inventory.confirm_inventory(conn, items=need, sales_channel_id=channel)
    set_ids = [v["price_set_id"] for v in variants.values() if v.get("price_set_id")]
    ctx: dict[str, Any] = {"currency_code": order["currency_code"]}
    if order.get("region_id"):
        ctx["region_id"] = order["region_id"]
    prices = await pricing.calculate_prices(conn, price_set_ids=set_ids, context=ctx) if set_ids else {}
    out: list[tuple[str, Decimal]] = []
    for it in items:
        variant = variants[str(it["variant_id"])]
        if it.get("unit_price") is not None:
            unit_price = orders.dec(it["unit_price"])
        else:
            price = prices.get(variant.get("price_set_id") or "")
            if price is None or price.get("calculated_amount") is None:
                raise invalid_data(f"Variants with IDs {variant['id']} do not have a price")
            unit_price = orders.dec(price["calculated_amount"])
        lid = generate_id("ordli")
        await conn.execute(insert(order_line_item).values(id=lid, **_line_item_values(variant, unit_price,
                                                                                      it.get("metadata"))))
        out.append((lid, unit_price))
    return out


async def add_outbound_items(conn: AsyncConnection, *, kind: Kind, subject_id: str, order: Mapping[str, Any],
                             change: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> None:
    """ITEM_ADD actions for new line items (sent to the customer once the request is confirmed)."""
    created = await create_line_items(conn, order=order, items=items)
    await add_actions(conn, change=change, actions=[{
        "action": "ITEM_ADD", "reference": kind.name if kind.column else "order_change",
        "reference_id": subject_id, "amount": unit_price * orders.dec(it["quantity"]),
        "details": {"reference_id": lid, "quantity": str(it["quantity"]), "unit_price": str(unit_price),
                    **({kind.column: subject_id} if kind.column else {})},
        "internal_note": it.get("internal_note")} for it, (lid, unit_price) in zip(items, created, strict=True)])


async def update_outbound_item(conn: AsyncConnection, *, change: Mapping[str, Any], action_id: str,
                               quantity: Decimal | None, internal_note: str | None) -> None:
    act = await pending_action(conn, change=change, action_id=action_id, actions=("ITEM_ADD",))
    details = dict(act["details"])
    amount = act["amount"]
    if quantity is not None:
        details["quantity"] = str(quantity)
        amount = orders.dec(details.get("unit_price")) * quantity
    await conn.execute(update(order_change_action).where(order_change_action.c.id == action_id).values(
        details=details, amount=amount, updated_at=func.now(),
        internal_note=internal_note if internal_note is not None else act["internal_note"]))


async def remove_outbound_item(conn: AsyncConnection, *, change: Mapping[str, Any], action_id: str) -> None:
    act = await pending_action(conn, change=change, action_id=action_id, actions=("ITEM_ADD",))
    await orders.delete_change_action(conn, action_id=action_id)
    await conn.execute(update(order_line_item).where(order_line_item.c.id == act["details"]["reference_id"])
                       .values(deleted_at=func.now()))


# ---------------------------------------------------------------------------------------------------- shipping


async def add_shipping(conn: AsyncConnection, *, kind: Kind, subject: dict[str, Any], order: Mapping[str, Any],
                       change: dict[str, Any], option_id: str, custom_amount: Decimal | None,
                       internal_note: str | None, metadata: Mapping[str, Any] | None, inbound: bool,
                       created_by: str | None) -> None:
    """SHIPPING_ADD: a shipping method for the return (inbound) or for the new items (outbound)."""
    option = (await conn.execute(select(shipping_option.c.id, shipping_option.c.name).where(
        shipping_option.c.id == option_id, shipping_option.c.deleted_at.is_(None)))).first()
    if option is None:
        raise not_found(f"Shipping option with id: {option_id} was not found")
    if custom_amount is None:
        prices = await fulfillment.shipping_option_prices(conn, option_ids=[option_id],
                                                          currency_code=order["currency_code"],
                                                          region_id=order.get("region_id"))
        if option_id not in prices:
            raise invalid_data(f"Shipping option {option_id} has no price in {order['currency_code']}.")
        amount = prices[option_id]
    else:
        amount = custom_amount
    links: dict[str, Any] = {}
    if kind.column:
        links[kind.column] = subject["id"]
    if inbound:
        location = await stock.default_location(conn, shipping_option_ids=[option_id])
        rid = await ensure_return(conn, kind=kind, subject=subject, change=change, location_id=location,
                                  created_by=created_by)
        if location:
            await conn.execute(update(return_table).where(return_table.c.id == rid,
                                                          return_table.c.location_id.is_(None))
                               .values(location_id=location))
        links["return_id"] = rid
    sm_id = generate_id("ordsm")
    await conn.execute(insert(order_shipping_method).values(
        id=sm_id, name=option[1], amount=amount, is_custom_amount=custom_amount is not None,
        shipping_option_id=option_id, data={}, metadata=dict(metadata or {})))
    await add_actions(conn, change=change, actions=[{
        "action": "SHIPPING_ADD", "reference": "order_shipping_method", "reference_id": sm_id, "amount": amount,
        "return_id": links.get("return_id", change.get("return_id")),
        "details": {"order_id": order["id"], **links}, "internal_note": internal_note}])


async def update_shipping(conn: AsyncConnection, *, change: Mapping[str, Any], action_id: str,
                          custom_amount: Decimal | None, internal_note: str | None) -> None:
    act = await pending_action(conn, change=change, action_id=action_id, actions=("SHIPPING_ADD",))
    values: dict[str, Any] = {"updated_at": func.now()}
    if custom_amount is not None:
        values["amount"] = custom_amount
        await conn.execute(update(order_shipping_method).where(order_shipping_method.c.id == act["reference_id"])
                           .values(amount=custom_amount, is_custom_amount=True, updated_at=func.now()))
    if internal_note is not None:
        values["internal_note"] = internal_note
    await conn.execute(update(order_change_action).where(order_change_action.c.id == action_id).values(**values))


async def remove_shipping(conn: AsyncConnection, *, change: Mapping[str, Any], action_id: str) -> None:
    act = await pending_action(conn, change=change, action_id=action_id, actions=("SHIPPING_ADD",))
    await orders.delete_change_action(conn, action_id=action_id)
    await conn.execute(update(order_shipping_method).where(order_shipping_method.c.id == act["reference_id"])
                       .values(deleted_at=func.now()))


# ---------------------------------------------------------------------------------------------------- claim items


async def add_claim_items(conn: AsyncConnection, *, claim_id: str, order: Mapping[str, Any],
                          change: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> None:
    """WRITE_OFF_ITEM actions: items the customer claims (missing, wrong, damaged...)."""
    rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order["id"]])}
    missing = [str(i["id"]) for i in items if i["id"] not in rows]
    if missing:
        raise invalid_data(f"Items with ids {', '.join(missing)} does not exist in order with id {order['id']}.")
    pending = await _pending_qty(conn, change["id"], "WRITE_OFF_ITEM")
    for it in items:
        row = rows[it["id"]]
        left = orders.dec(row["quantity"]) - orders.dec(row["written_off_quantity"]) - pending.get(it["id"], ZERO)
        if orders.dec(it["quantity"]) > left:
            raise invalid_data(f"Cannot claim more items than what was ordered for item {it['id']}.")
    await add_actions(conn, change=change, actions=[{
        "action": "WRITE_OFF_ITEM", "reference": "claim", "reference_id": claim_id,
        "details": {"reference_id": it["id"], "quantity": str(it["quantity"]), "claim_id": claim_id,
                    "reason": it.get("reason"), "description": it.get("description")},
        "internal_note": it.get("internal_note")} for it in items])


async def update_claim_item(conn: AsyncConnection, *, order: Mapping[str, Any], change: Mapping[str, Any],
                            action_id: str, quantity: Decimal | None, reason: str | None,
                            internal_note: str | None) -> None:
    act = await pending_action(conn, change=change, action_id=action_id, actions=("WRITE_OFF_ITEM",))
    details = dict(act["details"])
    if quantity is not None:
        rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order["id"]])}
        row = rows.get(details.get("reference_id"))
        if row is not None and quantity > orders.dec(row["quantity"]) - orders.dec(row["written_off_quantity"]):
            raise invalid_data(f"Cannot claim more items than what was ordered for item {row['id']}.")
        details["quantity"] = str(quantity)
    if reason is not None:
        details["reason"] = reason
    await orders.update_change_action(conn, action_id=action_id, details=details,
                                      internal_note=internal_note if internal_note is not None
                                      else act["internal_note"])


async def remove_claim_item(conn: AsyncConnection, *, change: Mapping[str, Any], action_id: str) -> None:
    await pending_action(conn, change=change, action_id=action_id, actions=("WRITE_OFF_ITEM",))
    await orders.delete_change_action(conn, action_id=action_id)


# ---------------------------------------------------------------------------------------------------- confirm / cancel


@dataclass
class Applied:
    """What a confirmation applied, for the subject's own bookkeeping."""

    version: int
    added: list[tuple[str, Decimal, Decimal]]        # (line item id, quantity, unit price)
    returned: dict[str, Decimal]                     # line item id → quantity
    written_off: list[Mapping[str, Any]]             # WRITE_OFF_ITEM details
    shipping: list[tuple[str, Decimal, bool]]        # (shipping method id, amount, inbound)


async def apply_change(conn: AsyncConnection, *, order: Mapping[str, Any], change: Mapping[str, Any],
                       confirmed_by: str | None) -> Applied:
    """Apply every action of the pending change to the order (quantities, new items, shipping), bump its version."""
    actions = await orders.change_actions(conn, change_id=change["id"])
    version = await orders.confirm_change(conn, change_id=change["id"], confirmed_by=confirmed_by)
    applied = Applied(version=version, added=[], returned={}, written_off=[], shipping=[])
    deltas: dict[str, dict[str, Decimal]] = {}
    updated: set[str] = set()
    for a in actions:
        d = a["details"] or {}
        if a["action"] == "RETURN_ITEM":
            ref = str(d["reference_id"])
            applied.returned[ref] = applied.returned.get(ref, ZERO) + orders.dec(d.get("quantity"))
            deltas.setdefault(ref, {}).setdefault("return_requested_quantity", ZERO)
            deltas[ref]["return_requested_quantity"] += orders.dec(d.get("quantity"))
        elif a["action"] == "WRITE_OFF_ITEM":
            ref = str(d["reference_id"])
            applied.written_off.append(d)
            deltas.setdefault(ref, {}).setdefault("written_off_quantity", ZERO)
            deltas[ref]["written_off_quantity"] += orders.dec(d.get("quantity"))
        elif a["action"] == "ITEM_ADD":
            qty, price = orders.dec(d.get("quantity")), orders.dec(d.get("unit_price"))
            applied.added.append((str(d["reference_id"]), qty, price))
            await conn.execute(insert(order_item).values(
                id=generate_id("orditem"), order_id=order["id"], version=version, item_id=d["reference_id"],
                unit_price=price, quantity=qty, fulfilled_quantity=0, delivered_quantity=0, shipped_quantity=0,
                return_requested_quantity=0, return_received_quantity=0, return_dismissed_quantity=0,
                written_off_quantity=0, metadata={}))
        elif a["action"] == "ITEM_UPDATE":
            ref = str(d["reference_id"])
            updated.add(ref)
            deltas.setdefault(ref, {}).setdefault("quantity", ZERO)
            deltas[ref]["quantity"] += orders.dec(d.get("quantity")) - orders.dec(d.get("previous_quantity"))
        elif a["action"] == "SHIPPING_ADD":
            await conn.execute(insert(order_shipping).values(
                id=generate_id("ordspmv"), order_id=order["id"], version=version, shipping_method_id=a["reference_id"],
                return_id=d.get("return_id"), exchange_id=d.get("exchange_id"), claim_id=d.get("claim_id")))
            applied.shipping.append((str(a["reference_id"]), orders.dec(a["amount"]), bool(d.get("return_id"))))
    await orders.add_item_quantities(conn, order_id=order["id"], deltas=deltas)
    # a draft holds no stock: Medusa reserves a draft's items only when it is converted into an order
    if not order.get("is_draft_order"):
        await reserve_added(conn, order=order, added=applied.added)
        await rereserve_updated(conn, order=order, item_ids=sorted(updated))
    return applied


async def rereserve_updated(conn: AsyncConnection, *, order: Mapping[str, Any], item_ids: Sequence[str]) -> None:
    """Items whose quantity an edit changed (ITEM_UPDATE), as Medusa's confirm-order-edit-request: their
    reservations are deleted and what is still to fulfil (new quantity − fulfilled) is reserved again, in the
    confirmation's transaction. A decrease (or removal: quantity 0) gives stock back; an increase short of stock
    without backorder refuses the confirmation."""
    if not item_ids:
        return
    wanted = set(item_ids)
    rows = [r for r in await orders.order_items(conn, order_ids=[order["id"]]) if r["id"] in wanted]
    await inventory.release_reservations(conn, line_item_ids=list(item_ids))
    await reserve_added(conn, order=order, added=[
        (str(r["id"]), left, ZERO) for r in rows
        if (left := orders.dec(r["quantity"]) - orders.dec(r["fulfilled_quantity"])) > 0])


async def reserve_added(conn: AsyncConnection, *, order: Mapping[str, Any],
                        added: Sequence[tuple[str, Decimal, Decimal]]) -> None:
    """Reserve stock for `(line item id, quantity, _)`: new items, as checkout does (short stock without
    backorder refuses the confirmation).

    The order's sales channel picks the locations; a channel without locations does not restrict them.
    """
    if not added:
        return
    li = order_line_item
    variants = {r[0]: r[1] for r in await conn.execute(select(li.c.id, li.c.variant_id).where(
        li.c.id.in_([lid for lid, _, _ in added])))}
    need = await inventory_requirements(conn, items=[
        {"id": lid, "variant_id": variants.get(lid), "quantity": qty} for lid, qty, _ in added])
    if not need:
        return
    channel = order.get("sales_channel_id")
    if channel and not await inventory.sales_channel_location_ids(conn, sales_channel_id=channel):
        channel = None
    await inventory.reserve_items(conn, items=[
        {"inventory_item_id": n["inventory_item_id"], "location_id": None, "quantity": n["quantity"],
         "line_item_id": n["line_item_id"], "allow_backorder": n["allow_backorder"]} for n in need],
        sales_channel_id=channel)


async def request_return(conn: AsyncConnection, *, return_id: str | None, applied: Applied) -> None:
    """The subject's return becomes `requested` once its items are applied."""
    if return_id and applied.returned:
        await orders.update_return(conn, return_id=return_id, values={"status": "requested",
                                                                      "requested_at": orders.now()})


async def drop_pending(conn: AsyncConnection, *, change: Mapping[str, Any], canceled_by: str | None) -> None:
    """Cancel a pending change and soft-delete what its actions created (line items, shipping methods)."""
    for a in await orders.change_actions(conn, change_id=change["id"]):
        if a["action"] == "ITEM_ADD":
            await conn.execute(update(order_line_item).where(order_line_item.c.id == a["details"]["reference_id"])
                               .values(deleted_at=func.now()))
        elif a["action"] == "SHIPPING_ADD":
            await conn.execute(update(order_shipping_method).where(order_shipping_method.c.id == a["reference_id"])
                               .values(deleted_at=func.now()))
    await orders.cancel_change(conn, change_id=change["id"], canceled_by=canceled_by)


async def undo_confirmed(conn: AsyncConnection, *, kind: Kind, subject: Mapping[str, Any],
                         order: Mapping[str, Any]) -> None:
    """Reverse a confirmed claim/exchange that nothing has happened to yet (no receipt, no fulfilment)."""
    assert kind.column is not None
    change = await subject_change(conn, kind, subject["id"], statuses=("confirmed",))
    if change is None:
        return
    actions = await orders.change_actions(conn, change_id=change["id"])
    rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order["id"]])}
    added = [str(a["details"]["reference_id"]) for a in actions if a["action"] == "ITEM_ADD"]
    if any(orders.dec(rows[i]["fulfilled_quantity"]) > 0 for i in added if i in rows):
        raise not_allowed(f"All fulfillments must be canceled before canceling the {kind.name} {subject['id']}.")
    if subject.get("return_id"):
        ret = await orders.get_return(conn, return_id=str(subject["return_id"]))
        if ret["status"] in ("received", "partially_received"):
            raise not_allowed(f"Cannot cancel the {kind.name} {subject['id']}: its return was received.")
    deltas: dict[str, dict[str, Decimal]] = {}
    for a in actions:
        d = a["details"] or {}
        if a["action"] == "RETURN_ITEM":
            cols = deltas.setdefault(str(d["reference_id"]), {})
            cols["return_requested_quantity"] = cols.get("return_requested_quantity", ZERO) - orders.dec(
                d.get("quantity"))
        elif a["action"] == "WRITE_OFF_ITEM":
            cols = deltas.setdefault(str(d["reference_id"]), {})
            cols["written_off_quantity"] = cols.get("written_off_quantity", ZERO) - orders.dec(d.get("quantity"))
    await orders.add_item_quantities(conn, order_id=order["id"], deltas=deltas)
    if added:
        await conn.execute(update(order_item).where(order_item.c.order_id == order["id"],
                                                    order_item.c.item_id.in_(added))
                           .values(deleted_at=func.now()))
        await inventory.release_reservations(conn, line_item_ids=added)
    await conn.execute(update(order_shipping).where(order_shipping.c.order_id == order["id"],
                                                    order_shipping.c[kind.column] == subject["id"])
                       .values(deleted_at=func.now()))
    if subject.get("return_id"):
        await conn.execute(update(order_shipping).where(order_shipping.c.return_id == subject["return_id"])
                           .values(deleted_at=func.now()))
        await orders.update_return(conn, return_id=str(subject["return_id"]),
                                   values={"status": "canceled", "canceled_at": orders.now()})
    await orders.bump_version(conn, order_id=order["id"])


async def stage(conn: AsyncConnection, kind: Kind, order_id: str, subject_id: str, **extra: Any) -> None:
    """The subject's domain event (`order.exchange_created`, `order.claim_created`)."""
    if kind.event and kind.column:
        await stage_events(conn, Event(kind.event, {"order_id": order_id, kind.column: subject_id, **extra}))
