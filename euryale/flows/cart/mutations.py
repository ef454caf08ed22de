"""Cart writes: create, update, line items, shipping methods, promotions, taxes, customer transfer.

Each flow runs in ONE transaction that locks the cart row first (so concurrent edits of one cart serialise), then
refreshes prices, promotion adjustments, tax lines and the payment collection amount as Medusa's
`refreshCartItemsWorkflow` does. No provider (network) call happens while the cart row is locked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, Integer, Numeric, Text, bindparam, cast, exists, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import direct
from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param, json_decoded, json_decoders, json_rows
from euryale.errors import invalid_data, not_allowed, not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.cart import promotions as promos
from euryale.flows.cart import taxes
from euryale.flows.cart.read import (
    cart_payment_collection_id,
    customer_ref_current,
    load_cart_relations,
    pop_customer_ref,
    pop_region_ref,
    pop_relations,
    region_countries_lateral,
    relations_columns,
)
from euryale.links import service as links
from euryale.links.models import (
    cart_payment_collection,
    cart_promotion,
    order_cart,
    product_sales_channel,
    product_variant_inventory_item,
    product_variant_price_set,
    sales_channel_stock_location,
)
from euryale.modules.cart import service as carts
from euryale.modules.cart.models import cart, cart_address, cart_shipping_method
from euryale.modules.customer import service as customers
from euryale.modules.customer.models import customer, customer_group_customer
from euryale.modules.fulfillment import service as fulfillment
from euryale.modules.fulfillment.models import shipping_option
from euryale.modules.inventory import service as inventory
from euryale.modules.inventory.models import inventory_level
from euryale.modules.payment import service as payments
from euryale.modules.payment.models import payment_collection, payment_session
from euryale.modules.pricing import service as pricing
from euryale.modules.product import service as products
from euryale.modules.product.models import (
    product,
    product_category_product,
    product_collection,
    product_tags,
    product_type,
    product_variant,
)
from euryale.modules.promotion.models import promotion
from euryale.modules.region.models import region, region_country
from euryale.modules.store.models import store
from euryale.modules.tax import service as tax
from euryale.totals import cart_totals, to_decimal

MULTI_CHANNEL = ("Cannot assign sales channel to cart. The Publishable API Key in the header of the request is "
                 "associated with multiple Sales Channels. Make sure to pass a `sales_channel_id` with the cart.")


def _completed(cart_id: str) -> Exception:
    return invalid_data(f"Cart {cart_id} is already completed.")


async def _region(conn: AsyncConnection, region_id: str, *, missing: str) -> dict[str, Any]:
    """The live region, else 404 with `missing` (Medusa words it per workflow)."""
    row = (await conn.execute(select(region).where(region.c.id == region_id, region.c.deleted_at.is_(None))
                              )).mappings().first()
    if row is None:
        raise not_found(missing)
    return dict(row)


# createCartWorkflow's region, with what the new cart's answer shows of it (its countries) and whether any live
# automatic promotion exists: one statement for all the cart creation reads
_COUNTRIES_OF_REGION = region_countries_lateral(region.c.id)
_CREATION_REGION = CompiledQuery(lambda: select(
    region.c.id.label("region__id"), region.c.name.label("region__name"),
    region.c.currency_code.label("region__currency_code"), region.c.automatic_taxes,
    exists().where(promotion.c.is_automatic.is_(True), promotion.c.status == "active",
                   promotion.c.deleted_at.is_(None)).label("automatic_promotions"),
    _COUNTRIES_OF_REGION)
    .select_from(region.outerjoin(_COUNTRIES_OF_REGION, true()))
    .where(region.c.id == bindparam("region_id", type_=Text), region.c.deleted_at.is_(None)))


async def _default_region_id(conn: AsyncConnection) -> str:
    row = (await conn.execute(select(store.c.default_region_id).where(store.c.deleted_at.is_(None))
                              .order_by(store.c.created_at).limit(1))).first()
    if row is None or not row[0]:
        raise not_found("No regions found")
    return str(row[0])


async def _customer_groups(conn: AsyncConnection, customer_id: str | None) -> list[str]:
    if not customer_id:
        return []
    return [r[0] for r in await conn.execute(select(customer_group_customer.c.customer_group_id).where(
        customer_group_customer.c.customer_id == customer_id))]


async def guest_customer_id(conn: AsyncConnection, *, email: str) -> str:
    """Find-or-create the guest customer (`has_account=false`) for an email, as Medusa does on cart email."""
    return (await _guest_customer(conn, email=email))[0]


async def _guest_customer(conn: AsyncConnection, *, email: str) -> tuple[str, dict[str, Any] | None]:
    """`guest_customer_id`, and the answer's customer when it was created now (no group yet: nothing to read)."""
    row, created = await customers.find_or_create_guest_customer(conn, email=email)
    if not created:
        return str(row["id"]), None
    await stage_events(conn, [Event("customer.created", {"id": row["id"]})])
    return str(row["id"]), {"id": row["id"], "email": row["email"], "groups": []}


async def _customer_email(conn: AsyncConnection, customer_id: str) -> str | None:
    row = (await conn.execute(select(customer.c.email).where(customer.c.id == customer_id))).first()
    return None if row is None else row[0]


async def _validate_country(conn: AsyncConnection, region_id: str | None, address: Mapping[str, Any] | None,
                            checked: set[str] | None = None) -> None:
    """400 when the address's country is not in the region; `checked`: the codes already found in it by this
    write (a billing address in the shipping address's country costs no second statement)."""
    if not address or not address.get("country_code") or not region_id:
        return
    code = str(address["country_code"]).lower()
    if checked is not None and code in checked:
        return
    found = (await conn.execute(select(region_country.c.iso_2).where(
        region_country.c.region_id == region_id, region_country.c.iso_2 == str(address["country_code"]).lower()
    ))).first()
    if found is None:
        raise invalid_data(f"Country with code {address['country_code']} is not within region")
    if checked is not None:
        checked.add(code)


def _address_values(address: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(address)
    if out.get("country_code"):
        out["country_code"] = str(out["country_code"]).lower()
    return out


# --- the cart as a write sees it ---------------------------------------------------------------------------------

_cp, _cpc = cart_promotion, cart_payment_collection
_ADDRESSES = (("shipping_address", cart_address.alias("sa")),  # short aliases: see `read.relations_columns`
              ("billing_address", cart_address.alias("ba")))
_ADDRESS_COLUMNS = tuple(c.name for c in cart_address.c)
_REGION_COUNTRIES = region_countries_lateral(cart.c.region_id)
_CUSTOMER_GROUPS = func.array(
    select(customer_group_customer.c.customer_group_id).where(customer_group_customer.c.customer_id == customer.c.id)
    .scalar_subquery(), type_=ARRAY(Text)).label("customer__group_ids")
# the cart row with what every write (and the answer) needs beside it, in one statement
_CART_ROW = (select(
    cart, region.c.automatic_taxes.label("automatic_taxes"),
    func.array(select(_cp.c.promotion_id).where(_cp.c.cart_id == cart.c.id, _cp.c.deleted_at.is_(None))
               .scalar_subquery(), type_=ARRAY(Text)).label("promotion_ids"),
    select(_cpc.c.payment_collection_id).where(_cpc.c.cart_id == cart.c.id, _cpc.c.deleted_at.is_(None))
    .limit(1).scalar_subquery().label("payment_collection_id"),
    customer.c.has_account.label("owner_has_account"),
    # the answer's customer (see `pop_customer_ref`)
    customer.c.id.label("customer__id"), customer.c.email.label("customer__email"), _CUSTOMER_GROUPS,
    exists().where(promotion.c.is_automatic.is_(True), promotion.c.status == "active",
                   promotion.c.deleted_at.is_(None)).label("automatic_promotions"),
    carts.credit_lines_column(cart.c.id).label("credit_lines"),
    # most carts have no shipping method until checkout: `load_cart_relations` then skips reading them
    exists().where(cart_shipping_method.c.cart_id == cart.c.id, cart_shipping_method.c.deleted_at.is_(None))
    .label("has_shipping_methods"),
    *(alias.c[k].label(f"{kind}__{k}") for kind, alias in _ADDRESSES for k in _ADDRESS_COLUMNS),
    # the answer's region with its countries (see `pop_region_ref`)
    region.c.id.label("region__id"), region.c.name.label("region__name"),
    region.c.currency_code.label("region__currency_code"), _REGION_COUNTRIES)
    .select_from(cart.outerjoin(region, region.c.id == cart.c.region_id)
                 .outerjoin(customer, customer.c.id == cart.c.customer_id)
                 .outerjoin(_ADDRESSES[0][1], _ADDRESSES[0][1].c.id == cart.c.shipping_address_id)
                 .outerjoin(_ADDRESSES[1][1], _ADDRESSES[1][1].c.id == cart.c.billing_address_id)
                 .outerjoin(_REGION_COUNTRIES, true()))
    .where(cart.c.id == bindparam("cart_id"), cart.c.deleted_at.is_(None)))
# A write locks the cart row with a statement of its own, then reads the row with everything it needs (the tax
# rates of the shipping address's country, the items, shipping methods, their tax lines and adjustments) in a
# second one. Not in the locking statement: under READ COMMITTED a statement reads with the snapshot it started
# with, so a lock that waited for a concurrent write of the cart would come back with that write's rows unseen
# (only the locked row itself is re-read); the statement after the lock sees them.
# The lock gives the pricing context of the row it locked (the latest version, whatever the snapshot), so that
# an add reads the variants it adds, priced, with the cart (`_LOCKED_CART_WITH_VARIANTS`).
_LOCK_CART = CompiledQuery(lambda: select(cart.c.id, cart.c.sales_channel_id, cart.c.currency_code,
                                          cart.c.region_id)
                           .where(cart.c.id == bindparam("cart_id"), cart.c.deleted_at.is_(None)).with_for_update())


def _locked_cart_query(variants: bool, one: bool = False) -> Any:
    # `transaction_now`: what `updated_at = now()` sets in this transaction (a write queued to ride with a later
    # statement answers it without a RETURNING)
    columns = [tax.country_rates_column(_ADDRESSES[0][1].c.country_code).label("tax_country_rates"),
               func.now().label("transaction_now"), *relations_columns(cart.c.id)]
    if variants:  # as `_PRICED_VARIANTS_FOR_ITEMS` reads them, bound with the lock's pricing context
        columns.append(json_rows(*_variant_parts(priced=True, one=one), [_v.c.id]).label("priced_variants"))
    return _CART_ROW.add_columns(*columns)


_LOCKED_CART = CompiledQuery(lambda: _locked_cart_query(variants=False))
_LOCKED_CART_WITH_VARIANTS = CompiledQuery(lambda: _locked_cart_query(variants=True))
# Adding one variant (every `POST /store/carts/:id/line-items`) reads it by `id = $n`, not `id = ANY($n)`: PostgreSQL
# plans a prepared statement for its parameters five times, then keeps one generic plan only if that plan is not
# estimated dearer than theirs. An array parameter of unknown length is estimated at 10 variants, and the variant's
# subqueries (prices, stock, channels) cost 10 times over, so the generic plan never won: on the benchmark catalog
# every add planned this statement again (~1.5 ms of PostgreSQL CPU, more than running it). With one variant the
# generic plan costs what the custom ones do and is kept after the fifth execution on each connection.
_LOCKED_CART_WITH_VARIANT = CompiledQuery(lambda: _locked_cart_query(variants=True, one=True))
# the same for a read (GET), with the relations: no lock, compiled once and run straight on asyncpg
_READ_CART = CompiledQuery(lambda: _CART_ROW.add_columns(*relations_columns(cart.c.id)))


def _cart_of_row(row: Any, *, cart_id: str, customer_id: str | None, check_access: bool) -> dict[str, Any]:
    """The cart dict of a `_CART_ROW` row (addresses nested), after the access check."""
    if row is None:
        raise carts.cart_not_found(cart_id)
    c = dict(row)
    pop_region_ref(c)
    pop_customer_ref(c)
    for kind, _ in _ADDRESSES:  # the addresses come with the row: `load_cart_relations` does not read them again
        address = {k: c.pop(f"{kind}__{k}") for k in _ADDRESS_COLUMNS}
        c[kind] = address if address["id"] is not None else None
    if "rel__items" in c:
        pop_relations(c)
    if "tax_country_rates" in c:
        # valid for this country only: a write that changes the address reads the new country's rates
        c["tax_country_rates"] = (_country_of(c["shipping_address"]), tax.country_rates_of(c["tax_country_rates"]))
    if check_access and customer_id is not None and c["customer_id"] and c["customer_id"] != customer_id \
            and c["owner_has_account"]:
        raise carts.cart_not_found(cart_id)
    return c


async def read_cart_state(conn: AsyncConnection, *, cart_id: str, customer_id: str | None) -> dict[str, Any]:
    """The cart as `GET /store/carts/:id` answers it (state for `retrieve_store_cart`), without a lock: 404 when
    missing or owned by another registered customer; one statement (relations, region and customer with the row)."""
    rows = await _READ_CART.fetch(conn, cart_id=cart_id)
    c = _cart_of_row(rows[0] if rows else None, cart_id=cart_id, customer_id=customer_id, check_access=True)
    return await load_cart_relations(conn, c)


async def locked_cart(conn: AsyncConnection, *, cart_id: str, customer_id: str | None = None,
                      check_access: bool = True, variant_ids: Sequence[str] = ()) -> dict[str, Any]:
    """Lock the open cart row for the transaction (404 when missing, or owned by another registered customer when
    `check_access`; 400 when completed), with `automatic_taxes` of its region, the linked `promotion_ids`, the
    `payment_collection_id`, `owner_has_account`, the answer's region and customer, the shipping country's tax
    rates and the relations `load_cart_relations` then takes without a statement: two statements (the lock, then
    the row read after it), the transaction begun first (`direct.begin`). `variant_ids`: variants the write
    adds, read priced with the row (`priced_variants`, taken by `_priced_variants`)."""
    rows = await direct.fetch(conn, _LOCK_CART, cart_id=cart_id)  # begins the transaction first
    if rows and variant_ids:
        ids = list(dict.fromkeys(variant_ids))
        locked = rows[0]
        pricing_params = pricing.pricing_params({"currency_code": locked["currency_code"],
                                                  "region_id": locked["region_id"]})
        if len(ids) == 1:
            rows = await direct.fetch(conn, _LOCKED_CART_WITH_VARIANT, cart_id=cart_id, variant_id=ids[0],
                                      sales_channel_id=locked["sales_channel_id"], **pricing_params)
        else:
            rows = await direct.fetch(conn, _LOCKED_CART_WITH_VARIANTS, cart_id=cart_id, ids=ids,
                                      sales_channel_id=locked["sales_channel_id"], **pricing_params)
    elif rows:
        rows = await direct.fetch(conn, _LOCKED_CART, cart_id=cart_id)
    c = _cart_of_row(rows[0] if rows else None, cart_id=cart_id, customer_id=customer_id, check_access=check_access)
    if "priced_variants" in c:
        c["priced_variants"] = (ids, json_decoded(c["priced_variants"], _VARIANT_DECODERS))
    if c["completed_at"] is not None:
        raise _completed(cart_id)
    return c


# complete-cart's create-order: the locked row, and the order already placed from the cart (a concurrent completion)
_LOCK_CART_WITH_ORDER = _CART_ROW.add_columns(
    select(order_cart.c.order_id).where(order_cart.c.cart_id == cart.c.id, order_cart.c.deleted_at.is_(None))
    .limit(1).scalar_subquery().label("order_id")).with_for_update(of=cart)


async def cart_to_order(conn: AsyncConnection, *, cart_id: str) -> dict[str, Any]:
    """The cart locked for the transaction with its relations and totals, as an order is written from it: the
    columns of `locked_cart` (addresses, `promotion_ids`, ...) and `order_id`, the order already placed from it
    (None if none); 404 when missing, no access or completion check (the caller answers a placed order). Four
    statements."""
    row: Any = (await conn.execute(_LOCK_CART_WITH_ORDER, {"cart_id": cart_id})).mappings().first()
    if row is not None and row["order_id"] is None and row["completed_at"] is not None:
        # the lock waited for a completion that committed meanwhile: the row is that completion's version, but the
        # statement read the order link with its older snapshot; a statement of its own sees the order
        found = (await conn.execute(select(order_cart.c.order_id).where(
            order_cart.c.cart_id == cart_id, order_cart.c.deleted_at.is_(None)).limit(1))).scalar()
        row = {**row, "order_id": found}
    return await load_cart_relations(conn, _cart_of_row(row, cart_id=cart_id, customer_id=None, check_access=False))


async def cart_state(conn: AsyncConnection, *, cart_id: str, customer_id: str | None = None,
                     check_access: bool = True, variant_ids: Sequence[str] = ()) -> dict[str, Any]:
    """`locked_cart` plus items, shipping methods and addresses: what a write changes and answers with (the
    write computes the totals once it is done). Two statements, whatever the cart holds."""
    return await load_cart_relations(conn, await locked_cart(conn, cart_id=cart_id, customer_id=customer_id,
                                                             check_access=check_access, variant_ids=variant_ids),
                                     totals=False)


# --- line item data ---------------------------------------------------------------------------------------------

_v, _p, _pvps, _psc, _pvii = (product_variant, product, product_variant_price_set, product_sales_channel,
                              product_variant_inventory_item)
_pcp, _ptag = product_category_product, product_tags


def _available_quantity(channel: Any) -> Any:
    """Best level (stocked - reserved) of the inventory item `_pvii` at the locations of the sales channel
    `channel` (any location when it is null), as `inventory.confirm_inventory` weighs it."""
    lv, scl = inventory_level, sales_channel_stock_location
    return (select(func.coalesce(func.max(lv.c.stocked_quantity - lv.c.reserved_quantity), 0))
            .where(lv.c.inventory_item_id == _pvii.c.inventory_item_id, lv.c.deleted_at.is_(None),
                   or_(cast(channel, Text).is_(None), lv.c.location_id.in_(select(scl.c.stock_location_id).where(
                       scl.c.sales_channel_id == channel, scl.c.deleted_at.is_(None)))))
            .scalar_subquery())


def _variant_parts(priced: bool, channel: Any = None, currency_code: Any = None,
                   region_id: Any = None, one: bool = False) -> tuple[list[Any], Any, list[Any]]:
    """Columns, FROM and WHERE of what a line item copies from its variants `ids` and their products, their price
    set, channels and inventory items (and with `priced` the candidate prices of the price set, bound as
    `calculate_prices` binds them); `channel`, `currency_code`, `region_id`: expressions instead of the bind
    parameters `sales_channel_id`, `currency_code`, `region_id`; `one`: the one variant `variant_id` instead of
    the array `ids`."""
    if channel is None:
        channel = bindparam("sales_channel_id", type_=Text)
    price_set_id = (select(_pvps.c.price_set_id).where(_pvps.c.variant_id == _v.c.id, _pvps.c.deleted_at.is_(None))
                    .limit(1).correlate(_v).scalar_subquery())  # also inside the prices' subquery
    priced_columns = [pricing.candidate_prices_column(price_set_id, currency_code, region_id)
                      .label("candidate_prices")] if priced else []
    available = select(_available_quantity(channel)).where(_pvii.c.variant_id == _v.c.id,
                                                           _pvii.c.deleted_at.is_(None))
    return ([
        _v.c.id, _v.c.product_id, _v.c.title, _v.c.sku, _v.c.barcode, _v.c.thumbnail, _v.c.manage_inventory,
        _v.c.allow_backorder, _p.c.title.label("p_title"), _p.c.description.label("p_description"),
        _p.c.subtitle.label("p_subtitle"), _p.c.thumbnail.label("p_thumbnail"), _p.c.handle.label("p_handle"),
        _p.c.discountable.label("p_discountable"), _p.c.is_giftcard.label("p_is_giftcard"),
        _p.c.type_id.label("p_type_id"), product_type.c.value.label("type_value"),
        _p.c.collection_id.label("p_collection_id"), product_collection.c.title.label("collection_title"),
        func.array(select(_pcp.c.product_category_id).where(_pcp.c.product_id == _p.c.id).scalar_subquery(),
                   type_=ARRAY(Text)).label("p_category_ids"),
        func.array(select(_ptag.c.product_tag_id).where(_ptag.c.product_id == _p.c.id).scalar_subquery(),
                   type_=ARRAY(Text)).label("p_tag_ids"),
        price_set_id.label("price_set_id"),
        func.array(select(_psc.c.sales_channel_id).where(_psc.c.product_id == _p.c.id, _psc.c.deleted_at.is_(None))
                   .scalar_subquery(), type_=ARRAY(Text)).label("sales_channel_ids"),
        func.array(select(_pvii.c.inventory_item_id).where(_pvii.c.variant_id == _v.c.id,
                                                           _pvii.c.deleted_at.is_(None))
                   .order_by(_pvii.c.inventory_item_id).scalar_subquery(), type_=ARRAY(Text))
        .label("inventory_item_ids"),
        func.array(select(_pvii.c.required_quantity).where(_pvii.c.variant_id == _v.c.id,
                                                           _pvii.c.deleted_at.is_(None))
                   .order_by(_pvii.c.inventory_item_id).scalar_subquery(), type_=ARRAY(Integer))
        .label("required_quantities"),
        func.array(available.order_by(_pvii.c.inventory_item_id).scalar_subquery(), type_=ARRAY(Numeric))
        .label("available_quantities"),
        *priced_columns],
        _v.join(_p, _p.c.id == _v.c.product_id)
        .outerjoin(product_type, product_type.c.id == _p.c.type_id)
        .outerjoin(product_collection, product_collection.c.id == _p.c.collection_id),
        [_v.c.id == bindparam("variant_id", type_=Text) if one else any_param(_v.c.id), _v.c.deleted_at.is_(None),
         _p.c.deleted_at.is_(None)])


def _variants_query(priced: bool, one: bool = False) -> Any:
    """`_variant_parts` as one statement."""
    columns, from_, where = _variant_parts(priced, one=one)
    return select(*columns).select_from(from_).where(*where)


_VARIANT_DECODERS = json_decoders(_variant_parts(priced=True)[0])
_VARIANTS_FOR_ITEMS = CompiledQuery(lambda: _variants_query(priced=False))
# one variant (a line's quantity change) by `id = $n`: a plan kept, as `_LOCKED_CART_WITH_VARIANT`
_VARIANT_FOR_ITEM = CompiledQuery(lambda: _variants_query(priced=False, one=True))
_PRICED_VARIANTS_FOR_ITEMS = CompiledQuery(lambda: _variants_query(priced=True))


async def _variants_for_items(conn: AsyncConnection, variant_ids: Sequence[str], *,
                              sales_channel_id: str | None) -> dict[str, dict[str, Any]]:
    """Live variants by id with what `_line_item_data`, the channel check and the stock check (at the channel's
    locations) need."""
    ids = list(dict.fromkeys(variant_ids))
    if not ids:
        return {}
    rows = await (_VARIANT_FOR_ITEM.fetch(conn, variant_id=ids[0], sales_channel_id=sales_channel_id) if len(ids) == 1
                  else _VARIANTS_FOR_ITEMS.fetch(conn, ids=ids, sales_channel_id=sales_channel_id))
    return {r["id"]: dict(r) for r in rows}


async def _priced_variants(conn: AsyncConnection, *, cart: Mapping[str, Any], variant_ids: Sequence[str]
                           ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Variants with their calculated price in the cart's pricing context (set-based): one statement (two for a
    cart whose customer the write changed: its groups)."""
    ids = list(dict.fromkeys(variant_ids))
    if not ids:
        return {}, {}
    ctx: dict[str, Any] = {"currency_code": cart["currency_code"]}
    if cart.get("region_id"):
        ctx["region_id"] = cart["region_id"]
    if cart.get("customer_id") and customer_ref_current(cart):
        # the groups came with the cart row
        groups = [g["id"] for g in (cart["customer_ref"] or {}).get("groups", [])]
    else:
        groups = await _customer_groups(conn, cart.get("customer_id"))
    if groups:
        ctx["customer_group_id"] = groups
    pre = cart.pop("priced_variants", None) if isinstance(cart, dict) else None
    if pre is not None and pre[0] == ids:  # read with the cart row
        variants = {r["id"]: r for r in pre[1]}
    else:
        variants = {r["id"]: dict(r) for r in await _PRICED_VARIANTS_FOR_ITEMS.fetch(
            conn, ids=ids, sales_channel_id=cart.get("sales_channel_id"), **pricing.pricing_params(ctx))}
    # the candidate prices of each price set once (variants may share one)
    candidates: dict[str, list[dict[str, Any]]] = {}
    for v in variants.values():
        rows = v.pop("candidate_prices")
        if v.get("price_set_id") and v["price_set_id"] not in candidates:
            candidates[v["price_set_id"]] = pricing.candidate_prices_of(rows)
    prices = await pricing.calculate_prices(conn, price_set_ids=list(candidates), context=ctx,
                                            rows=[r for rows in candidates.values() for r in rows]) \
        if candidates else {}
    return variants, prices


def _line_item_data(v: Mapping[str, Any], price: Mapping[str, Any]) -> dict[str, Any]:
    calc, orig = price["calculated_amount"], price.get("original_amount")
    return {
        "title": v["p_title"], "subtitle": v["title"], "thumbnail": v["thumbnail"] or v["p_thumbnail"],
        "variant_id": v["id"], "product_id": v["product_id"], "product_title": v["p_title"],
        "product_description": v["p_description"], "product_subtitle": v["p_subtitle"],
        "product_type": v["type_value"] if v["p_type_id"] else None, "product_type_id": v["p_type_id"],
        "product_collection": v["collection_title"], "product_handle": v["p_handle"],
        "variant_sku": v["sku"], "variant_barcode": v["barcode"], "variant_title": v["title"],
        "requires_shipping": True, "is_discountable": bool(v["p_discountable"] if v["p_discountable"] is not None
                                                           else True),
        "is_giftcard": bool(v["p_is_giftcard"]),
        "is_tax_inclusive": bool(price.get("is_calculated_price_tax_inclusive")), "unit_price": calc,
        "compare_at_unit_price": orig if orig is not None and orig != calc else None,
    }


def _check_variants(*, cart: Mapping[str, Any], variant_ids: Sequence[str], variants: Mapping[str, Any],
                    prices: Mapping[str, Any]) -> None:
    missing = [v for v in variant_ids if v not in variants]
    if missing:
        raise invalid_data(f"Variants {', '.join(missing)} do not exist or belong to a product that is not published")
    if cart.get("sales_channel_id"):
        outside = [v for v in variant_ids if cart["sales_channel_id"] not in variants[v]["sales_channel_ids"]]
        if outside:
            raise invalid_data(f"Sales channel {cart['sales_channel_id']} is not associated with variants: "
                               f"{', '.join(outside)}")
    unpriced = [v for v in variant_ids if (variants[v].get("price_set_id") or "") not in prices]
    if unpriced:
        raise invalid_data(f"Variants with IDs {', '.join(unpriced)} do not have a price")


async def inventory_requirements(conn: AsyncConnection, *, items: Sequence[Mapping[str, Any]]
                                 ) -> list[dict[str, Any]]:
    """Per line item and inventory item: quantity needed (manage_inventory variants only, via the link)."""
    variant_ids = list({i["variant_id"] for i in items if i.get("variant_id")})
    if not variant_ids:
        return []
    variants = await products.retrieve_variants_for_cart(conn, variant_ids=variant_ids)
    managed = [v for v in variant_ids if v in variants and variants[v].get("manage_inventory")]
    if not managed:
        return []
    t = product_variant_inventory_item
    links_by_variant: dict[str, list[tuple[str, int]]] = {}
    for r in await conn.execute(select(t.c.variant_id, t.c.inventory_item_id, t.c.required_quantity).where(
            t.c.variant_id.in_(managed), t.c.deleted_at.is_(None))):
        links_by_variant.setdefault(r[0], []).append((r[1], int(r[2] or 1)))
    out = []
    for i in items:
        v = variants.get(i.get("variant_id") or "")
        if v is None or not v.get("manage_inventory"):
            continue
        for inv_id, req in links_by_variant.get(v["id"], []):
            out.append({"line_item_id": i.get("id"), "inventory_item_id": inv_id,
                        "quantity": int(i["quantity"]) * req, "required_quantity": 1,
                        "allow_backorder": bool(v.get("allow_backorder"))})
    return out


def _confirm_inventory(*, variants: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> None:
    """Stock check of `{variant_id, quantity}` lines (manage_inventory variants, through their inventory items),
    against the availability read with the variants."""
    need: dict[str, int] = {}
    available: dict[str, int] = {}
    for i in items:
        v = variants.get(i["variant_id"])
        if v is None or not v["manage_inventory"] or v["allow_backorder"]:
            continue
        for inv_id, req, avail in zip(v["inventory_item_ids"], v["required_quantities"], v["available_quantities"],
                                      strict=True):
            need[inv_id] = need.get(inv_id, 0) + int(i["quantity"]) * int(req or 1)
            available[inv_id] = max(int(avail), 0)
    inventory.check_availability(need=need, available=available)


# --- refresh ----------------------------------------------------------------------------------------------------

async def _codes_of(conn: AsyncConnection, promotion_ids: Sequence[str]) -> list[str]:
    """Codes of the given (linked) promotions, sorted; no statement for none."""
    if not promotion_ids:
        return []
    return [r[0] for r in await conn.execute(select(promotion.c.code).where(promotion.c.id.in_(list(promotion_ids)))
                                             .order_by(promotion.c.code))]


async def _set_promotions(conn: AsyncConnection, c: dict[str, Any], applied_ids: Sequence[str]) -> None:
    """Link the cart to exactly the promotions that applied (nothing to write when they did not change)."""
    current = set(c["promotion_ids"])
    wanted = list(dict.fromkeys(applied_ids))
    if current != set(wanted):
        await links.dismiss_links(conn, "cart_promotion", [(c["id"], p) for p in current - set(wanted)])
        await links.create_links(conn, "cart_promotion", [(c["id"], p) for p in wanted if p not in current])
    c["promotion_ids"] = wanted


_TAX_LINE_KEYS = ("code", "rate", "description", "provider_id", "tax_rate_id")
_ADJUSTMENT_KEYS = ("amount", "code", "promotion_id", "description", "provider_id", "is_tax_inclusive")


def _identity(row: Mapping[str, Any], keys: Sequence[str]) -> str:
    """What makes a tax line / adjustment the same one (money compared as a number: 5.00 is 5)."""
    values = []
    for k in keys:
        v = row.get(k)
        if k in ("rate", "amount"):
            v = to_decimal(v).normalize()
        elif k == "is_tax_inclusive":
            v = bool(v)
        values.append(repr(v))
    return "|".join(values)


def _same_rows(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> bool:
    return sorted(_identity(r, keys) for r in old) == sorted(_identity(r, keys) for r in new)


async def _sync_owned(conn: AsyncConnection, c: dict[str, Any], kind: str,
                      wanted: Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]]) -> None:
    """Make the tax lines / adjustments (`kind`) of the cart's items and shipping methods the `wanted` ones
    (`{"items": {id: [...]}, "shipping_methods": {id: [...]}}`), writing only the owners whose rows changed;
    the state `c` is updated with the rows as stored."""
    keys = _TAX_LINE_KEYS if kind == "tax_lines" else _ADJUSTMENT_KEYS
    for owner_kind in ("items", "shipping_methods"):
        owners = {o["id"]: o for o in c[owner_kind]}
        changed = {oid: rows for oid, rows in wanted[owner_kind].items()
                   if oid in owners and not _same_rows(owners[oid][kind], rows, keys)}
        if not changed:
            continue
        stale = [oid for oid in changed if owners[oid][kind]]
        inserted = await carts.replace_owned_rows(conn, kind=kind, owner_kind=owner_kind, stale_owners=stale,
                                                  rows_by_owner=changed)
        for oid in changed:
            owners[oid][kind] = inserted.get(oid, [])


async def _drop_invalid_shipping_methods(conn: AsyncConnection, c: dict[str, Any]) -> None:
    """Methods whose option no longer serves the cart (address, channel) are removed, as Medusa refreshes them."""
    valid = await fulfillment.usable_shipping_option_ids(
        conn, option_ids=[m["shipping_option_id"] for m in c["shipping_methods"] if m["shipping_option_id"]],
        sales_channel_id=c["sales_channel_id"], address=c["shipping_address"])
    stale = [m["id"] for m in c["shipping_methods"] if m["shipping_option_id"] not in valid]
    if stale:
        await _delete_owners(conn, [m for m in c["shipping_methods"] if m["id"] in stale], kind="shipping_methods")
        c["shipping_methods"] = [m for m in c["shipping_methods"] if m["id"] not in stale]


def _country_of(address: Mapping[str, Any] | None) -> str:
    return str((address or {}).get("country_code") or "").lower()


async def _apply_taxes(conn: AsyncConnection, c: dict[str, Any]) -> None:
    if not c["items"] and not c["shipping_methods"]:
        return  # nothing to tax (and nothing to read)
    country, rates = c.get("tax_country_rates") or ("", None)
    item_lines, ship_lines = await taxes.calculate_tax_lines(
        conn, items=c["items"], shipping_methods=c["shipping_methods"], address=c["shipping_address"],
        currency_code=c["currency_code"],
        country_rates=rates if country and country == _country_of(c["shipping_address"]) else None)
    await _sync_owned(conn, c, "tax_lines", {"items": item_lines, "shipping_methods": ship_lines})


_COLLECTION_AMOUNT = CompiledQuery(lambda: select(payment_collection.c.amount, payment_collection.c.completed_at)
                                   .where(payment_collection.c.id == bindparam("id", type_=Text)))


async def _sync_payment_collection(conn: AsyncConnection, *, cart: Mapping[str, Any]) -> None:
    pc_id = cart["payment_collection_id"] if "payment_collection_id" in cart else \
        await cart_payment_collection_id(conn, cart_id=cart["id"])
    if pc_id is None:
        return
    total = Decimal(cart["totals"]["total"])
    found = await _COLLECTION_AMOUNT.fetch(conn, id=pc_id)
    if not found or found[0]["completed_at"] is not None or Decimal(found[0]["amount"]) == total:
        return
    await payments.update_payment_collection_amount(conn, payment_collection_id=pc_id, amount=total)
    # sessions were initiated for the old amount: Medusa drops them so the customer re-selects a provider
    await conn.execute(update(payment_session).where(
        payment_session.c.payment_collection_id == pc_id, payment_session.c.deleted_at.is_(None),
        payment_session.c.status.notin_(["authorized", "captured"])).values(deleted_at=func.now()))
    await payments.refresh_collection_status(conn, payment_collection_id=pc_id)


async def refresh_cart(conn: AsyncConnection, c: dict[str, Any], *, reprice: bool = True,
                       promo_codes: Sequence[str] | None = None, shipping_checked: bool = False) -> dict[str, Any]:
    """Re-price items, recompute promotion adjustments and tax lines, sync the payment collection amount.

    `c` is the cart state (`cart_state`), updated in place with what was written and returned: the caller answers
    with it, nothing is read twice. Rows are rewritten only where the outcome changed.
    """
    if reprice and c["items"]:
        variants, prices = await _priced_variants(conn, cart=c, variant_ids=[i["variant_id"] for i in c["items"]
                                                                             if i["variant_id"]])
        unpriced = [i["variant_id"] for i in c["items"] if i["variant_id"] and
                    (variants.get(i["variant_id"]) or {}).get("price_set_id") not in prices]
        if unpriced:
            raise invalid_data(f"Variants with IDs {', '.join(unpriced)} do not have a price")
        for item in c["items"]:
            v = variants.get(item["variant_id"] or "")
            price = prices.get((v or {}).get("price_set_id") or "")
            if v is None or price is None:
                continue
            data = _line_item_data(v, price)
            changed = {k: data[k] for k in ("unit_price", "compare_at_unit_price", "is_tax_inclusive")
                       if data[k] != item[k]}
            if changed:
                item.update(await carts.set_line_item(conn, item_id=item["id"], values=changed))
    if c["shipping_methods"] and not shipping_checked:
        await _drop_invalid_shipping_methods(conn, c)
    codes = promo_codes if promo_codes is not None else await _codes_of(conn, c["promotion_ids"])
    item_adj, ship_adj, applied = await promos.compute_adjustments(
        conn, cart=c, codes=codes, automatic=c.get("automatic_promotions", True))
    await _sync_owned(conn, c, "adjustments", {"items": item_adj, "shipping_methods": ship_adj})
    # the cart's promotions are the ones that applied: automatic ones join, codes that no longer apply leave
    await _set_promotions(conn, c, list(applied.values()))
    if c["automatic_taxes"] is None or c["automatic_taxes"]:
        await _apply_taxes(conn, c)
    c["totals"] = cart_totals(c["items"], c["shipping_methods"], c.get("credit_lines") or [])
    await _sync_payment_collection(conn, cart=c)
    return c


# --- flows ------------------------------------------------------------------------------------------------------

async def create_cart(conn: AsyncConnection, *, data: Mapping[str, Any], sales_channel_ids: Sequence[str],
                      customer_id: str | None, locale: str | None) -> dict[str, Any]:
    """`POST /store/carts`: region (or the store default), channel from the key, customer, items, promo codes.
    Returns the new cart's state."""
    region_id = data.get("region_id") or await _default_region_id(conn)
    found = await _CREATION_REGION.fetch(conn, region_id=region_id)  # createCartWorkflow's findOneOrAnyRegion
    if not found:
        raise not_found("No regions found")
    reg = dict(found[0])
    automatic_promotions = reg.pop("automatic_promotions")
    pop_region_ref(reg)
    ref = reg["region_ref"]
    sc_id = data.get("sales_channel_id")
    if sc_id:
        if sales_channel_ids and sc_id not in sales_channel_ids:
            raise invalid_data("Requested sales channel is not part of the publishable key")
    elif len(sales_channel_ids) > 1:
        raise invalid_data(MULTI_CHANNEL)
    elif sales_channel_ids:
        sc_id = sales_channel_ids[0]
    customer_ref: dict[str, Any] | None = None
    values: dict[str, Any] = {
        "region_id": region_id, "currency_code": (data.get("currency_code") or ref["currency_code"]).lower(),
        "sales_channel_id": sc_id, "email": data.get("email"), "metadata": data.get("metadata"),
        "locale": (data.get("locale") or None) if "locale" in data else locale,
    }
    if customer_id:
        values["customer_id"] = customer_id
        values["email"] = values["email"] or await _customer_email(conn, customer_id)
    elif values["email"]:
        values["customer_id"], customer_ref = await _guest_customer(conn, email=values["email"])
    addresses: dict[str, dict[str, Any]] = {}
    checked = {str(co["iso_2"]) for co in ref["countries"]}  # the region's countries: no statement to check
    for kind in ("shipping_address", "billing_address"):
        addr = data.get(kind)
        if isinstance(addr, Mapping):
            await _validate_country(conn, region_id, addr, checked)
            addresses[kind] = await carts.insert_address(conn, address=_address_values(addr))
    if not isinstance(data.get("shipping_address"), Mapping):
        # as Medusa: a single-country region pre-fills the shipping address with that country
        countries = [co["iso_2"] for co in ref["countries"]]
        if len(countries) == 1:
            addresses["shipping_address"] = await carts.insert_address(
                conn, address=_address_values({"country_code": countries[0]}))
    for kind, row in addresses.items():
        values[f"{kind}_id"] = row["id"]
    c = await carts.insert_cart(conn, values=values)
    if customer_ref is not None:  # the answer's customer, known: no statement
        c.update(customer_ref=customer_ref, customer_ref_of=customer_ref["id"])
    # a new cart: nothing linked yet, and its state is known without reading it back
    c.update(automatic_taxes=reg["automatic_taxes"], automatic_promotions=automatic_promotions, region_ref=ref,
             promotion_ids=[], payment_collection_id=None,
             owner_has_account=None, items=[], shipping_methods=[],
             shipping_address=addresses.get("shipping_address"), billing_address=addresses.get("billing_address"))
    items = data.get("items") or []
    if items:
        await _add_items(conn, c, items=items)
    codes = list(data.get("promo_codes") or [])
    if codes:
        await promos.validate_codes(conn, codes=codes)
    await refresh_cart(conn, c, reprice=False, promo_codes=codes)
    await stage_events(conn, [Event("cart.created", {"id": c["id"]})])
    return c


async def update_cart(conn: AsyncConnection, *, cart_id: str, data: Mapping[str, Any],
                      customer_id: str | None = None) -> dict[str, Any]:
    """`POST /store/carts/:id`: region, email, addresses, sales channel, locale, metadata, promo codes."""
    c = await locked_cart(conn, cart_id=cart_id, customer_id=customer_id)
    values: dict[str, Any] = {}
    if data.get("region_id") and data["region_id"] != c["region_id"]:
        reg = await _region(conn, data["region_id"], missing=f"Region id not found: {data['region_id']}")
        values["region_id"] = reg["id"]
        values["currency_code"] = reg["currency_code"]
        c["automatic_taxes"] = reg["automatic_taxes"]
        # a new region may not ship to the old address (Medusa clears it)
        if c["shipping_address_id"] and "shipping_address" not in data:
            values["shipping_address_id"] = None
            c["shipping_address"] = None
    region_id = values.get("region_id", c["region_id"])
    for key in ("metadata", "sales_channel_id"):
        if key in data:
            values[key] = data[key]
    if "locale" in data:
        values["locale"] = data["locale"] or None  # an empty locale means none, as for the header
    if data.get("email") is not None:
        values["email"] = data["email"]
        cust_email = await _customer_email(conn, c["customer_id"]) if c["customer_id"] else None
        if not c["customer_id"] or cust_email != data["email"]:
            # a registered owner keeps the cart; guests follow the email
            if not c["owner_has_account"]:
                values["customer_id"], known = await _guest_customer(conn, email=data["email"])
                if known is not None:  # the answer's customer: no statement
                    c.update(customer_ref=known, customer_ref_of=known["id"])
    ref = c.get("region_ref")
    # the region's countries came with the locked row: an address in one of them costs no statement to check
    checked = {str(co["iso_2"]) for co in ref["countries"]} if ref and ref["id"] == region_id else set()
    for kind in ("shipping_address", "billing_address"):
        if kind not in data:
            continue
        addr = data[kind]
        if addr is None:
            values[f"{kind}_id"] = None
            c[kind] = None
        elif isinstance(addr, Mapping):
            await _validate_country(conn, region_id, addr, checked)
            c[kind] = await carts.insert_address(conn, address=_address_values(addr))
            values[f"{kind}_id"] = c[kind]["id"]
    if values:
        c.update(await carts.set_cart(conn, cart_id=cart_id, values=values))
    if "region_id" in values or "currency_code" in values:
        await carts.replace_shipping_methods(conn, cart_id=cart_id, methods=[])
        if "relations" in c:
            c["relations"]["shipping_methods"] = []  # read with the row, now gone
    codes = None
    if data.get("promo_codes") is not None:
        codes = list(data["promo_codes"])
        await promos.validate_codes(conn, codes=codes)
    await load_cart_relations(conn, c, totals=False)
    await refresh_cart(conn, c, reprice="region_id" in values or "sales_channel_id" in values, promo_codes=codes)
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])
    return c


async def _add_items(conn: AsyncConnection, c: dict[str, Any], *, items: Sequence[Mapping[str, Any]]) -> None:
    variant_ids = list(dict.fromkeys(i["variant_id"] for i in items))
    variants, prices = await _priced_variants(conn, cart=c, variant_ids=variant_ids)
    _check_variants(cart=c, variant_ids=variant_ids, variants=variants, prices=prices)
    existing = {(i["variant_id"], repr(i["metadata"] or {})): i for i in c["items"]}
    new_rows: list[dict[str, Any]] = []
    updates: list[tuple[dict[str, Any], int]] = []
    check: list[dict[str, Any]] = []
    for it in items:
        key = (it["variant_id"], repr(it.get("metadata") or {}))
        current = existing.get(key)
        if current is not None:
            qty = int(current["quantity"]) + int(it["quantity"])
            updates.append((current, qty))
            current["quantity"] = qty
            check.append({"variant_id": it["variant_id"], "quantity": qty})
            continue
        v = variants[it["variant_id"]]
        row = {**_line_item_data(v, prices[v["price_set_id"]]), "quantity": int(it["quantity"]),
               "metadata": it.get("metadata") or {}}
        if it.get("unit_price") is not None:
            row["unit_price"] = it["unit_price"]
        new_rows.append(row)
        check.append({"variant_id": it["variant_id"], "quantity": int(it["quantity"])})
    _confirm_inventory(variants=variants, items=check)
    for current, qty in updates:
        current.update(carts.set_line_item_later(conn, item_id=current["id"], values={"quantity": qty},
                                                 now=c["transaction_now"]))
    for row in await carts.insert_line_items(conn, cart_id=c["id"], items=new_rows):
        v = variants[row["variant_id"]]
        # what the answer shows of the product (as `load_cart_relations` gives it for lines read with the cart)
        ref = {"id": v["product_id"], "collection_id": v["p_collection_id"], "type_id": v["p_type_id"],
               "categories": [{"id": i} for i in v["p_category_ids"]], "tags": [{"id": i} for i in v["p_tag_ids"]]}
        c["items"].append({**row, "tax_lines": [], "adjustments": [], "product_ref": ref})


async def add_line_item(conn: AsyncConnection, *, cart_id: str, item: Mapping[str, Any],
                        customer_id: str | None = None) -> dict[str, Any]:
    """`POST /store/carts/:id/line-items` (same variant + metadata → quantity added to the existing line)."""
    c = await cart_state(conn, cart_id=cart_id, customer_id=customer_id, variant_ids=[item["variant_id"]])
    await _add_items(conn, c, items=[item])
    await refresh_cart(conn, c, reprice=False)
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])
    return c


async def _delete_owners(conn: AsyncConnection, owners: Sequence[Mapping[str, Any]], *, kind: str) -> None:
    """Soft-delete line items / shipping methods (`kind`) from the cart state: their tax lines and adjustments
    only where they have some."""
    ids = [o["id"] for o in owners]
    flags = {"tax_lines": any(o["tax_lines"] for o in owners), "adjustments": any(o["adjustments"] for o in owners)}
    if ids and kind == "items":
        await carts.delete_line_items(conn, item_ids=ids, **flags)
    elif ids:
        await carts.delete_shipping_methods(conn, method_ids=ids, **flags)


def _item_of(c: Mapping[str, Any], line_id: str) -> dict[str, Any]:
    item: dict[str, Any] | None = next((i for i in c["items"] if i["id"] == line_id), None)
    if item is None:
        raise not_found(f"Line item with id: {line_id} was not found")
    return item


async def update_line_item(conn: AsyncConnection, *, cart_id: str, line_id: str, quantity: int,
                           metadata: Mapping[str, Any] | None, customer_id: str | None = None) -> dict[str, Any]:
    """`POST /store/carts/:id/line-items/:line_id`: quantity 0 removes the line."""
    c = await cart_state(conn, cart_id=cart_id, customer_id=customer_id)
    item = _item_of(c, line_id)
    if quantity == 0:
        await _delete_owners(conn, [item], kind="items")
        c["items"] = [i for i in c["items"] if i["id"] != line_id]
    else:
        variants = await _variants_for_items(conn, [item["variant_id"]] if item["variant_id"] else [],
                                             sales_channel_id=c["sales_channel_id"])
        _confirm_inventory(variants=variants, items=[{"variant_id": item["variant_id"], "quantity": quantity}])
        values: dict[str, Any] = {"quantity": quantity}
        if metadata is not None:
            values["metadata"] = dict(metadata)
        item.update(carts.set_line_item_later(conn, item_id=line_id, values=values, now=c["transaction_now"]))
    await refresh_cart(conn, c, reprice=False)
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])
    return c


async def delete_line_item(conn: AsyncConnection, *, cart_id: str, line_id: str,
                           customer_id: str | None = None) -> dict[str, Any]:
    """`DELETE /store/carts/:id/line-items/:line_id`."""
    c = await cart_state(conn, cart_id=cart_id, customer_id=customer_id)
    await _delete_owners(conn, [_item_of(c, line_id)], kind="items")
    c["items"] = [i for i in c["items"] if i["id"] != line_id]
    await refresh_cart(conn, c, reprice=False)
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])
    return c


_OPTION_PROFILES = CompiledQuery(lambda: select(
    shipping_option.c.id, shipping_option.c.name, shipping_option.c.shipping_profile_id)
    .where(any_param(shipping_option.c.id)))


async def add_shipping_method(conn: AsyncConnection, *, cart_id: str, option_id: str,
                              data: Mapping[str, Any] | None, customer_id: str | None = None) -> dict[str, Any]:
    """`POST /store/carts/:id/shipping-methods`: the option must serve the cart (channel + address)."""
    c = await cart_state(conn, cart_id=cart_id, customer_id=customer_id)
    # the option must be one `list_shipping_options_for_context` offers this cart: checked without expanding it
    usable = await fulfillment.usable_shipping_option_ids(
        conn, option_ids=[option_id], sales_channel_id=c["sales_channel_id"], address=c["shipping_address"])
    if option_id not in usable:
        raise invalid_data("Shipping Options are invalid for cart.")
    # the new option's name and profile, and the profiles of the options of the methods the cart has: one read
    current_option_ids = {m["shipping_option_id"] for m in c["shipping_methods"] if m.get("shipping_option_id")}
    options = {r[0]: (r[1], r[2]) for r in await _OPTION_PROFILES.fetch(conn, ids=[option_id, *current_option_ids])}
    option_name, profile_id = options[option_id]
    prices = await fulfillment.shipping_option_prices(conn, option_ids=[option_id],
                                                      currency_code=c["currency_code"], region_id=c["region_id"])
    if option_id not in prices:
        raise invalid_data(f"Shipping options with IDs {option_id} do not have a price")
    # as Medusa 2.21: one method per shipping profile, so only the methods whose option has the new option's
    # profile (or no profile / no option) make way; a cart with products of two profiles keeps one method each
    replaced = [m for m in c["shipping_methods"]
                if not (prof := options.get(m.get("shipping_option_id") or "", (None, None))[1]) or prof == profile_id]
    await _delete_owners(conn, replaced, kind="shipping_methods")
    replaced_ids = {m["id"] for m in replaced}
    kept = [m for m in c["shipping_methods"] if m["id"] not in replaced_ids]
    c["shipping_methods"] = kept + [{**m, "tax_lines": [], "adjustments": []} for m in await carts.insert_shipping_methods(
        conn, cart_id=cart_id, methods=[{"name": option_name, "amount": prices[option_id], "is_tax_inclusive": False,
                                         "shipping_option_id": option_id, "data": dict(data or {})}])]
    # the option was just checked against the cart's channel and address: no second check in the refresh
    await refresh_cart(conn, c, reprice=False, shipping_checked=True)
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])
    return c


async def add_promotions(conn: AsyncConnection, *, cart_id: str, codes: Sequence[str],
                         customer_id: str | None = None) -> dict[str, Any]:
    """`POST /store/carts/:id/promotions`: validate the codes, then re-compute with them added."""
    c = await cart_state(conn, cart_id=cart_id, customer_id=customer_id)
    await promos.validate_codes(conn, codes=codes)
    current = await _codes_of(conn, c["promotion_ids"])
    await refresh_cart(conn, c, reprice=False, promo_codes=list(dict.fromkeys([*current, *codes])))
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])
    return c


async def remove_promotions(conn: AsyncConnection, *, cart_id: str, codes: Sequence[str],
                            customer_id: str | None = None) -> dict[str, Any]:
    """`DELETE /store/carts/:id/promotions` (unknown codes are ignored)."""
    c = await cart_state(conn, cart_id=cart_id, customer_id=customer_id)
    current = await _codes_of(conn, c["promotion_ids"])
    await refresh_cart(conn, c, reprice=False, promo_codes=[k for k in current if k not in codes])
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])
    return c


async def calculate_taxes(conn: AsyncConnection, *, cart_id: str, customer_id: str | None = None) -> dict[str, Any]:
    """`POST /store/carts/:id/taxes`: force tax lines even when the region's automatic taxes are off."""
    c = await cart_state(conn, cart_id=cart_id, customer_id=customer_id)
    await _apply_taxes(conn, c)
    c["totals"] = cart_totals(c["items"], c["shipping_methods"], c.get("credit_lines") or [])
    await _sync_payment_collection(conn, cart=c)
    return c


async def transfer_customer(conn: AsyncConnection, *, cart_id: str, customer_id: str) -> dict[str, Any]:
    """`POST /store/carts/:id/customer`: give a guest cart to the logged-in customer."""
    c = await locked_cart(conn, cart_id=cart_id, check_access=False)
    if c["customer_id"] == customer_id:
        return await load_cart_relations(conn, c)
    if c["customer_id"] and c["owner_has_account"]:
        raise not_allowed("Cannot transfer cart to a different customer")
    c.update(await carts.set_cart(conn, cart_id=cart_id, values={
        "customer_id": customer_id, "email": await _customer_email(conn, customer_id)}))
    await load_cart_relations(conn, c, totals=False)
    await refresh_cart(conn, c, reprice=True)
    await stage_events(conn, [Event("cart.customer_transferred", {"id": cart_id, "customer_id": customer_id})])
    return c


async def cart_owner_has_account(conn: AsyncConnection, *, customer_id: str | None) -> bool:
    if not customer_id:
        return False
    row = (await conn.execute(select(customer.c.has_account).where(customer.c.id == customer_id))).first()
    return bool(row and row[0])
