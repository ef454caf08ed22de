"""Cart writes: create, update, line items, shipping methods, promotions, taxes, customer transfer.

Each flow runs in ONE transaction that locks the cart row first (so concurrent edits of one cart serialise), then
refreshes prices, promotion adjustments, tax lines and the payment collection amount as Medusa's
`refreshCartItemsWorkflow` does. No provider (network) call happens while the cart row is locked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data, not_allowed, not_found
from euryale.events import Event
from euryale.events.outbox import stage_events
from euryale.flows.cart import promotions as promos
from euryale.flows.cart import taxes
from euryale.flows.cart.read import cart_payment_collection_id, load_cart_state
from euryale.links import service as links
from euryale.links.models import product_variant_inventory_item
from euryale.modules.cart import service as carts
from euryale.modules.customer import service as customers
from euryale.modules.customer.models import customer, customer_group_customer
from euryale.modules.fulfillment import service as fulfillment
from euryale.modules.inventory import service as inventory
from euryale.modules.payment import service as payments
from euryale.modules.payment.models import payment_session
from euryale.modules.pricing import service as pricing
from euryale.modules.product import service as products
from euryale.modules.promotion.models import promotion
from euryale.modules.region.models import region, region_country
from euryale.modules.store.models import store

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
    row, created = await customers.find_or_create_guest_customer(conn, email=email)
    if created:
        await stage_events(conn, [Event("customer.created", {"id": row["id"]})])
    return str(row["id"])


async def _customer_email(conn: AsyncConnection, customer_id: str) -> str | None:
    row = (await conn.execute(select(customer.c.email).where(customer.c.id == customer_id))).first()
    return None if row is None else row[0]


async def _validate_country(conn: AsyncConnection, region_id: str | None, address: Mapping[str, Any] | None) -> None:
    if not address or not address.get("country_code") or not region_id:
        return
    found = (await conn.execute(select(region_country.c.iso_2).where(
        region_country.c.region_id == region_id, region_country.c.iso_2 == str(address["country_code"]).lower()
    ))).first()
    if found is None:
        raise invalid_data(f"Country with code {address['country_code']} is not within region")


def _address_values(address: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(address)
    if out.get("country_code"):
        out["country_code"] = str(out["country_code"]).lower()
    return out


# --- line item data ---------------------------------------------------------------------------------------------

async def _priced_variants(conn: AsyncConnection, *, cart: Mapping[str, Any], variant_ids: Sequence[str]
                           ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Variants with their calculated price in the cart's pricing context (set-based)."""
    variants = await products.retrieve_variants_for_cart(conn, variant_ids=list(variant_ids))
    price_set_ids = [v["price_set_id"] for v in variants.values() if v.get("price_set_id")]
    ctx: dict[str, Any] = {"currency_code": cart["currency_code"]}
    if cart.get("region_id"):
        ctx["region_id"] = cart["region_id"]
    groups = await _customer_groups(conn, cart.get("customer_id"))
    if groups:
        ctx["customer_group_id"] = groups
    prices = await pricing.calculate_prices(conn, price_set_ids=price_set_ids, context=ctx) if price_set_ids else {}
    return variants, prices


def _line_item_data(variant: Mapping[str, Any], price: Mapping[str, Any]) -> dict[str, Any]:
    p = variant["product"]
    calc, orig = price["calculated_amount"], price.get("original_amount")
    return {
        "title": p["title"], "subtitle": variant.get("title"),
        "thumbnail": variant.get("thumbnail") or p.get("thumbnail"),
        "variant_id": variant["id"], "product_id": p["id"], "product_title": p["title"],
        "product_description": p.get("description"), "product_subtitle": p.get("subtitle"),
        "product_type": (p.get("type") or {}).get("value"), "product_type_id": p.get("type_id"),
        "product_collection": (p.get("collection") or {}).get("title"), "product_handle": p.get("handle"),
        "variant_sku": variant.get("sku"), "variant_barcode": variant.get("barcode"),
        "variant_title": variant.get("title"), "requires_shipping": bool(variant.get("requires_shipping", True)),
        "is_discountable": bool(p.get("discountable", True)), "is_giftcard": bool(p.get("is_giftcard")),
        "is_tax_inclusive": bool(price.get("is_calculated_price_tax_inclusive")), "unit_price": calc,
        "compare_at_unit_price": orig if orig is not None and orig != calc else None,
    }


async def _check_variants(conn: AsyncConnection, *, cart: Mapping[str, Any], variant_ids: Sequence[str],
                          variants: Mapping[str, Any], prices: Mapping[str, Any]) -> None:
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


async def _confirm_inventory(conn: AsyncConnection, *, cart: Mapping[str, Any],
                             items: Sequence[Mapping[str, Any]]) -> None:
    need = await inventory_requirements(conn, items=items)
    if need:
        await inventory.confirm_inventory(conn, items=need, sales_channel_id=cart.get("sales_channel_id"))


# --- refresh ----------------------------------------------------------------------------------------------------

async def linked_codes(conn: AsyncConnection, *, cart_id: str) -> list[str]:
    """Codes of the promotions linked to the cart."""
    ids = (await links.linked(conn, "cart_promotion", left_ids=[cart_id])).get(cart_id, [])
    if not ids:
        return []
    return [r[0] for r in await conn.execute(select(promotion.c.code).where(promotion.c.id.in_(ids))
                                             .order_by(promotion.c.code))]


async def _set_promotions(conn: AsyncConnection, *, cart_id: str, codes: Sequence[str]) -> None:
    ids = [r[0] for r in await conn.execute(select(promotion.c.id).where(
        promotion.c.code.in_(list(codes)), promotion.c.deleted_at.is_(None)))] if codes else []
    current = set((await links.linked(conn, "cart_promotion", left_ids=[cart_id])).get(cart_id, []))
    await links.dismiss_links(conn, "cart_promotion", [(cart_id, p) for p in current - set(ids)])
    await links.create_links(conn, "cart_promotion", [(cart_id, p) for p in ids if p not in current])


async def refresh_cart(conn: AsyncConnection, *, cart_id: str, reprice: bool = True,
                       promo_codes: Sequence[str] | None = None) -> dict[str, Any]:
    """Re-price items, recompute promotion adjustments and tax lines, sync the payment collection amount."""
    c = await load_cart_state(conn, cart_id=cart_id)
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
                await carts.update_line_item(conn, item_id=item["id"], values=changed)
                item.update(changed)
    if c["shipping_methods"]:
        await _drop_invalid_shipping_methods(conn, c)
    codes = promo_codes if promo_codes is not None else await linked_codes(conn, cart_id=cart_id)
    item_adj, ship_adj, applied = await promos.compute_adjustments(conn, cart=c, codes=codes)
    await carts.replace_adjustments(conn, item_adjustments=item_adj, shipping_adjustments=ship_adj)
    # the cart's promotions are the ones that applied: automatic ones join, codes that no longer apply leave
    await _set_promotions(conn, cart_id=cart_id, codes=applied)
    reg = (await conn.execute(select(region.c.automatic_taxes).where(region.c.id == c["region_id"]))).first()
    if reg is None or reg[0]:
        await _apply_taxes(conn, c)
    c = await load_cart_state(conn, cart_id=cart_id)
    await _sync_payment_collection(conn, cart=c)
    return c


async def _drop_invalid_shipping_methods(conn: AsyncConnection, c: dict[str, Any]) -> None:
    """Methods whose option no longer serves the cart (address, channel) are removed, as Medusa refreshes them."""
    options = await fulfillment.list_shipping_options_for_context(
        conn, sales_channel_id=c["sales_channel_id"], address=c["shipping_address"])
    valid = {o["id"] for o in options}
    stale = [m["id"] for m in c["shipping_methods"] if m["shipping_option_id"] not in valid]
    if stale:
        await carts.delete_shipping_methods(conn, method_ids=stale)
        c["shipping_methods"] = [m for m in c["shipping_methods"] if m["id"] not in stale]


async def _apply_taxes(conn: AsyncConnection, c: Mapping[str, Any]) -> None:
    item_lines, ship_lines = await taxes.calculate_tax_lines(
        conn, items=c["items"], shipping_methods=c["shipping_methods"], address=c["shipping_address"],
        currency_code=c["currency_code"])
    await carts.replace_tax_lines(conn, item_lines=item_lines, shipping_lines=ship_lines)


async def _sync_payment_collection(conn: AsyncConnection, *, cart: Mapping[str, Any]) -> None:
    pc_id = await cart_payment_collection_id(conn, cart_id=cart["id"])
    if pc_id is None:
        return
    total = Decimal(cart["totals"]["total"])
    pc = await payments.retrieve_payment_collection(conn, payment_collection_id=pc_id)
    if pc["completed_at"] is not None or Decimal(pc["amount"]) == total:
        return
    await payments.update_payment_collection_amount(conn, payment_collection_id=pc_id, amount=total)
    # sessions were initiated for the old amount: Medusa drops them so the customer re-selects a provider
    await conn.execute(update(payment_session).where(
        payment_session.c.payment_collection_id == pc_id, payment_session.c.deleted_at.is_(None),
        payment_session.c.status.notin_(["authorized", "captured"])).values(deleted_at=func.now()))
    await payments.refresh_collection_status(conn, payment_collection_id=pc_id)


async def _locked_open_cart(conn: AsyncConnection, cart_id: str) -> dict[str, Any]:
    c = await carts.get_cart(conn, cart_id=cart_id, for_update=True)
    if c["completed_at"] is not None:
        raise _completed(cart_id)
    return c


# --- flows ------------------------------------------------------------------------------------------------------

async def create_cart(conn: AsyncConnection, *, data: Mapping[str, Any], sales_channel_ids: Sequence[str],
                      customer_id: str | None, locale: str | None) -> str:
    """`POST /store/carts`: region (or the store default), channel from the key, customer, items, promo codes."""
    region_id = data.get("region_id") or await _default_region_id(conn)
    reg = await _region(conn, region_id, missing="No regions found")  # createCartWorkflow's findOneOrAnyRegion
    sc_id = data.get("sales_channel_id")
    if sc_id:
        if sales_channel_ids and sc_id not in sales_channel_ids:
            raise invalid_data("Requested sales channel is not part of the publishable key")
    elif len(sales_channel_ids) > 1:
        raise invalid_data(MULTI_CHANNEL)
    elif sales_channel_ids:
        sc_id = sales_channel_ids[0]
    values: dict[str, Any] = {
        "region_id": region_id, "currency_code": (data.get("currency_code") or reg["currency_code"]).lower(),
        "sales_channel_id": sc_id, "email": data.get("email"), "metadata": data.get("metadata"),
        "locale": (data.get("locale") or None) if "locale" in data else locale,
    }
    if customer_id:
        values["customer_id"] = customer_id
        values["email"] = values["email"] or await _customer_email(conn, customer_id)
    elif values["email"]:
        values["customer_id"] = await guest_customer_id(conn, email=values["email"])
    for kind in ("shipping_address", "billing_address"):
        addr = data.get(kind)
        if isinstance(addr, Mapping):
            await _validate_country(conn, region_id, addr)
            values[f"{kind}_id"] = await carts.create_address(conn, address=_address_values(addr))
    if not isinstance(data.get("shipping_address"), Mapping):
        # as Medusa: a single-country region pre-fills the shipping address with that country
        countries = (await conn.execute(select(region_country.c.iso_2).where(
            region_country.c.region_id == region_id).limit(2))).scalars().all()
        if len(countries) == 1:
            values["shipping_address_id"] = await carts.create_address(
                conn, address=_address_values({"country_code": countries[0]}))
    cart_id = await carts.create_cart(conn, values=values)
    items = data.get("items") or []
    if items:
        await _add_items(conn, cart_id=cart_id, items=items)
    codes = list(data.get("promo_codes") or [])
    if codes:
        await promos.validate_codes(conn, codes=codes)
    await refresh_cart(conn, cart_id=cart_id, reprice=False, promo_codes=codes)
    await stage_events(conn, [Event("cart.created", {"id": cart_id})])
    return cart_id


async def update_cart(conn: AsyncConnection, *, cart_id: str, data: Mapping[str, Any]) -> None:
    """`POST /store/carts/:id`: region, email, addresses, sales channel, locale, metadata, promo codes."""
    c = await _locked_open_cart(conn, cart_id)
    values: dict[str, Any] = {}
    if data.get("region_id") and data["region_id"] != c["region_id"]:
        reg = await _region(conn, data["region_id"], missing=f"Region id not found: {data['region_id']}")
        values["region_id"] = reg["id"]
        values["currency_code"] = reg["currency_code"]
        # a new region may not ship to the old address (Medusa clears it)
        if c["shipping_address_id"] and "shipping_address" not in data:
            values["shipping_address_id"] = None
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
            owner = (await conn.execute(select(customer.c.has_account).where(customer.c.id == c["customer_id"])
                                        )).first() if c["customer_id"] else None
            if owner is None or not owner[0]:
                values["customer_id"] = await guest_customer_id(conn, email=data["email"])
    for kind in ("shipping_address", "billing_address"):
        if kind not in data:
            continue
        addr = data[kind]
        if addr is None:
            values[f"{kind}_id"] = None
        elif isinstance(addr, Mapping):
            await _validate_country(conn, region_id, addr)
            values[f"{kind}_id"] = await carts.create_address(conn, address=_address_values(addr))
    if values:
        await carts.update_cart(conn, cart_id=cart_id, values=values)
    if "region_id" in values or "currency_code" in values:
        await carts.replace_shipping_methods(conn, cart_id=cart_id, methods=[])
    codes = None
    if data.get("promo_codes") is not None:
        codes = list(data["promo_codes"])
        await promos.validate_codes(conn, codes=codes)
    await refresh_cart(conn, cart_id=cart_id, reprice="region_id" in values or "sales_channel_id" in values,
                       promo_codes=codes)
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])


async def _add_items(conn: AsyncConnection, *, cart_id: str, items: Sequence[Mapping[str, Any]]) -> None:
    c = await load_cart_state(conn, cart_id=cart_id)
    variant_ids = list(dict.fromkeys(i["variant_id"] for i in items))
    variants, prices = await _priced_variants(conn, cart=c, variant_ids=variant_ids)
    await _check_variants(conn, cart=c, variant_ids=variant_ids, variants=variants, prices=prices)
    existing = {(i["variant_id"], repr(i["metadata"] or {})): i for i in c["items"]}
    new_rows: list[dict[str, Any]] = []
    check: list[dict[str, Any]] = []
    for it in items:
        key = (it["variant_id"], repr(it.get("metadata") or {}))
        current = existing.get(key)
        if current is not None:
            qty = int(current["quantity"]) + int(it["quantity"])
            await carts.update_line_item(conn, item_id=current["id"], values={"quantity": qty})
            current["quantity"] = qty
            check.append({"id": current["id"], "variant_id": it["variant_id"], "quantity": qty})
            continue
        v = variants[it["variant_id"]]
        row = {**_line_item_data(v, prices[v["price_set_id"]]), "quantity": int(it["quantity"]),
               "metadata": it.get("metadata") or {}}
        if it.get("unit_price") is not None:
            row["unit_price"] = it["unit_price"]
        new_rows.append(row)
        check.append({"id": None, "variant_id": it["variant_id"], "quantity": int(it["quantity"])})
    await _confirm_inventory(conn, cart=c, items=check)
    await carts.add_line_items(conn, cart_id=cart_id, items=new_rows)


async def add_line_item(conn: AsyncConnection, *, cart_id: str, item: Mapping[str, Any]) -> None:
    """`POST /store/carts/:id/line-items` (same variant + metadata → quantity added to the existing line)."""
    await _locked_open_cart(conn, cart_id)
    await _add_items(conn, cart_id=cart_id, items=[item])
    await refresh_cart(conn, cart_id=cart_id, reprice=False)
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])


async def _item_of(conn: AsyncConnection, cart_id: str, line_id: str) -> dict[str, Any]:
    items = await carts.line_items(conn, cart_ids=[cart_id])
    item = next((i for i in items if i["id"] == line_id), None)
    if item is None:
        raise not_found(f"Line item with id: {line_id} was not found")
    return item


async def update_line_item(conn: AsyncConnection, *, cart_id: str, line_id: str, quantity: int,
                           metadata: Mapping[str, Any] | None) -> None:
    """`POST /store/carts/:id/line-items/:line_id`: quantity 0 removes the line."""
    c = await _locked_open_cart(conn, cart_id)
    item = await _item_of(conn, cart_id, line_id)
    if quantity == 0:
        await carts.delete_line_items(conn, item_ids=[line_id])
    else:
        await _confirm_inventory(conn, cart=c, items=[{"id": line_id, "variant_id": item["variant_id"],
                                                       "quantity": quantity}])
        values: dict[str, Any] = {"quantity": quantity}
        if metadata is not None:
            values["metadata"] = dict(metadata)
        await carts.update_line_item(conn, item_id=line_id, values=values)
    await refresh_cart(conn, cart_id=cart_id, reprice=False)
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])


async def delete_line_item(conn: AsyncConnection, *, cart_id: str, line_id: str) -> None:
    """`DELETE /store/carts/:id/line-items/:line_id`."""
    await _locked_open_cart(conn, cart_id)
    await _item_of(conn, cart_id, line_id)
    await carts.delete_line_items(conn, item_ids=[line_id])
    await refresh_cart(conn, cart_id=cart_id, reprice=False)
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])


async def add_shipping_method(conn: AsyncConnection, *, cart_id: str, option_id: str,
                              data: Mapping[str, Any] | None) -> None:
    """`POST /store/carts/:id/shipping-methods`: the option must serve the cart (channel + address)."""
    c = await _locked_open_cart(conn, cart_id)
    state = await load_cart_state(conn, cart_id=cart_id)
    options = await fulfillment.list_shipping_options_for_context(
        conn, sales_channel_id=c["sales_channel_id"], address=state["shipping_address"])
    option = next((o for o in options if o["id"] == option_id), None)
    if option is None:
        raise invalid_data("Shipping Options are invalid for cart.")
    prices = await fulfillment.shipping_option_prices(conn, option_ids=[option_id],
                                                      currency_code=c["currency_code"], region_id=c["region_id"])
    if option_id not in prices:
        raise invalid_data(f"Shipping options with IDs {option_id} do not have a price")
    await carts.replace_shipping_methods(conn, cart_id=cart_id, methods=[{
        "name": option["name"], "amount": prices[option_id], "is_tax_inclusive": False,
        "shipping_option_id": option_id, "data": dict(data or {})}])
    await refresh_cart(conn, cart_id=cart_id, reprice=False)
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])


async def add_promotions(conn: AsyncConnection, *, cart_id: str, codes: Sequence[str]) -> None:
    """`POST /store/carts/:id/promotions`: validate the codes, then re-compute with them added."""
    await _locked_open_cart(conn, cart_id)
    await promos.validate_codes(conn, codes=codes)
    current = await linked_codes(conn, cart_id=cart_id)
    await refresh_cart(conn, cart_id=cart_id, reprice=False,
                       promo_codes=list(dict.fromkeys([*current, *codes])))
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])


async def remove_promotions(conn: AsyncConnection, *, cart_id: str, codes: Sequence[str]) -> None:
    """`DELETE /store/carts/:id/promotions` (unknown codes are ignored)."""
    await _locked_open_cart(conn, cart_id)
    current = await linked_codes(conn, cart_id=cart_id)
    await refresh_cart(conn, cart_id=cart_id, reprice=False, promo_codes=[c for c in current if c not in codes])
    await stage_events(conn, [Event("cart.updated", {"id": cart_id})])


async def calculate_taxes(conn: AsyncConnection, *, cart_id: str) -> None:
    """`POST /store/carts/:id/taxes`: force tax lines even when the region's automatic taxes are off."""
    await _locked_open_cart(conn, cart_id)
    c = await load_cart_state(conn, cart_id=cart_id)
    await _apply_taxes(conn, c)
    c = await load_cart_state(conn, cart_id=cart_id)
    await _sync_payment_collection(conn, cart=c)


async def transfer_customer(conn: AsyncConnection, *, cart_id: str, customer_id: str) -> None:
    """`POST /store/carts/:id/customer`: give a guest cart to the logged-in customer."""
    c = await _locked_open_cart(conn, cart_id)
    if c["customer_id"] == customer_id:
        return
    if c["customer_id"]:
        owner = (await conn.execute(select(customer.c.has_account).where(customer.c.id == c["customer_id"])
                                    )).first()
        if owner is not None and owner[0]:
            raise not_allowed("Cannot transfer cart to a different customer")
    await carts.update_cart(conn, cart_id=cart_id, values={
        "customer_id": customer_id, "email": await _customer_email(conn, customer_id)})
    await refresh_cart(conn, cart_id=cart_id, reprice=True)
    await stage_events(conn, [Event("cart.customer_transferred", {"id": cart_id, "customer_id": customer_id})])


async def cart_owner_has_account(conn: AsyncConnection, *, customer_id: str | None) -> bool:
    if not customer_id:
        return False
    row = (await conn.execute(select(customer.c.has_account).where(customer.c.id == customer_id))).first()
    return bool(row and row[0])
