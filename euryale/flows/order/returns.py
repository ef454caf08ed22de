"""Returns: begin, request items, confirm the request, begin receiving, receive items, confirm the receipt.

Requests and receipts are pending order changes whose actions are applied on confirmation: only then do the
order's quantities, the stock at the return location and the order summary (pending difference → refund) move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import Database
from euryale.errors import invalid_data, not_allowed
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.order import stock
from euryale.modules.fulfillment import service as fulfillment_service
from euryale.modules.order import lifecycle as orders

REQUEST = "return_request"
RECEIVE = "return_receive"


async def _open_return(conn: AsyncConnection, return_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    ret = await orders.get_return(conn, return_id=return_id, for_update=True)
    order = await orders.get_order(conn, order_id=ret["order_id"], for_update=True)
    orders.ensure_not_canceled(order)
    if ret["status"] == "canceled":
        raise not_allowed(f"Return {return_id} has been canceled.")
    return ret, order


async def begin_return(db: Database, *, order_id: str, location_id: str | None, description: str | None,
                       internal_note: str | None, no_notification: bool | None, metadata: Mapping[str, Any] | None,
                       created_by: str | None) -> str:
    """Open a return on an order with a pending request change."""
    async with db.transaction() as conn:
        order = await orders.get_order(conn, order_id=order_id, for_update=True)
        orders.ensure_not_canceled(order)
        rid = await orders.create_return(conn, order_id=order_id, location_id=location_id, created_by=created_by,
                                         no_notification=no_notification, metadata=metadata)
        await orders.open_change(conn, order_id=order_id, change_type=REQUEST, return_id=rid, created_by=created_by,
                                 description=description, internal_note=internal_note)
        return rid


async def request_items(db: Database, *, return_id: str, items: Sequence[Mapping[str, Any]],
                        created_by: str | None) -> None:
    """Add items to a return request (not applied to the order before `confirm_request`)."""
    async with db.transaction() as conn:
        ret, order = await _open_return(conn, return_id)
        if ret["status"] not in ("open", "requested"):
            raise not_allowed(f"Cannot request items on return {return_id} with status {ret['status']}.")
        rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order["id"]])}
        missing = [i["id"] for i in items if i["id"] not in rows]
        if missing:
            raise invalid_data(f"Items with ids {', '.join(missing)} does not exist in order with id {order['id']}.")
        already = {r["item_id"]: orders.dec(r["quantity"]) for r in await orders.return_items(
            conn, return_ids=[return_id])}
        for it in items:
            row = rows[it["id"]]
            returnable = (orders.dec(row["fulfilled_quantity"]) - orders.dec(row["return_requested_quantity"])
                          - orders.dec(row["return_received_quantity"]) - already.get(it["id"], orders.ZERO))
            if orders.dec(it["quantity"]) > returnable:
                raise invalid_data(f"Cannot request to return more items than what was fulfilled for item "
                                   f"{it['id']}.")
        change = await orders.open_change(conn, order_id=order["id"], change_type=REQUEST, return_id=return_id,
                                          created_by=created_by)
        await orders.add_change_actions(conn, change=change, actions=[{
            "action": "RETURN_ITEM", "reference": "return", "reference_id": return_id,
            "details": {"reference_id": it["id"], "quantity": str(it["quantity"]),
                        "return_id": return_id}, "internal_note": it.get("internal_note")} for it in items])
        await orders.upsert_return_items(conn, return_id=return_id, items=[
            {**it, "quantity": orders.ZERO} for it in items])
        await _sync_requested(conn, return_id=return_id, change_id=change["id"])


async def _sync_requested(conn: AsyncConnection, *, return_id: str, change_id: str) -> None:
    """Return items mirror the pending request's RETURN_ITEM actions (quantity per line item)."""
    wanted: dict[str, Decimal] = {}
    for a in await orders.change_actions(conn, change_id=change_id):
        if a["action"] == "RETURN_ITEM":
            ref = a["details"].get("reference_id")
            wanted[ref] = wanted.get(ref, orders.ZERO) + orders.dec(a["details"].get("quantity"))
    for r in await orders.return_items(conn, return_ids=[return_id]):
        await orders.set_return_item(conn, return_id=return_id, item_id=r["item_id"],
                                     quantity=wanted.get(r["item_id"], orders.ZERO))


async def _pending_action(conn: AsyncConnection, *, order_id: str, return_id: str, change_type: str,
                          action_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    change = await orders.pending_change(conn, order_id=order_id, return_id=return_id, change_type=change_type)
    action = await orders.get_change_action(conn, action_id=action_id)
    if change is None or action["order_change_id"] != change["id"]:
        raise invalid_data(f"Action {action_id} is not part of the pending change of return {return_id}.")
    return change, action


async def update_request_item(db: Database, *, return_id: str, action_id: str, quantity: Decimal | None,
                              internal_note: str | None, reason_id: str | None) -> None:
    """Change the quantity (or note, reason) of one requested item before the request is confirmed."""
    async with db.transaction() as conn:
        ret, order = await _open_return(conn, return_id)
        change, action = await _pending_action(conn, order_id=order["id"], return_id=return_id,
                                               change_type=REQUEST, action_id=action_id)
        details = dict(action["details"])
        if quantity is not None:
            rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order["id"]])}
            row = rows.get(details.get("reference_id"))
            if row is not None and quantity > (orders.dec(row["fulfilled_quantity"])
                                               - orders.dec(row["return_requested_quantity"])
                                               - orders.dec(row["return_received_quantity"])):
                raise invalid_data(f"Cannot request to return more items than what was fulfilled for item "
                                   f"{row['id']}.")
            details["quantity"] = str(quantity)
        await orders.update_change_action(conn, action_id=action_id, details=details,
                                          internal_note=internal_note if internal_note is not None
                                          else action["internal_note"])
        if reason_id is not None:
            await orders.set_return_item(conn, return_id=return_id, item_id=details["reference_id"],
                                         quantity=orders.dec(details["quantity"]), reason_id=reason_id)
        await _sync_requested(conn, return_id=return_id, change_id=change["id"])


async def remove_request_item(db: Database, *, return_id: str, action_id: str) -> None:
    """Drop one requested item from the pending request."""
    async with db.transaction() as conn:
        _, order = await _open_return(conn, return_id)
        change, _ = await _pending_action(conn, order_id=order["id"], return_id=return_id, change_type=REQUEST,
                                          action_id=action_id)
        await orders.delete_change_action(conn, action_id=action_id)
        await _sync_requested(conn, return_id=return_id, change_id=change["id"])


async def update_receive_item(db: Database, *, return_id: str, action_id: str, quantity: Decimal | None,
                              internal_note: str | None) -> None:
    """Change a pending received (or dismissed) quantity before the receipt is confirmed."""
    async with db.transaction() as conn:
        _, order = await _open_return(conn, return_id)
        _, action = await _pending_action(conn, order_id=order["id"], return_id=return_id, change_type=RECEIVE,
                                          action_id=action_id)
        details = dict(action["details"])
        if quantity is not None:
            ritems = {r["item_id"]: r for r in await orders.return_items(conn, return_ids=[return_id])}
            r = ritems.get(details.get("reference_id"))
            if r is not None and quantity > orders.dec(r["quantity"]) - orders.dec(r["received_quantity"]):
                raise invalid_data(f"Cannot receive more items than what was requested to be returned for item "
                                   f"{r['item_id']}.")
            details["quantity"] = str(quantity)
        await orders.update_change_action(conn, action_id=action_id, details=details,
                                          internal_note=internal_note if internal_note is not None
                                          else action["internal_note"])


async def remove_receive_item(db: Database, *, return_id: str, action_id: str) -> None:
    """Drop one pending received (or dismissed) item."""
    async with db.transaction() as conn:
        _, order = await _open_return(conn, return_id)
        await _pending_action(conn, order_id=order["id"], return_id=return_id, change_type=RECEIVE,
                              action_id=action_id)
        await orders.delete_change_action(conn, action_id=action_id)


async def cancel_request(db: Database, *, return_id: str, canceled_by: str | None) -> None:
    """Abandon a return whose request was never confirmed: the return and its pending change go away."""
    async with db.transaction() as conn:
        ret, order = await _open_return(conn, return_id)
        if ret["status"] != "open":
            raise not_allowed(f"Return {return_id} has already been requested; cancel the return instead.")
        change = await orders.pending_change(conn, order_id=order["id"], return_id=return_id, change_type=REQUEST)
        if change:
            await orders.cancel_change(conn, change_id=change["id"], canceled_by=canceled_by)
        await orders.delete_return(conn, return_id=return_id)


async def cancel_receive(db: Database, *, return_id: str, canceled_by: str | None) -> None:
    """Abandon the pending receipt (nothing was applied yet)."""
    async with db.transaction() as conn:
        _, order = await _open_return(conn, return_id)
        change = await orders.pending_change(conn, order_id=order["id"], return_id=return_id, change_type=RECEIVE)
        if change is None:
            raise not_allowed(f"Return {return_id} is not being received.")
        await orders.cancel_change(conn, change_id=change["id"], canceled_by=canceled_by)


async def confirm_request(db: Database, *, return_id: str, confirmed_by: str | None,
                          no_notification: bool | None = None) -> None:
    """Confirm the request: items become return-requested on the order; `order.return_requested`."""
    async with db.transaction() as conn:
        ret, order = await _open_return(conn, return_id)
        change = await orders.pending_change(conn, order_id=order["id"], return_id=return_id, change_type=REQUEST)
        if change is None or ret["status"] != "open":
            raise not_allowed(f"Return {return_id} has no pending request to confirm.")
        ritems = await orders.return_items(conn, return_ids=[return_id])
        if not ritems:
            raise invalid_data(f"Return {return_id} has no items to request.")
        await orders.add_item_quantities(conn, order_id=order["id"], deltas={
            r["item_id"]: {"return_requested_quantity": orders.dec(r["quantity"])} for r in ritems})
        for a in await orders.change_actions(conn, change_id=change["id"]):
            if a["action"] == "SHIPPING_ADD":
                d = a["details"]
                await orders.add_shipping_method(
                    conn, order_id=order["id"], name=d.get("name") or "Return shipping", amount=orders.dec(a["amount"]),
                    shipping_option_id=d.get("shipping_option_id"), return_id=return_id,
                    is_custom_amount=bool(d.get("is_custom_amount")), metadata=d.get("metadata"))
        await orders.confirm_change(conn, change_id=change["id"], confirmed_by=confirmed_by)
        await orders.update_return(conn, return_id=return_id, values={"status": "requested",
                                                                      "requested_at": orders.now()})
        await orders.refresh_summary(conn, order_id=order["id"])
        await stage_events(conn, Event("order.return_requested", {
            "order_id": order["id"], "return_id": return_id, "no_notification": bool(no_notification)}))


async def begin_receive(db: Database, *, return_id: str, description: str | None, internal_note: str | None,
                        created_by: str | None) -> None:
    """Start receiving a requested return (a pending receive change)."""
    async with db.transaction() as conn:
        ret, order = await _open_return(conn, return_id)
        if ret["status"] not in ("requested", "partially_received"):
            raise not_allowed(f"Cannot receive return {return_id} with status {ret['status']}.")
        await orders.open_change(conn, order_id=order["id"], change_type=RECEIVE, return_id=return_id,
                                 created_by=created_by, description=description, internal_note=internal_note)


async def receive_items(db: Database, *, return_id: str, items: Sequence[Mapping[str, Any]],
                        created_by: str | None, damaged: bool = False) -> None:
    """Record received (or, with `damaged`, dismissed) quantities on the pending receive change."""
    async with db.transaction() as conn:
        ret, order = await _open_return(conn, return_id)
        change = await orders.pending_change(conn, order_id=order["id"], return_id=return_id, change_type=RECEIVE)
        if change is None:
            raise not_allowed(f"Return {return_id} is not being received; start with POST /admin/returns/:id/receive")
        ritems = {r["item_id"]: r for r in await orders.return_items(conn, return_ids=[return_id])}
        pending: dict[str, Decimal] = {}
        for a in await orders.change_actions(conn, change_id=change["id"]):
            ref = a["details"].get("reference_id")
            pending[ref] = pending.get(ref, orders.ZERO) + orders.dec(a["details"].get("quantity"))
        for it in items:
            r = ritems.get(it["id"])
            if r is None:
                raise invalid_data(f"Item {it['id']} is not part of return {return_id}.")
            left = orders.dec(r["quantity"]) - orders.dec(r["received_quantity"]) - pending.get(it["id"], orders.ZERO)
            if orders.dec(it["quantity"]) > left:
                raise invalid_data(f"Cannot receive more items than what was requested to be returned for item "
                                   f"{it['id']}.")
        await orders.add_change_actions(conn, change=change, actions=[{
            "action": "RECEIVE_DAMAGED_RETURN_ITEM" if damaged else "RECEIVE_RETURN_ITEM",
            "reference": "return", "reference_id": return_id,
            "details": {"reference_id": it["id"], "quantity": str(it["quantity"]), "return_id": return_id},
            "internal_note": it.get("internal_note")} for it in items])


async def confirm_receive(db: Database, *, return_id: str, confirmed_by: str | None) -> None:
    """Apply the receipt: order quantities, restock at the return's location, summary; `order.return_received`."""
    async with db.transaction() as conn:
        ret, order = await _open_return(conn, return_id)
        change = await orders.pending_change(conn, order_id=order["id"], return_id=return_id, change_type=RECEIVE)
        if change is None:
            raise not_allowed(f"Return {return_id} has no pending receipt to confirm.")
        received: dict[str, Decimal] = {}
        dismissed: dict[str, Decimal] = {}
        for a in await orders.change_actions(conn, change_id=change["id"]):
            ref = a["details"].get("reference_id")
            bucket = dismissed if a["action"] == "RECEIVE_DAMAGED_RETURN_ITEM" else received
            bucket[ref] = bucket.get(ref, orders.ZERO) + orders.dec(a["details"].get("quantity"))
        if not received and not dismissed:
            raise invalid_data(f"Return {return_id} has no received items to confirm.")
        both = {k: received.get(k, orders.ZERO) + dismissed.get(k, orders.ZERO) for k in {*received, *dismissed}}
        await orders.receive_return_items(conn, return_id=return_id,
                                          items=[{"id": k, "quantity": v} for k, v in both.items()])
        await orders.dismiss_return_items(conn, return_id=return_id, items=dismissed)
        deltas: dict[str, dict[str, Decimal]] = {}
        for k, v in received.items():
            deltas.setdefault(k, {}).update(return_received_quantity=v)
        for k, v in dismissed.items():
            deltas.setdefault(k, {}).update(return_dismissed_quantity=v)
        for k, v in both.items():
            deltas[k]["return_requested_quantity"] = -v
        await orders.add_item_quantities(conn, order_id=order["id"], deltas=deltas)
        if ret["location_id"]:
            rows = {r["id"]: r for r in await orders.order_items(conn, order_ids=[order["id"]])}
            inv = await stock.variant_inventory(conn, variant_ids=[rows[k]["variant_id"] for k in received
                                                                   if k in rows])
            units: dict[str, int] = {}
            for k, v in received.items():
                for iid, req in inv.get(rows[k]["variant_id"] or "", []) if k in rows else []:
                    units[iid] = units.get(iid, 0) + int(v) * req
            await stock.restock(conn, location_id=ret["location_id"], units=units)
        await orders.confirm_change(conn, change_id=change["id"], confirmed_by=confirmed_by)
        ritems = await orders.return_items(conn, return_ids=[return_id])
        done = all(orders.dec(r["received_quantity"]) >= orders.dec(r["quantity"]) for r in ritems)
        _, summary = await orders.compute_totals(conn, order_id=order["id"])
        refund_amount = -summary["pending_difference"] if summary["pending_difference"] < 0 else orders.ZERO
        await orders.update_return(conn, return_id=return_id, values={
            "status": "received" if done else "partially_received", "received_at": orders.now(),
            "refund_amount": refund_amount})
        await orders.refresh_summary(conn, order_id=order["id"])
        await stage_events(conn, Event("order.return_received", {"order_id": order["id"], "return_id": return_id}))


async def cancel_return(db: Database, *, return_id: str, canceled_by: str | None) -> None:
    """Cancel a return that has received nothing; requested quantities are released."""
    async with db.transaction() as conn:
        ret, order = await _open_return(conn, return_id)
        if ret["status"] in ("received", "partially_received"):
            raise not_allowed(f"Cannot cancel return {return_id} with status {ret['status']}.")
        if ret["status"] == "requested":
            ritems = await orders.return_items(conn, return_ids=[return_id])
            await orders.add_item_quantities(conn, order_id=order["id"], deltas={
                r["item_id"]: {"return_requested_quantity": -orders.dec(r["quantity"])} for r in ritems})
        for kind in (REQUEST, RECEIVE):
            change = await orders.pending_change(conn, order_id=order["id"], return_id=return_id, change_type=kind)
            if change:
                await orders.cancel_change(conn, change_id=change["id"], canceled_by=canceled_by)
        await orders.update_return(conn, return_id=return_id, values={"status": "canceled",
                                                                      "canceled_at": orders.now()})
        await orders.refresh_summary(conn, order_id=order["id"])


async def update_return(db: Database, *, return_id: str, data: Mapping[str, Any]) -> None:
    """Change a return's location, notification flag or metadata."""
    async with db.transaction() as conn:
        await _open_return(conn, return_id)
        if data:
            await orders.update_return(conn, return_id=return_id, values=data)


async def add_return_shipping(db: Database, *, return_id: str, shipping_option_id: str,
                              custom_amount: Decimal | None, description: str | None, internal_note: str | None,
                              metadata: Mapping[str, Any] | None, created_by: str | None) -> None:
    """Choose how the return travels back: a shipping method (option price or a custom amount) charged to the
    customer, applied with the request."""
    async with db.transaction() as conn:
        ret, order = await _open_return(conn, return_id)
        if ret["status"] != "open":
            raise not_allowed(f"Cannot add a shipping method to return {return_id} with status {ret['status']}.")
        option = await fulfillment_service.retrieve_shipping_option(conn, option_id=shipping_option_id)
        amount = custom_amount
        if amount is None:
            prices = await fulfillment_service.shipping_option_prices(
                conn, option_ids=[shipping_option_id], currency_code=order["currency_code"],
                region_id=order["region_id"])
            if shipping_option_id not in prices:
                raise invalid_data(f"Shipping option with id {shipping_option_id} has no price in "
                                   f"{order['currency_code']}")
            amount = prices[shipping_option_id]
        change = await orders.open_change(conn, order_id=order["id"], change_type=REQUEST, return_id=return_id,
                                          created_by=created_by)
        await orders.add_change_actions(conn, change=change, actions=[{
            "action": "SHIPPING_ADD", "reference": "order_shipping_method", "reference_id": shipping_option_id,
            "amount": amount, "internal_note": internal_note,
            "details": {"shipping_option_id": shipping_option_id, "name": option.get("name"),
                        "is_custom_amount": custom_amount is not None, "return_id": return_id,
                        "description": description, "metadata": dict(metadata) if metadata else None}}])


async def update_return_shipping(db: Database, *, return_id: str, action_id: str, custom_amount: Decimal | None,
                                 internal_note: str | None, metadata: Mapping[str, Any] | None) -> None:
    """Change the pending return shipping method's amount, note or metadata."""
    async with db.transaction() as conn:
        _, order = await _open_return(conn, return_id)
        _, action = await _pending_action(conn, order_id=order["id"], return_id=return_id, change_type=REQUEST,
                                          action_id=action_id)
        if action["action"] != "SHIPPING_ADD":
            raise invalid_data(f"Action {action_id} is not a shipping method.")
        details = dict(action["details"])
        if metadata is not None:
            details["metadata"] = dict(metadata)
        if custom_amount is not None:
            details["is_custom_amount"] = True
        await orders.update_change_action(conn, action_id=action_id, details=details, amount=custom_amount,
                                          internal_note=internal_note if internal_note is not None
                                          else action["internal_note"])
