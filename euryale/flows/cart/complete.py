"""Complete a cart: the `complete-cart` workflow, with the cart id as transaction id (the engine's claim on it
serialises concurrent completions of one cart).

Steps (a failure compensates the completed ones in reverse order):
  1. validate-cart      (read: 4 statements; carries the session it read) — nothing to undo
  2. reserve-inventory  (own tx, `FOR UPDATE` on levels) — undo: release the reservations
  3. authorize-payment  (provider call, NO lock held, no read)  — undo: void the authorisation at the provider
  4. create-order       (tx: locks and loads the cart with its order link and promotions in 4 statements,
                         validates it again, re-checks idempotency, writes order + links + payment, registers
                         promotion usage, marks the cart completed, re-points reservations, stages `order.placed`)

Idempotency: the workflow engine returns the stored outcome for a cart id already completed (or waits for the run
in progress); the `order_cart` link re-checked under the cart row lock covers a lock that expired. A reverted run
(payment declined, stock short) is retired so that the customer can try again with the same cart.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import String, bindparam, case, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.container import Container
from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param
from euryale.errors import MedusaError, MedusaErrorType, invalid_data
from euryale.flows.cart import mutations
from euryale.flows.cart.read import load_cart_state
from euryale.ids import generate_id
from euryale.links import service as links
from euryale.links.models import (
    cart_payment_collection,
    order_cart,
    product_shipping_profile,
    product_variant_inventory_item,
)
from euryale.modules.cart import service as carts
from euryale.modules.cart.models import cart as cart_table
from euryale.modules.cart.models import cart_line_item, cart_shipping_method
from euryale.modules.fulfillment.models import shipping_option
from euryale.modules.inventory import service as inventory
from euryale.modules.inventory.models import reservation_item
from euryale.modules.order import lifecycle as order_lifecycle
from euryale.modules.order import service as orders
from euryale.modules.payment import service as payments
from euryale.modules.payment.models import payment_session
from euryale.modules.payment.providers.base import PaymentProviderError
from euryale.modules.payment.providers.registry import get_provider
from euryale.modules.product.models import product, product_variant
from euryale.modules.promotion import service as promotion_service
from euryale.workflows import StepContext, StepResponse, step, workflow

log = structlog.get_logger("euryale.flows.complete_cart")
WORKFLOW_ID = "complete-cart"
NO_SHIPPING = "No shipping method selected but the cart contains items that require shipping."
UNCOVERED_PROFILE = ("The cart items require shipping profiles that are not satisfied by the current shipping "
                     "methods")


@dataclass
class CompletionResult:
    """Either an order id, or a payment error to answer as `{type: "cart", cart, error}`.

    `placed`: when this call wrote the order, its rows as written (`written`, `collections`: the arguments of
    `euryale.flows.order.read.placed_store_order`), so that the answer need not read them back."""

    order_id: str | None = None
    error: dict[str, Any] | None = None
    placed: dict[str, Any] | None = None


# the rows create-order wrote, by order id, for the `complete_cart` call that ran it (the step's checkpointed
# output is the order id only; a run resumed or answered from its stored outcome reads the order instead)
_PLACED: ContextVar[dict[str, dict[str, Any]] | None] = ContextVar("complete_cart_placed", default=None)


def _validate(cart: dict[str, Any], session: dict[str, Any] | None, *, uncovered_profile: bool = False) -> None:
    if not cart["items"]:
        raise invalid_data("Cart must have at least one item to be completed.")
    if not cart.get("email"):
        raise invalid_data("Cart must have an email to be completed.")
    if any(i["requires_shipping"] for i in cart["items"]) and not cart["shipping_methods"]:
        raise invalid_data(NO_SHIPPING)
    if uncovered_profile:
        raise invalid_data(UNCOVERED_PROFILE)
    if session is None and Decimal(cart["totals"]["total"]) > 0:
        raise invalid_data("Payment sessions are required to complete cart")


def _outline_statement() -> Any:
    cart_id = bindparam("cart_id", type_=String)
    return select(
        cart_table.c.email, cart_table.c.completed_at, cart_table.c.sales_channel_id,
        select(order_cart.c.order_id).where(order_cart.c.cart_id == cart_id, order_cart.c.deleted_at.is_(None))
        .limit(1).scalar_subquery().label("order_id"),
        select(cart_payment_collection.c.payment_collection_id).where(
            cart_payment_collection.c.cart_id == cart_id, cart_payment_collection.c.deleted_at.is_(None))
        .limit(1).scalar_subquery().label("payment_collection_id"),
        select(func.array_agg(cart_shipping_method.c.id)).where(
            cart_shipping_method.c.cart_id == cart_id, cart_shipping_method.c.deleted_at.is_(None))
        .scalar_subquery().label("shipping_method_ids"),
        _uncovered_profile(cart_id).label("uncovered_profile"),
    ).where(cart_table.c.id == cart_id, cart_table.c.deleted_at.is_(None))


def _uncovered_profile(cart_id: Any) -> Any:
    """Whether an item that requires shipping has a product in a shipping profile that none of the cart's
    shipping methods' options belongs to (Medusa's validate-shipping). A product without a profile is covered by
    any method (the has-a-method check covers it)."""
    li, sm, psp = cart_line_item, cart_shipping_method, product_shipping_profile
    covered = exists().where(sm.c.cart_id == cart_id, sm.c.deleted_at.is_(None),
                             shipping_option.c.id == sm.c.shipping_option_id,
                             shipping_option.c.shipping_profile_id == psp.c.shipping_profile_id)
    return exists().where(li.c.cart_id == cart_id, li.c.deleted_at.is_(None), li.c.requires_shipping.is_(True),
                          psp.c.product_id == li.c.product_id, psp.c.deleted_at.is_(None), ~covered)


def _items_statement() -> Any:
    li = cart_line_item
    return (select(li.c.id, li.c.variant_id, li.c.quantity, li.c.requires_shipping)
            .where(li.c.cart_id == bindparam("cart_id", type_=String), li.c.deleted_at.is_(None))
            .order_by(li.c.created_at, li.c.id))


def _inventory_links_statement() -> Any:
    v, link = product_variant, product_variant_inventory_item
    return (select(v.c.id, link.c.inventory_item_id, link.c.required_quantity, v.c.allow_backorder)
            .select_from(v.join(product, product.c.id == v.c.product_id).join(link, link.c.variant_id == v.c.id))
            .where(any_param(v.c.id, "variant_ids"), v.c.deleted_at.is_(None),
                   product.c.deleted_at.is_(None), v.c.manage_inventory.is_(True), link.c.deleted_at.is_(None))
            .order_by(link.c.id))


# the hot path's reads are built and compiled once and fetched as asyncpg records (euryale.db.compiled): building a
# statement, and SQLAlchemy's per-execution work, cost more CPU than running it
_OUTLINE = CompiledQuery(_outline_statement)
_ITEMS = CompiledQuery(_items_statement)
_INVENTORY_LINKS = CompiledQuery(_inventory_links_statement)
_SESSION = CompiledQuery(lambda: select(payment_session).where(payment_session.c.id == bindparam("id", type_=String)))


async def _cart_outline(conn: AsyncConnection, *, cart_id: str) -> dict[str, Any]:
    """What validation needs of the cart in one statement: its columns, its order (when completed), its
    payment collection and whether it has a shipping method; 404 when missing."""
    rows = await _OUTLINE.fetch(conn, cart_id=cart_id)
    if not rows:
        raise carts.cart_not_found(cart_id)
    return dict(rows[0])


async def inventory_needs(conn: AsyncConnection, *, cart_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The cart's live line items `(id, quantity, requires_shipping)` and, per item and inventory item of a
    managed variant, the quantity to reserve: two statements, whatever the number of items."""
    items = [dict(r) for r in await _ITEMS.fetch(conn, cart_id=cart_id)]
    variant_ids = list({i["variant_id"] for i in items if i["variant_id"]})
    if not variant_ids:
        return items, []
    links_by_variant: dict[str, list[tuple[str, int, bool]]] = {}
    for r in await _INVENTORY_LINKS.fetch(conn, variant_ids=variant_ids):
        links_by_variant.setdefault(r[0], []).append((r[1], int(r[2] or 1), bool(r[3])))
    needs = [{"line_item_id": i["id"], "inventory_item_id": inv_id, "quantity": int(i["quantity"]) * required,
              "required_quantity": 1, "allow_backorder": backorder}
             for i in items for inv_id, required, backorder in links_by_variant.get(i["variant_id"] or "", [])]
    return items, needs


# --- steps (outputs are JSON: they are checkpointed) ------------------------------------------------------------

@step("validate-cart")
async def validate_cart(ctx: StepContext, input: dict[str, Any]) -> StepResponse:
    """Existing order (idempotency), items, email, shipping, payment session; what stock to reserve.

    Reads only what these checks need (four statements); the full cart with its totals is loaded once, under the
    row lock, by `create-order`, which checks it again."""
    cart_id = input["cart_id"]
    async with ctx.container.database().transaction() as conn:
        outline = await _cart_outline(conn, cart_id=cart_id)
        if outline["order_id"] is not None:
            return StepResponse({"order_id": str(outline["order_id"])})
        if outline["completed_at"] is not None:
            raise invalid_data(f"Cart {cart_id} is already completed.")
        pc_id = outline["payment_collection_id"]
        session = await payments.session_for_authorization(conn, payment_collection_id=pc_id) if pc_id else None
        items, needs = await inventory_needs(conn, cart_id=cart_id)
        method_ids = sorted(outline["shipping_method_ids"] or [])
        shipping: list[dict[str, Any]] = [{}] * len(method_ids)
        if session is None and items and outline["email"]:
            # no session: only a free cart may complete, which needs its totals
            _validate(await load_cart_state(conn, cart_id=cart_id), None,
                      uncovered_profile=outline["uncovered_profile"])
        _validate({"items": items, "email": outline["email"], "shipping_methods": shipping,
                   "totals": {"total": 0}}, session, uncovered_profile=outline["uncovered_profile"])
    # what the profile check saw: create-order checks again only if the cart's items or methods changed since
    return StepResponse({"order_id": None, "session_id": session["id"] if session else None,
                         "session": _session_record(session) if session else None,
                         "sales_channel_id": outline["sales_channel_id"], "needs": needs,
                         "checked": _shipping_shape(items, method_ids)})


_SESSION_KEYS = ("id", "provider_id", "payment_collection_id", "currency_code", "status", "data")


def _session_record(session: dict[str, Any]) -> dict[str, Any]:
    """What `authorize-payment` uses of the session validation read, as JSON (the output is checkpointed)."""
    return {k: session[k] for k in _SESSION_KEYS} | {"amount": str(session["amount"])}


def _shipping_shape(items: list[dict[str, Any]], method_ids: list[str]) -> list[list[str]]:
    """The items that require shipping (id:variant) and the shipping methods: what the profile check depends on."""
    return [sorted(f"{i['id']}:{i.get('variant_id')}" for i in items if i["requires_shipping"]), sorted(method_ids)]


@step("reserve-inventory", input=lambda inp, res: res["validate-cart"])
async def reserve_inventory(ctx: StepContext, v: dict[str, Any]) -> StepResponse:
    """Reserve every managed item; the level rows are locked only for this short transaction."""
    if v["order_id"] or not v["needs"]:
        return StepResponse({"reservation_ids": []}, compensate_input=[])
    async with ctx.container.database().transaction() as conn:
        ids = await inventory.reserve_items(conn, items=[
            {"inventory_item_id": n["inventory_item_id"], "quantity": n["quantity"],
             "line_item_id": n["line_item_id"], "allow_backorder": n["allow_backorder"]} for n in v["needs"]],
            sales_channel_id=v["sales_channel_id"])
    return StepResponse({"reservation_ids": ids}, compensate_input=ids)


@reserve_inventory.compensate
async def release_inventory(ctx: StepContext, reservation_ids: list[str]) -> None:
    if reservation_ids:
        async with ctx.container.database().transaction() as conn:
            await inventory.release_reservations(conn, reservation_ids=reservation_ids)


@step("authorize-payment", input=lambda inp, res: res["validate-cart"])
async def authorize_payment(ctx: StepContext, v: dict[str, Any]) -> StepResponse:
    """Authorise the session at its provider, holding no database lock; a refusal fails the workflow.

    The output carries what `create-order` writes of the session (no second read of its row)."""
    if v["order_id"] or not v["session_id"]:
        return StepResponse({"status": None, "data": {}}, compensate_input=None)
    session = v.get("session")
    if session is None:  # checkpointed by a release whose validate step did not carry the session
        async with ctx.container.database().read() as conn:
            [row] = await _SESSION.fetch(conn, id=v["session_id"])
        session = _session_record(dict(row))
    recorded = {"session": {k: session[k] for k in ("id", "provider_id", "payment_collection_id", "currency_code",
                                                    "amount")}}
    if session["status"] in ("authorized", "captured"):
        return StepResponse({"status": session["status"], "data": session["data"] or {}, **recorded},
                            compensate_input=None)
    status, data, error = await payments.call_authorize(session=session, context={"cart_id": ctx.input["cart_id"],
                                                                                  "idempotency_key": ctx.idempotency_key})
    if error is not None:
        async with ctx.container.database().transaction() as conn:
            await payments.mark_session_error(conn, session_id=session["id"], status=status)
        raise MedusaError(MedusaErrorType.PAYMENT_AUTHORIZATION_ERROR, error)
    return StepResponse({"status": status, "data": data, **recorded},
                        compensate_input={"provider_id": session["provider_id"], "session_id": session["id"],
                                          "data": data})


@authorize_payment.compensate
async def void_authorization(ctx: StepContext, voided: dict[str, Any] | None) -> None:
    if not voided:
        return
    provider = get_provider(voided["provider_id"])
    if provider is None:
        return
    try:
        await provider.cancel_payment(data=voided["data"])
    except PaymentProviderError as exc:
        log.warning("payment void failed during compensation", session_id=voided["session_id"], error=exc.message)


@step("create-order", input=lambda inp, res: {**res["validate-cart"], **res["reserve-inventory"],
                                               "payment": res["authorize-payment"], "cart_id": inp["cart_id"]})
async def create_order(ctx: StepContext, v: dict[str, Any]) -> StepResponse:
    """Write the order and everything that points at it, in one transaction under the cart row lock."""
    if v["order_id"]:
        return StepResponse({"order_id": v["order_id"]})
    cart_id = v["cart_id"]
    async with ctx.container.database().transaction() as conn:
        # the cart as it is now (locked): what validation saw may have changed since
        cart = await mutations.cart_to_order(conn, cart_id=cart_id)
        done = cart["order_id"]
        if done is not None:
            # another process completed it while our lock had expired: give our stock back, answer its order
            if v["reservation_ids"]:
                await inventory.release_reservations(conn, reservation_ids=v["reservation_ids"])
            return StepResponse({"order_id": done})
        # the shipping profile check runs again only when the items or methods changed since validate-cart
        uncovered = False
        if _shipping_shape(cart["items"], [m["id"] for m in cart["shipping_methods"]]) != v.get("checked"):
            uncovered = bool((await conn.execute(select(_uncovered_profile(cart_id)))).scalar())
        _validate(cart, {"id": v["session_id"]} if v["session_id"] else None, uncovered_profile=uncovered)
        placed = _PLACED.get()
        written: dict[str, Any] | None = {} if placed is not None else None
        collections: list[dict[str, Any]] = []
        order_id = await _write_order(conn, cart=cart, v=v, written=written, collections=collections)
        await ctx.stage(conn, "order.placed", {"id": order_id})
    if placed is not None and written is not None and _complete(written, v, collections):
        placed[order_id] = {"written": written, "collections": collections}
    return StepResponse({"order_id": order_id})


def _complete(written: dict[str, Any], v: dict[str, Any], collections: list[dict[str, Any]]) -> bool:
    """Whether the rows `_write_order` returned are the whole order as a read would see it: not when it also wrote
    credit lines (a change and a new summary), nor when the payment existed already (its collection was not
    refreshed, so not returned)."""
    return not written.get("credit_lines") and (not v["session_id"] or len(collections) == 1)


async def _write_order(conn: AsyncConnection, *, cart: dict[str, Any], v: dict[str, Any],
                       written: dict[str, Any] | None = None, collections: list[dict[str, Any]] | None = None) -> str:
    """Write the order of the locked `cart`; with `written` / `collections`, the order's rows and the payment
    collection's as written (see `orders.create_order_from_cart`, `payments.record_authorization`)."""
    cart_id = cart["id"]
    line_map: dict[str, str] = {}
    for item in cart["items"]:
        line_map[item["id"]] = item["order_line_item_id"] = generate_id("ordli")
    order_id = await orders.create_order_from_cart(conn, cart=cart, written=written)
    # the order is new in this transaction: its links cannot exist yet
    await links.insert_new_links(conn, "order_cart", [(order_id, cart_id)])
    session = v["payment"].get("session")
    if session is None and v["session_id"]:  # checkpointed by a release whose authorize step did not carry it
        session = dict((await conn.execute(select(payment_session).where(
            payment_session.c.id == v["session_id"]))).mappings().one())
    if session is not None:
        await payments.record_authorization(conn, session={**session, "amount": Decimal(session["amount"])},
                                            status=v["payment"]["status"], data=v["payment"]["data"],
                                            cart_id=cart_id, customer_id=cart.get("customer_id"),
                                            collections=collections)
        await links.insert_new_links(conn, "order_payment_collection", [(order_id, session["payment_collection_id"])])
        await payments.set_payment_order(conn, payment_collection_id=session["payment_collection_id"],
                                         order_id=order_id)
    promotion_ids = list(cart["promotion_ids"])  # read with the locked cart
    if promotion_ids:
        await links.insert_new_links(conn, "order_promotion", [(order_id, p) for p in promotion_ids])
        adjustments = [a for owner in (*cart["items"], *cart["shipping_methods"]) for a in owner["adjustments"]]
        await promotion_service.register_usage(
            conn, adjustments=adjustments, promotion_codes=sorted({str(a["code"]) for a in adjustments if a["code"]}))
    # reservations follow the order's lines so that fulfilment finds them (one statement for all lines)
    if v["reservation_ids"] and line_map:
        await conn.execute(update(reservation_item).where(
            reservation_item.c.id.in_(v["reservation_ids"]), reservation_item.c.line_item_id.in_(list(line_map))
        ).values(line_item_id=case(line_map, value=reservation_item.c.line_item_id)))
    if cart.get("credit_lines"):
        if written is not None:
            written["credit_lines"] = True
        # the cart's credit lines become the order's (Medusa's order_credit_line), at the order's first version
        await order_lifecycle.record_change(conn, order_id=order_id, change_type="credit_line", bump=False, actions=[
            {"action": "CREDIT_LINE_ADD", "reference": cl["reference"], "reference_id": cl["reference_id"],
             "amount": cl["amount"], "details": {"reference": cl["reference"], "reference_id": cl["reference_id"],
                                                 "metadata": cl["metadata"]}} for cl in cart["credit_lines"]])
        await order_lifecycle.refresh_summary(conn, order_id=order_id)
    await carts.mark_completed(conn, cart_id=cart_id)
    return order_id


complete_cart_workflow = workflow(
    WORKFLOW_ID, steps=[validate_cart, reserve_inventory, authorize_payment, create_order],
    result=lambda inp, res: res["create-order"], retention_time=7 * 24 * 3600)


# --- entry point ------------------------------------------------------------------------------------------------

async def complete_cart(container: Container, *, cart_id: str) -> CompletionResult:
    """Complete `cart_id` (idempotent). A declined payment is a result (`error`), other failures raise.

    Concurrent calls for one cart are serialised by the workflow engine's claim on the execution (transaction id =
    cart id): one runs the workflow, the others wait for its outcome and answer it. A lock of its own around the
    run (`cart:complete:<id>`, as this was first written) only repeated that claim, at two Redis round trips and a
    script per completion."""
    engine = container.resolve("workflows")
    placed: dict[str, dict[str, Any]] = {}
    token = _PLACED.set(placed)
    try:
        # a reverted/failed run (declined payment, short stock) is retired: the customer may try again
        out = await engine.run(WORKFLOW_ID, input={"cart_id": cart_id}, transaction_id=cart_id, rerun_failed=True)
    except MedusaError as exc:
        if exc.type == MedusaErrorType.PAYMENT_AUTHORIZATION_ERROR:
            return CompletionResult(error={"message": exc.message, "name": "Error", "type": exc.type})
        raise
    finally:
        _PLACED.reset(token)
    order_id = str(out.result["order_id"])
    return CompletionResult(order_id=order_id, placed=placed.get(order_id))


complete_cart_or_existing = complete_cart
