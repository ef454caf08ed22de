"""Read side of claims, exchanges and order edits: their admin views and the order preview of a pending change.

Views are assembled set-based (one statement per relation for all the requested ids).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from euryale.errors import not_found
from euryale.modules.order import lifecycle as ol
from euryale.modules.order.models import (
    order_claim,
    order_claim_item,
    order_exchange,
    order_exchange_item,
    order_line_item,
    order_shipping_method,
    order_transaction,
)
from euryale.query.admin_orders import Fields, load_returns, retrieve_admin_order


@dataclass(frozen=True)
class Kind:
    """What differs between claims, exchanges and order edits."""

    name: str                 # "exchange" | "claim" | "edit"
    table: Table | None       # the subject table (None: the order itself is the subject)
    column: str | None        # the change/action/return column pointing at the subject
    change_type: str
    entity: str               # Medusa's entity name in not-found messages
    event: str | None


EXCHANGE = Kind("exchange", order_exchange, "exchange_id", "exchange", "OrderExchange", "order.exchange_created")
CLAIM = Kind("claim", order_claim, "claim_id", "claim", "OrderClaim", "order.claim_created")
EDIT = Kind("edit", None, None, "edit", "OrderChange", None)


def plain_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A row mapping as a dict with plain str keys."""
    return {str(k): v for k, v in row.items()}


async def subject_items(conn: AsyncConnection, *, kind: Kind, subject_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Exchange items / claim items of the given subjects."""
    if not subject_ids:
        return []
    table = order_exchange_item if kind is EXCHANGE else order_claim_item
    col = table.c.exchange_id if kind is EXCHANGE else table.c.claim_id
    rows = await conn.execute(select(table).where(col.in_(list(subject_ids)), table.c.deleted_at.is_(None))
                              .order_by(table.c.created_at, table.c.id))
    return [plain_row(r) for r in rows.mappings()]


def _raw(d: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    for k in keys:
        if k in d and d[k] is not None:
            v = ol.plain(ol.dec(d[k]))
            d[k] = v
            d["raw_" + k] = {"value": str(v), "precision": 20}
    return d


async def _line_items(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    li = order_line_item
    rows = await conn.execute(select(li).where(li.c.id.in_(list(set(ids)))))
    return {r["id"]: _raw({str(k): v for k, v in r.items()}, ["unit_price", "compare_at_unit_price"])
            for r in rows.mappings()}


async def _shipping(conn: AsyncConnection, order_ids: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for m in await ol.shipping_methods(conn, order_ids=list(set(order_ids))):
        view = {k: v for k, v in m.items() if not k.startswith("detail_")}
        out.append(_raw(view, ["amount"]))
    return out


async def _transactions(conn: AsyncConnection, column: str, ids: Sequence[str]) -> list[dict[str, Any]]:
    t = order_transaction
    rows = await conn.execute(select(t).where(t.c[column].in_(list(ids)), t.c.deleted_at.is_(None)))
    return [_raw({str(k): v for k, v in r.items()}, ["amount"]) for r in rows.mappings()]


async def load_subjects(conn: AsyncConnection, *, kind: Kind, ids: Sequence[str]) -> list[dict[str, Any]]:
    """Admin claim/exchange views, in the order of `ids` (missing ids are skipped)."""
    assert kind.table is not None and kind.column is not None
    if not ids:
        return []
    t = kind.table
    rows = {r["id"]: {str(k): v for k, v in r.items()} for r in (await conn.execute(
        select(t).where(t.c.id.in_(list(ids)), t.c.deleted_at.is_(None)))).mappings()}
    found = [rows[i] for i in ids if i in rows]
    return_ids = [str(r["return_id"]) for r in found if r.get("return_id")]
    returns = {r["id"]: r for r in await load_returns(conn, return_ids=return_ids)}
    items = await subject_items(conn, kind=kind, subject_ids=[r["id"] for r in found])
    lines = await _line_items(conn, [i["item_id"] for i in items])
    methods = await _shipping(conn, [r["order_id"] for r in found])
    txs = await _transactions(conn, kind.column, [r["id"] for r in found])
    out = []
    for r in found:
        view = _raw(dict(r), ["difference_due", "refund_amount"])
        ret = returns.get(r.get("return_id") or "")
        view["return"] = ret
        mine = [_raw({**i, "item": lines.get(i["item_id"])}, ["quantity"]) for i in items
                if i.get(kind.column) == r["id"]]
        if kind is EXCHANGE:
            view["return_items"] = ret["items"] if ret else []
            view["additional_items"] = mine
        else:
            view["claim_items"] = [i for i in mine if not i.get("is_additional_item")]
            view["additional_items"] = [i for i in mine if i.get("is_additional_item")]
        view["shipping_methods"] = [m for m in methods if m.get(kind.column) == r["id"]
                                    or (r.get("return_id") and m.get("return_id") == r["return_id"])]
        view["transactions"] = [x for x in txs if x.get(kind.column) == r["id"]]
        out.append(view)
    return out


async def retrieve_subject(conn: AsyncConnection, *, kind: Kind, subject_id: str,
                           fields: str | None = None) -> dict[str, Any]:
    found = await load_subjects(conn, kind=kind, ids=[subject_id])
    if not found:
        raise not_found(f"{kind.entity} with id: {subject_id} was not found")
    return Fields(fields).project(found[0])


async def list_subjects(conn: AsyncConnection, *, kind: Kind, filters: Mapping[str, Sequence[str]],
                        limit: int, offset: int, deleted: bool = False) -> tuple[list[str], int]:
    """Ids of claims/exchanges filtered by id / order_id (newest first) and the total count."""
    assert kind.table is not None
    t = kind.table
    cond: list[ColumnElement[bool]] = [] if deleted else [t.c.deleted_at.is_(None)]
    for key in ("id", "order_id"):
        if filters.get(key):
            cond.append(t.c[key].in_(list(filters[key])))
    count = int((await conn.execute(select(func.count()).select_from(t).where(*cond))).scalar_one())
    rows = await conn.execute(select(t.c.id).where(*cond).order_by(t.c.created_at.desc(), t.c.id.desc())
                              .limit(limit).offset(offset))
    return [str(r[0]) for r in rows], count


async def change_preview(conn: AsyncConnection, *, order_id: str, change: Mapping[str, Any] | None
                         ) -> dict[str, Any]:
    """The order with the pending change: each item carries its `actions`, items to add appear with theirs,
    shipping methods to add are listed, and `order_change` holds the change with all its actions. Without a
    change: the order, without `order_change` or items' `actions`."""
    order = await retrieve_admin_order(conn, order_id=order_id)
    if change is None:  # as Medusa's preview of an order without an active change: no such keys
        return order
    view = dict(change)
    actions = [_raw(dict(a), ["amount"]) for a in await ol.change_actions(conn, change_id=change["id"])]
    view["actions"] = actions
    by_ref: dict[str, list[dict[str, Any]]] = {}
    for a in actions:
        by_ref.setdefault(str((a["details"] or {}).get("reference_id")), []).append(a)
    for item in order["items"]:
        item["actions"] = by_ref.get(item["id"], [])
        for a in item["actions"]:
            if a["action"] == "ITEM_UPDATE":
                item["quantity"] = ol.dec(a["details"].get("quantity"))
    added = [a for a in actions if a["action"] == "ITEM_ADD"]
    lines = await _line_items(conn, [str(a["details"]["reference_id"]) for a in added])
    for a in added:
        line = lines.get(str(a["details"]["reference_id"]))
        if line is None:
            continue
        qty = ol.dec(a["details"].get("quantity"))
        order["items"].append({**line, "quantity": qty, "raw_quantity": {"value": str(qty), "precision": 20},
                               "detail": None, "tax_lines": [], "adjustments": [], "actions": [a],
                               **ol.with_raw(ol.item_totals({**line, "quantity": qty}, [], []))})
    ship_ids = [str(a["reference_id"]) for a in actions if a["action"] == "SHIPPING_ADD"]
    if ship_ids:
        sm = order_shipping_method
        rows = await conn.execute(select(sm).where(sm.c.id.in_(ship_ids), sm.c.deleted_at.is_(None)))
        for m in rows.mappings():
            mv = _raw({str(k): v for k, v in m.items()}, ["amount"])
            mv.update(ol.with_raw(ol.shipping_totals({**mv, "amount": m["amount"]})))
            mv["actions"] = [a for a in actions if a["reference_id"] == m["id"]]
            mv["tax_lines"], mv["adjustments"] = [], []
            order["shipping_methods"].append(mv)
    pending_total = sum((ol.dec(a["amount"]) for a in actions if a["action"] in ("ITEM_ADD", "SHIPPING_ADD")),
                        Decimal(0))
    order["summary"] = dict(order["summary"])
    order["summary"]["pending_difference"] = ol.plain(ol.dec(order["summary"]["pending_difference"])
                                                      + pending_total)
    order["order_change"] = view
    return order
