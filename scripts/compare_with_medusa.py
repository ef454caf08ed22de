#!/usr/bin/env python3
"""Wire-compat diff: seed Medusa 2.21.2 and Euryale the same way through their Admin APIs, send both the same
storefront/admin/auth requests and print where the answers differ (status, envelope, field names recursively,
JSON types, error type/message). Values (ids, timestamps) are not compared.

Usage: .venv/bin/python scripts/compare_with_medusa.py --medusa http://127.0.0.1:9100 --euryale http://127.0.0.1:9000
       [--email admin@example.com --password supersecret] [--only NAME_SUBSTRING] [--json report.json]

Not part of the test suite: it needs a running Medusa (see /work/shared/medusa-reference).
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

Shape = Any


@dataclass
class Record:
    """One exchange: what was sent and what came back."""

    name: str
    method: str
    path: str
    status: int
    body: Any


@dataclass
class System:
    """One backend under comparison, with what the scenario learnt about it (ids, tokens)."""

    label: str
    base: str
    ctx: dict[str, Any] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base, timeout=60.0)

    def headers(self, auth: str) -> dict[str, str]:
        h: dict[str, str] = {}
        if auth in ("pk", "customer") and self.ctx.get("pk"):
            h["x-publishable-api-key"] = self.ctx["pk"]
        if auth == "admin":
            h["authorization"] = f"Bearer {self.ctx['admin_token']}"
        if auth == "customer":
            h["authorization"] = f"Bearer {self.ctx['customer_token']}"
        if auth == "reg":
            h["authorization"] = f"Bearer {self.ctx['reg_token']}"
            h["x-publishable-api-key"] = self.ctx["pk"]
        return h

    def call(self, name: str | None, method: str, path: str, body: Any = None, *, auth: str = "pk",
             headers: dict[str, str] | None = None, params: dict[str, Any] | None = None) -> Any:
        """Send one request (path may hold {ctx} placeholders); record it under `name` when given."""
        path = path.format(**self.ctx)
        h = self.headers(auth)
        h.update(headers or {})
        res = self.http.request(method, path, json=body, headers=h, params=params)
        try:
            data: Any = res.json()
        except ValueError:
            data = res.text
        if name:
            if res.status_code >= 400 and isinstance(data, dict) and isinstance(data.get("message"), str):
                # ids and the run's tag differ between the systems: compare the message text around them
                for key, value in sorted(self.ctx.items(), key=lambda kv: -len(str(kv[1]))):
                    if isinstance(value, str) and len(value) >= 6 and key not in ("email", "password"):
                        data["message"] = data["message"].replace(value, f"<{key}>")
            self.records[name] = Record(name, method, path, res.status_code, data)
        return data


def shape(value: Any) -> Shape:
    """The type tree of a JSON value; list elements are merged so every key seen in any element counts."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        merged: Shape = None
        for item in value:
            merged = merge(merged, shape(item))
        return ["<empty>"] if merged is None else [merged]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def merge(a: Shape, b: Shape) -> Shape:
    if a is None:
        return b
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = merge(out[k], v) if k in out else v
        return out
    if isinstance(a, list) and isinstance(b, list):
        if a == ["<empty>"]:
            return b
        if b == ["<empty>"]:
            return a
        return [merge(a[0], b[0])]
    if a == b:
        return a
    kinds = set(a.split("|")) if isinstance(a, str) else {"object"}
    kinds |= set(b.split("|")) if isinstance(b, str) else {"object"}
    if "null" in kinds and len(kinds) > 1 and (isinstance(a, (dict, list)) or isinstance(b, (dict, list))):
        return b if a == "null" else a  # null merged with a structure: keep the structure
    return "|".join(sorted(kinds))


def diff_shapes(m: Shape, e: Shape, path: str, out: list[str]) -> None:
    """Differences between Medusa's shape `m` and Euryale's `e` (null vs a value is a data difference: skipped)."""
    if isinstance(m, dict) and isinstance(e, dict):
        for k in sorted(set(m) - set(e)):
            out.append(f"  missing in euryale: {path}.{k} ({brief(m[k])})")
        for k in sorted(set(e) - set(m)):
            out.append(f"  extra in euryale:   {path}.{k} ({brief(e[k])})")
        for k in sorted(set(m) & set(e)):
            diff_shapes(m[k], e[k], f"{path}.{k}", out)
        return
    if isinstance(m, list) and isinstance(e, list):
        if "<empty>" in (m[0], e[0]):
            return
        diff_shapes(m[0], e[0], f"{path}[]", out)
        return
    if "null" in (m, e) or m == e:
        return
    if isinstance(m, str) and isinstance(e, str):
        if set(m.split("|")) & set(e.split("|")):
            return
    out.append(f"  type differs: {path}: medusa {brief(m)} / euryale {brief(e)}")


def brief(s: Shape) -> str:
    if isinstance(s, dict):
        return "object"
    if isinstance(s, list):
        return "array"
    return str(s)


def compare(m: Record, e: Record) -> list[str]:
    out: list[str] = []
    if m.status != e.status:
        out.append(f"  status: medusa {m.status} / euryale {e.status}")
    if isinstance(m.body, dict) and isinstance(e.body, dict) and m.status >= 400:
        for key in ("type", "message", "code"):
            if m.body.get(key) != e.body.get(key):
                out.append(f"  error {key}: medusa {m.body.get(key)!r} / euryale {e.body.get(key)!r}")
        return out
    if isinstance(m.body, dict) and isinstance(e.body, dict):
        for key in ("limit", "offset"):
            if key in m.body and m.body.get(key) != e.body.get(key):
                out.append(f"  {key}: medusa {m.body.get(key)!r} / euryale {e.body.get(key)!r}")
    diff_shapes(shape(m.body), shape(e.body), "$", out)
    return out


# ---------------------------------------------------------------------------------------------------- scenario

CANDIDATE_COUNTRIES = (
    "us", "ca", "mx", "br", "ar", "cl", "pe", "co", "au", "nz", "jp", "kr", "in", "za", "eg", "ng", "ke", "ma", "tr",
    "il", "uy", "py", "bo", "ec", "ve", "cr", "pa", "gt", "hn", "sv", "ni", "do", "jm", "tt", "bs", "ph", "th", "vn",
    "my", "sg", "id", "pk", "bd", "lk", "np", "sa", "ae", "qa", "kw", "om", "jo", "lb", "gh", "tz", "ug", "et", "dz",
    "tn", "sn", "ci", "cm", "zm", "zw", "bw", "na", "mz", "mg", "mu", "is", "no", "ch", "ua", "md", "ge", "am", "az",
    "kz", "uz", "kg", "mn", "tw", "hk", "mo", "kh", "la", "mm", "fj", "pg")


def seed(s: System, tag: str) -> None:
    """Admin seed: region, sales channel, publishable key, stock location + shipping, two products, stock."""
    s.ctx["admin_token"] = s.call("auth_user_login", "POST", "/auth/user/emailpass",
                                  {"email": s.ctx["email"], "password": s.ctx["password"]}, auth="none")["token"]
    regions = s.call(None, "GET", "/admin/regions", auth="admin", params={"fields": "*countries", "limit": 1000})
    taken = {c["iso_2"] for r in regions.get("regions", []) for c in r.get("countries") or []}
    # a country belongs to one region only: each run takes a free one (Medusa's database keeps every run's region)
    s.ctx["country"] = next((c for c in CANDIDATE_COUNTRIES if c not in taken), None)
    if s.ctx["country"] is None:
        raise RuntimeError("no free country left for a new region: delete the WC regions of earlier runs")
    s.ctx["region_id"] = s.call("admin_region_create", "POST", "/admin/regions", {
        "name": f"WC {tag}", "currency_code": "usd", "countries": [s.ctx["country"]],
        "payment_providers": ["pp_system_default"]}, auth="admin")["region"]["id"]
    s.ctx["sc_id"] = s.call("admin_sales_channel_create", "POST", "/admin/sales-channels",
                            {"name": f"WC channel {tag}"}, auth="admin")["sales_channel"]["id"]
    key = s.call("admin_api_key_create", "POST", "/admin/api-keys",
                 {"title": f"WC key {tag}", "type": "publishable"}, auth="admin")["api_key"]
    s.ctx["pk"], s.ctx["pk_id"] = key["token"], key["id"]
    s.call("admin_api_key_sales_channels", "POST", "/admin/api-keys/{pk_id}/sales-channels",
           {"add": [s.ctx["sc_id"]]}, auth="admin")
    s.ctx["loc_id"] = s.call("admin_stock_location_create", "POST", "/admin/stock-locations", {
        "name": f"WC warehouse {tag}", "address": {"address_1": "1 Main St", "country_code": "us"}},
        auth="admin")["stock_location"]["id"]
    s.call("admin_stock_location_sales_channels", "POST", "/admin/stock-locations/{loc_id}/sales-channels",
           {"add": [s.ctx["sc_id"]]}, auth="admin")
    s.call("admin_stock_location_providers", "POST", "/admin/stock-locations/{loc_id}/fulfillment-providers",
           {"add": ["manual_manual"]}, auth="admin")
    loc = s.call("admin_stock_location_fulfillment_set", "POST",
                 "/admin/stock-locations/{loc_id}/fulfillment-sets",
                 {"name": f"WC shipping {tag}", "type": "shipping"}, auth="admin",
                 params={"fields": "*fulfillment_sets"})["stock_location"]
    s.ctx["fset_id"] = loc["fulfillment_sets"][0]["id"]
    fset = s.call("admin_service_zone_create", "POST", "/admin/fulfillment-sets/{fset_id}/service-zones", {
        "name": f"WC zone {tag}", "geo_zones": [{"type": "country", "country_code": s.ctx["country"]}]},
        auth="admin")["fulfillment_set"]
    s.ctx["zone_id"] = fset["service_zones"][0]["id"]
    profiles = s.call("admin_shipping_profiles", "GET", "/admin/shipping-profiles", auth="admin")
    default = [p["id"] for p in profiles.get("shipping_profiles", []) if p["type"] == "default"]
    s.ctx["profile_id"] = default[0] if default else s.call(  # Medusa creates one at start-up
        "admin_shipping_profile_create", "POST", "/admin/shipping-profiles",
        {"name": f"Default {tag}", "type": "default"}, auth="admin")["shipping_profile"]["id"]
    s.ctx["so_id"] = s.call("admin_shipping_option_create", "POST", "/admin/shipping-options", {
        "name": f"WC standard {tag}", "service_zone_id": s.ctx["zone_id"], "shipping_profile_id": s.ctx["profile_id"],
        "provider_id": "manual_manual", "price_type": "flat",
        "type": {"label": "Standard", "description": "Standard shipping", "code": "standard"},
        "prices": [{"currency_code": "usd", "amount": 10}, {"region_id": s.ctx["region_id"], "amount": 8}],
        "rules": [{"attribute": "enabled_in_store", "operator": "eq", "value": "true"},
                  {"attribute": "is_return", "operator": "eq", "value": "false"}]},
        auth="admin")["shipping_option"]["id"]
    prod = s.call("admin_product_create", "POST", "/admin/products", {
        "title": f"WC Shirt {tag}", "handle": f"wc-shirt-{tag}", "status": "published",
        "description": "A shirt", "shipping_profile_id": s.ctx["profile_id"],
        "sales_channels": [{"id": s.ctx["sc_id"]}],
        "options": [{"title": "Size", "values": ["S", "M"]}],
        "variants": [
            {"title": "S", "sku": f"WC-{tag}-S", "options": {"Size": "S"}, "manage_inventory": True,
             "prices": [{"currency_code": "usd", "amount": 20}, {"currency_code": "eur", "amount": 18}]},
            {"title": "M", "sku": f"WC-{tag}-M", "options": {"Size": "M"}, "manage_inventory": False,
             "prices": [{"currency_code": "usd", "amount": 25}]}]}, auth="admin")["product"]
    s.ctx["product_id"], s.ctx["handle"] = prod["id"], prod["handle"]
    variants = sorted(prod["variants"], key=lambda v: v["sku"])
    s.ctx["variant_m"], s.ctx["variant_s"] = variants[0]["id"], variants[1]["id"]
    inv = s.call("admin_inventory_items_by_sku", "GET", "/admin/inventory-items", auth="admin",
                 params={"sku": f"WC-{tag}-S"})
    s.ctx["inv_id"] = inv["inventory_items"][0]["id"]
    s.call("admin_inventory_level_create", "POST", "/admin/inventory-items/{inv_id}/location-levels",
           {"location_id": s.ctx["loc_id"], "stocked_quantity": 100}, auth="admin")


def storefront(s: System, tag: str) -> None:
    """CONTRACT.md A.1 plus the storefront reads and errors JS-SDK.md lists."""
    s.call("store_regions", "GET", "/store/regions")
    s.call("store_region", "GET", "/store/regions/{region_id}")
    s.call("store_region_unknown", "GET", "/store/regions/reg_nope")
    s.call("store_products", "GET", "/store/products", params={"region_id": s.ctx["region_id"]})
    s.call("store_products_price", "GET", "/store/products",
           params={"region_id": s.ctx["region_id"], "fields": "*variants.calculated_price"})
    s.call("store_products_fields", "GET", "/store/products",
           params={"fields": "id,title,handle", "limit": 3, "order": "-created_at"})
    s.call("store_products_plus_fields", "GET", "/store/products",
           params={"fields": "+metadata,*options", "handle": s.ctx["handle"]})
    s.call("store_products_q", "GET", "/store/products", params={"q": f"WC Shirt {tag}"})
    s.call("store_products_order_title", "GET", "/store/products", params={"order": "title", "limit": 2})
    s.call("store_products_bad_order", "GET", "/store/products", params={"order": "nope"})
    s.call("store_products_bad_fields", "GET", "/store/products", params={"fields": "nope_field"})
    s.call("store_products_bad_limit", "GET", "/store/products", params={"limit": "abc"})
    s.call("store_products_no_pk", "GET", "/store/products", auth="none")
    s.call("store_products_bad_pk", "GET", "/store/products", auth="none",
           headers={"x-publishable-api-key": "pk_nope"})
    s.call("store_product", "GET", "/store/products/{product_id}",
           params={"region_id": s.ctx["region_id"], "fields": "*variants.calculated_price,+variants.inventory_quantity"})
    s.call("store_product_unknown", "GET", "/store/products/prod_nope")
    s.call("store_categories", "GET", "/store/product-categories")
    s.call("store_collections", "GET", "/store/collections")
    s.call("store_product_tags", "GET", "/store/product-tags")
    s.call("store_product_types", "GET", "/store/product-types")
    s.call("store_currencies", "GET", "/store/currencies")
    # carts
    s.call("cart_create_unknown_field", "POST", "/store/carts", {"region_id": s.ctx["region_id"], "bogus": 1})
    s.call("cart_create_bad_type", "POST", "/store/carts", {"region_id": 5})
    s.call("cart_create_bad_region", "POST", "/store/carts", {"region_id": "reg_nope"})
    cart = s.call("cart_create", "POST", "/store/carts", {"region_id": s.ctx["region_id"],
                                                        "sales_channel_id": s.ctx["sc_id"]})
    s.ctx["cart_id"] = cart.get("cart", {}).get("id", "cart_missing")
    s.call("cart_get", "GET", "/store/carts/{cart_id}")
    s.call("cart_get_unknown", "GET", "/store/carts/cart_nope")
    s.call("line_item_missing_qty", "POST", "/store/carts/{cart_id}/line-items", {"variant_id": s.ctx["variant_s"]})
    s.call("line_item_bad_variant", "POST", "/store/carts/{cart_id}/line-items",
           {"variant_id": "variant_nope", "quantity": 1})
    s.call("line_item_add", "POST", "/store/carts/{cart_id}/line-items", {"variant_id": s.ctx["variant_s"],
                                                                         "quantity": 1})
    c = s.call("line_item_add_2", "POST", "/store/carts/{cart_id}/line-items",
               {"variant_id": s.ctx["variant_m"], "quantity": 2})
    items = sorted(c.get("cart", {}).get("items", []), key=lambda i: i.get("variant_id") == s.ctx["variant_s"])
    s.ctx["item_id"] = items[0]["id"] if items else "item_missing"
    s.call("line_item_update", "POST", "/store/carts/{cart_id}/line-items/{item_id}", {"quantity": 3})
    s.call("line_item_delete", "DELETE", "/store/carts/{cart_id}/line-items/{item_id}")
    addr = {"first_name": "Ada", "last_name": "Lovelace", "address_1": "1 Main St", "city": "NYC",
            "country_code": s.ctx["country"], "postal_code": "10001", "phone": "555"}
    s.call("cart_update", "POST", "/store/carts/{cart_id}", {"email": f"wc-{tag}@example.com",
                                                            "shipping_address": addr, "billing_address": addr})
    s.call("cart_update_unknown_field", "POST", "/store/carts/{cart_id}", {"nope": True})
    s.call("shipping_options", "GET", "/store/shipping-options", params={"cart_id": s.ctx["cart_id"]})
    s.call("shipping_options_no_cart", "GET", "/store/shipping-options")
    s.call("shipping_method_bad", "POST", "/store/carts/{cart_id}/shipping-methods", {"option_id": "so_nope"})
    s.call("shipping_method_add", "POST", "/store/carts/{cart_id}/shipping-methods", {"option_id": s.ctx["so_id"]})
    s.call("promotion_unknown", "POST", "/store/carts/{cart_id}/promotions", {"promo_codes": ["NOPE"]})
    s.call("payment_providers", "GET", "/store/payment-providers", params={"region_id": s.ctx["region_id"]})
    s.call("payment_providers_no_region", "GET", "/store/payment-providers")
    pc = s.call("payment_collection_create", "POST", "/store/payment-collections", {"cart_id": s.ctx["cart_id"]})
    s.ctx["pc_id"] = pc.get("payment_collection", {}).get("id", "pay_col_missing")
    s.call("payment_collection_again", "POST", "/store/payment-collections", {"cart_id": s.ctx["cart_id"]})
    s.call("payment_session_bad", "POST", "/store/payment-collections/{pc_id}/payment-sessions", {})
    s.call("payment_session", "POST", "/store/payment-collections/{pc_id}/payment-sessions",
           {"provider_id": "pp_system_default"})
    done = s.call("cart_complete", "POST", "/store/carts/{cart_id}/complete")
    s.ctx["placed_order_id"] = (done.get("order") or {}).get("id", "order_missing") if isinstance(done, dict) \
        else "order_missing"
    s.call("cart_complete_again", "POST", "/store/carts/{cart_id}/complete")
    # customers
    email = f"wc-cust-{tag}@example.com"
    s.call("auth_register_bad", "POST", "/auth/customer/emailpass/register", {"email": email}, auth="none")
    s.ctx["reg_token"] = s.call("auth_register", "POST", "/auth/customer/emailpass/register",
                                {"email": email, "password": "secret123"}, auth="none").get("token", "")
    s.call("auth_register_again", "POST", "/auth/customer/emailpass/register",
           {"email": email, "password": "secret123"}, auth="none")
    s.call("customer_create_unknown", "POST", "/store/customers", {"email": email, "x": 1}, auth="reg")
    s.call("customer_create", "POST", "/store/customers", {"email": email, "first_name": "Ada",
                                                         "last_name": "L"}, auth="reg")
    s.call("auth_login_wrong", "POST", "/auth/customer/emailpass", {"email": email, "password": "bad"}, auth="none")
    s.call("auth_login_unknown", "POST", "/auth/customer/emailpass",
           {"email": f"nobody-{tag}@example.com", "password": "bad"}, auth="none")
    s.ctx["customer_token"] = s.call("auth_login", "POST", "/auth/customer/emailpass",
                                     {"email": email, "password": "secret123"}, auth="none").get("token", "")
    s.call("customer_me", "GET", "/store/customers/me", auth="customer")
    s.call("customer_me_noauth", "GET", "/store/customers/me")
    s.call("customer_me_update", "POST", "/store/customers/me", {"first_name": "Grace"}, auth="customer")
    a = s.call("customer_address_add", "POST", "/store/customers/me/addresses",
               {"address_1": "2 Side St", "city": "Boston", "country_code": "us", "is_default_shipping": True},
               auth="customer")
    addrs = a.get("customer", {}).get("addresses", [])
    s.ctx["addr_id"] = addrs[0]["id"] if addrs else "cuaddr_missing"
    s.call("customer_addresses", "GET", "/store/customers/me/addresses", auth="customer")
    s.call("customer_address_get", "GET", "/store/customers/me/addresses/{addr_id}", auth="customer")
    s.call("customer_address_update", "POST", "/store/customers/me/addresses/{addr_id}", {"city": "Salem"},
           auth="customer")
    s.call("customer_address_delete", "DELETE", "/store/customers/me/addresses/{addr_id}", auth="customer")
    cart2 = s.call("cart_create_customer", "POST", "/store/carts",
                   {"region_id": s.ctx["region_id"], "items": [{"variant_id": s.ctx["variant_m"], "quantity": 1}]},
                   auth="customer")
    s.ctx["cart2_id"] = cart2.get("cart", {}).get("id", "cart_missing")
    s.call("orders_list", "GET", "/store/orders", auth="customer")
    s.call("orders_noauth", "GET", "/store/orders")
    s.call("order_unknown", "GET", "/store/orders/order_nope", auth="customer")
    s.call("auth_session_bad", "POST", "/auth/session", auth="none")
    s.call("auth_token_refresh", "POST", "/auth/token/refresh", auth="customer")


def admin(s: System, tag: str) -> None:
    """A representative admin set."""
    s.call("admin_users_me", "GET", "/admin/users/me", auth="admin")
    s.call("admin_noauth", "GET", "/admin/products", auth="none")
    s.call("admin_products", "GET", "/admin/products", auth="admin")
    s.call("admin_products_fields", "GET", "/admin/products", auth="admin",
           params={"fields": "id,title,*variants", "limit": 2, "order": "-created_at"})
    s.call("admin_product", "GET", "/admin/products/{product_id}", auth="admin")
    s.call("admin_product_unknown", "GET", "/admin/products/prod_nope", auth="admin")
    s.call("admin_product_create_bad", "POST", "/admin/products", {"handle": "x"}, auth="admin")
    s.call("admin_product_create_unknown", "POST", "/admin/products", {"title": "x", "zzz": 1}, auth="admin")
    p = s.call("admin_product_create_min", "POST", "/admin/products", {"title": f"WC Min {tag}"}, auth="admin")
    s.ctx["p2"] = p.get("product", {}).get("id", "prod_missing")
    s.call("admin_product_update", "POST", "/admin/products/{p2}", {"title": f"WC Min2 {tag}"}, auth="admin")
    s.call("admin_product_delete", "DELETE", "/admin/products/{p2}", auth="admin")
    s.call("admin_product_variants", "GET", "/admin/products/{product_id}/variants", auth="admin")
    s.call("admin_regions", "GET", "/admin/regions", auth="admin")
    s.call("admin_region", "GET", "/admin/regions/{region_id}", auth="admin")
    s.call("admin_orders", "GET", "/admin/orders", auth="admin")
    orders = s.records["admin_orders"].body.get("orders", []) if isinstance(s.records["admin_orders"].body,
                                                                             dict) else []
    s.ctx["order_id"] = orders[0]["id"] if orders else "order_missing"
    s.call("admin_order", "GET", "/admin/orders/{order_id}", auth="admin")
    s.call("admin_api_keys", "GET", "/admin/api-keys", auth="admin")
    s.call("admin_api_key", "GET", "/admin/api-keys/{pk_id}", auth="admin")
    s.call("admin_stock_locations", "GET", "/admin/stock-locations", auth="admin")
    s.call("admin_stock_location", "GET", "/admin/stock-locations/{loc_id}", auth="admin")
    s.call("admin_inventory_items", "GET", "/admin/inventory-items", auth="admin")
    s.call("admin_inventory_item", "GET", "/admin/inventory-items/{inv_id}", auth="admin")
    s.call("admin_promotions", "GET", "/admin/promotions", auth="admin")
    s.call("admin_promotion_create", "POST", "/admin/promotions", {
        "code": f"WC10-{tag}", "type": "standard", "status": "active",
        "application_method": {"type": "percentage", "target_type": "order", "value": 10,
                               "currency_code": "usd"}}, auth="admin")
    s.call("admin_customers", "GET", "/admin/customers", auth="admin")
    s.call("admin_sales_channels", "GET", "/admin/sales-channels", auth="admin")
    s.call("admin_shipping_options", "GET", "/admin/shipping-options", auth="admin")
    s.call("admin_collections", "GET", "/admin/collections", auth="admin")
    s.call("admin_categories", "GET", "/admin/product-categories", auth="admin")
    s.call("admin_stores", "GET", "/admin/stores", auth="admin")
    s.call("admin_users", "GET", "/admin/users", auth="admin")
    s.call("admin_login_wrong", "POST", "/auth/user/emailpass",
           {"email": s.ctx["email"], "password": "wrong"}, auth="none")


# the field list Medusa's admin dashboard / JS SDK sends for an order page (sample 021)
ORDER_FIELDS = ("id,display_id,status,currency_code,email,+payment_status,+fulfillment_status,total,subtotal,"
                "item_total,shipping_total,tax_total,discount_total,summary,*items,*items.detail,*shipping_methods,"
                "*fulfillments,*fulfillments.items,*fulfillments.labels,*payment_collections,"
                "*payment_collections.payments,*payment_collections.payments.captures,"
                "*payment_collections.payments.refunds")


def first_id(body: Any, *path: str | int) -> str:
    """`body[path...]["id"]`, or "missing" when the answer lacks it (the next steps then 404 on both sides)."""
    node = body
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return "missing"
    return node.get("id", "missing") if isinstance(node, dict) else "missing"


def order_lifecycle(s: System, tag: str) -> None:
    """The storefront order through the admin: capture, fulfil, ship, deliver, refund, return (samples 021-052)."""
    q = {"fields": ORDER_FIELDS}
    order = s.call("lc_order", "GET", "/admin/orders/{placed_order_id}", auth="admin", params=q)
    items = (order.get("order") or {}).get("items") or [] if isinstance(order, dict) else []
    s.ctx["payment_id"] = first_id(order, "order", "payment_collections", 0, "payments", 0)
    s.call("lc_capture", "POST", "/admin/payments/{payment_id}/capture", {}, auth="admin")
    s.call("lc_fulfil_bad", "POST", "/admin/orders/{placed_order_id}/fulfillments",
           {"items": [{"id": "ordli_nope", "quantity": 1}]}, auth="admin")
    fulfilled = s.call("lc_fulfil", "POST", "/admin/orders/{placed_order_id}/fulfillments", {
        "location_id": s.ctx["loc_id"], "items": [{"id": i["id"], "quantity": i["quantity"]} for i in items]},
        auth="admin")
    s.ctx["fulfillment_id"] = first_id(fulfilled, "order", "fulfillments", 0)
    if s.ctx["fulfillment_id"] == "missing":  # the POST answer carries no fulfillments: read them
        again = s.call(None, "GET", "/admin/orders/{placed_order_id}", auth="admin", params=q)
        s.ctx["fulfillment_id"] = first_id(again, "order", "fulfillments", 0)
    s.call("lc_order_fulfilled", "GET", "/admin/orders/{placed_order_id}", auth="admin", params=q)
    s.call("lc_shipment", "POST", "/admin/orders/{placed_order_id}/fulfillments/{fulfillment_id}/shipments",
           {"items": [{"id": i["id"], "quantity": i["quantity"]} for i in items]}, auth="admin")
    s.call("lc_delivered", "POST", "/admin/orders/{placed_order_id}/fulfillments/{fulfillment_id}/mark-as-delivered",
           auth="admin")
    s.call("lc_refund_too_much", "POST", "/admin/payments/{payment_id}/refund", {"amount": 100000}, auth="admin")
    s.call("lc_refund", "POST", "/admin/payments/{payment_id}/refund", {"amount": 1}, auth="admin")
    s.call("lc_order_refunded", "GET", "/admin/orders/{placed_order_id}", auth="admin", params=q)
    ret = s.call("lc_return_create", "POST", "/admin/returns",
                 {"order_id": s.ctx["placed_order_id"], "location_id": s.ctx["loc_id"]}, auth="admin")
    s.ctx["return_id"] = first_id(ret, "return")
    s.call("lc_return_items", "POST", "/admin/returns/{return_id}/request-items",
           {"items": [{"id": i["id"], "quantity": 1} for i in items[:1]]}, auth="admin")
    s.call("lc_return_request", "POST", "/admin/returns/{return_id}/request", {}, auth="admin")
    s.call("lc_return_get", "GET", "/admin/returns/{return_id}", auth="admin")
    s.call("lc_return_receive", "POST", "/admin/returns/{return_id}/receive", {}, auth="admin")
    s.call("lc_return_receive_items", "POST", "/admin/returns/{return_id}/receive-items",
           {"items": [{"id": i["id"], "quantity": 1} for i in items[:1]]}, auth="admin")
    s.call("lc_return_confirm", "POST", "/admin/returns/{return_id}/receive/confirm", {}, auth="admin")
    s.call("lc_returns", "GET", "/admin/returns", auth="admin", params={"order_id": s.ctx["placed_order_id"]})
    s.call("lc_order_returned", "GET", "/admin/orders/{placed_order_id}", auth="admin", params=q)
    s.call("lc_order_default", "GET", "/admin/orders/{placed_order_id}", auth="admin")
    s.call("lc_order_changes", "GET", "/admin/orders/{placed_order_id}/changes", auth="admin")
    s.call("lc_store_order", "GET", "/store/orders/{placed_order_id}", auth="customer")


def catalog(s: System, tag: str) -> None:
    """Collections, categories and a price list built through the admin, read back by the storefront."""
    col = s.call("cat_collection_create", "POST", "/admin/collections",
                 {"title": f"WC Summer {tag}", "handle": f"wc-summer-{tag}"}, auth="admin")
    s.ctx["collection_id"] = first_id(col, "collection")
    s.call("cat_collection_products", "POST", "/admin/collections/{collection_id}/products",
           {"add": [s.ctx["product_id"]]}, auth="admin")
    cat = s.call("cat_category_create", "POST", "/admin/product-categories",
                 {"name": f"WC Tops {tag}", "handle": f"wc-tops-{tag}", "is_active": True, "is_internal": False},
                 auth="admin")
    s.ctx["category_id"] = first_id(cat, "product_category")
    child = s.call("cat_category_child", "POST", "/admin/product-categories",
                   {"name": f"WC Tees {tag}", "parent_category_id": s.ctx["category_id"], "is_active": True},
                   auth="admin")
    s.ctx["child_category_id"] = first_id(child, "product_category")
    s.call("cat_category_products", "POST", "/admin/product-categories/{child_category_id}/products",
           {"add": [s.ctx["product_id"]]}, auth="admin")
    s.call("cat_admin_collection", "GET", "/admin/collections/{collection_id}", auth="admin")
    s.call("cat_admin_category", "GET", "/admin/product-categories/{category_id}", auth="admin",
           params={"fields": "*category_children"})
    s.call("cat_store_collection", "GET", "/store/collections/{collection_id}")
    s.call("cat_store_collections_handle", "GET", "/store/collections", params={"handle": f"wc-summer-{tag}"})
    s.call("cat_store_category", "GET", "/store/product-categories/{category_id}",
           params={"fields": "*category_children,*parent_category"})
    s.call("cat_store_categories_tree", "GET", "/store/product-categories",
           params={"handle": f"wc-tops-{tag}", "include_descendants_tree": "true"})
    s.call("cat_store_products_by_collection", "GET", "/store/products",
           params={"collection_id": s.ctx["collection_id"], "region_id": s.ctx["region_id"],
                   "fields": "*variants.calculated_price,*collection"})
    s.call("cat_store_products_by_category", "GET", "/store/products",
           params={"category_id": s.ctx["child_category_id"], "fields": "id,title,*categories"})
    s.call("cat_store_product_handle", "GET", "/store/products",
           params={"handle": s.ctx["handle"], "region_id": s.ctx["region_id"],
                   "fields": "*variants.calculated_price,+variants.inventory_quantity,*categories,*collection,"
                             "*images,*options,*options.values,*tags,*type"})
    pl = s.call("cat_price_list_create", "POST", "/admin/price-lists", {
        "title": f"WC Sale {tag}", "description": "Summer sale", "type": "sale", "status": "active",
        "prices": [{"variant_id": s.ctx["variant_s"], "amount": 15, "currency_code": "usd"}]}, auth="admin")
    s.ctx["price_list_id"] = first_id(pl, "price_list")
    s.call("cat_price_list_get", "GET", "/admin/price-lists/{price_list_id}", auth="admin")
    s.call("cat_price_lists", "GET", "/admin/price-lists", auth="admin", params={"q": f"WC Sale {tag}"})
    s.call("cat_price_list_batch", "POST", "/admin/price-lists/{price_list_id}/prices/batch", {
        "create": [{"variant_id": s.ctx["variant_m"], "amount": 21, "currency_code": "usd"}]}, auth="admin")
    s.call("cat_store_product_sale", "GET", "/store/products/{product_id}",
           params={"region_id": s.ctx["region_id"], "fields": "*variants.calculated_price"})
    s.call("cat_price_list_delete", "DELETE", "/admin/price-lists/{price_list_id}", auth="admin")


def draft_orders(s: System, tag: str) -> None:
    """A draft order created and read back by the admin."""
    draft = s.call("draft_create", "POST", "/admin/draft-orders", {
        "email": f"wc-draft-{tag}@example.com", "region_id": s.ctx["region_id"], "sales_channel_id": s.ctx["sc_id"],
        "items": [{"variant_id": s.ctx["variant_m"], "quantity": 1}]}, auth="admin")
    s.ctx["draft_id"] = first_id(draft, "draft_order")
    s.call("draft_create_bad", "POST", "/admin/draft-orders", {"email": "x@example.com"}, auth="admin")
    s.call("draft_get", "GET", "/admin/draft-orders/{draft_id}", auth="admin")
    s.call("draft_list", "GET", "/admin/draft-orders", auth="admin", params={"q": f"wc-draft-{tag}"})


def admin_more(s: System, tag: str) -> None:
    """More admin reads and writes the dashboard makes on its list and detail pages."""
    for name, path in (("admin_customer_groups", "/admin/customer-groups"), ("admin_tax_regions", "/admin/tax-regions"),
                       ("admin_return_reasons", "/admin/return-reasons"),
                       ("admin_refund_reasons", "/admin/refund-reasons"),
                       ("admin_product_tags", "/admin/product-tags"), ("admin_product_types", "/admin/product-types"),
                       ("admin_currencies", "/admin/currencies"), ("admin_reservations", "/admin/reservations"),
                       ("admin_fulfillment_providers", "/admin/fulfillment-providers"),
                       ("admin_payment_providers", "/admin/payments/payment-providers"),
                       ("admin_shipping_option_types", "/admin/shipping-option-types"),
                       ("admin_price_preferences", "/admin/price-preferences"),
                       ("admin_campaigns", "/admin/campaigns"), ("admin_invites", "/admin/invites")):
        s.call(name, "GET", path, auth="admin", params={"limit": 5})
    s.call("admin_product_update_real", "POST", "/admin/products/{product_id}",
           {"subtitle": f"Sub {tag}", "metadata": {"wc": tag}}, auth="admin")
    s.call("admin_variant_update", "POST", "/admin/products/{product_id}/variants/{variant_m}",
           {"title": "M2"}, auth="admin")
    s.call("admin_product_options", "GET", "/admin/products/{product_id}/options", auth="admin")
    s.call("admin_location_update", "POST", "/admin/stock-locations/{loc_id}", {"name": f"WC depot {tag}"},
           auth="admin")
    s.call("admin_inventory_item_update", "POST", "/admin/inventory-items/{inv_id}", {"hs_code": "6109"},
           auth="admin")
    s.call("admin_inventory_levels", "GET", "/admin/inventory-items/{inv_id}/location-levels", auth="admin")
    s.call("admin_region_update", "POST", "/admin/regions/{region_id}", {"name": f"WC region {tag}"}, auth="admin")
    s.call("admin_sales_channel_update", "POST", "/admin/sales-channels/{sc_id}", {"description": "web"},
           auth="admin")
    group = s.call("admin_customer_group_create", "POST", "/admin/customer-groups", {"name": f"WC VIP {tag}"},
                   auth="admin")
    s.ctx["group_id"] = first_id(group, "customer_group")
    s.call("admin_customer_group_get", "GET", "/admin/customer-groups/{group_id}", auth="admin")
    s.call("admin_shipping_option_update", "POST", "/admin/shipping-options/{so_id}", {"name": f"WC std2 {tag}"},
           auth="admin")
    s.call("admin_zone_get", "GET", "/admin/fulfillment-sets/{fset_id}/service-zones/{zone_id}", auth="admin")
    s.call("admin_location_dashboard", "GET", "/admin/stock-locations/{loc_id}", auth="admin", params={
        "fields": "name,*sales_channels,*address,fulfillment_sets.type,fulfillment_sets.name,"
                  "*fulfillment_sets.service_zones.geo_zones,*fulfillment_sets.service_zones,"
                  "*fulfillment_sets.service_zones.shipping_options,"
                  "*fulfillment_sets.service_zones.shipping_options.rules,"
                  "*fulfillment_sets.service_zones.shipping_options.shipping_profile,*fulfillment_providers"})
    s.call("admin_order_list_fields", "GET", "/admin/orders", auth="admin",
           params={"fields": "id,display_id,total,*customer,*sales_channel,currency_code,email,+payment_status",
                   "limit": 3})


def storefront_more(s: System, tag: str) -> None:
    """Storefront calls of the Next.js starter not covered above: promotions on a cart, product pages with the
    starter's field lists, the customer's orders."""
    cart = s.call("more_cart_items", "POST", "/store/carts", {
        "region_id": s.ctx["region_id"], "sales_channel_id": s.ctx["sc_id"],
        "items": [{"variant_id": s.ctx["variant_m"], "quantity": 2}]})
    s.ctx["cart3_id"] = first_id(cart, "cart")
    s.call("more_promo_add", "POST", "/store/carts/{cart3_id}/promotions", {"promo_codes": [f"WC10-{tag}"]})
    s.call("more_cart_promo", "GET", "/store/carts/{cart3_id}",
           params={"fields": "*items,*promotions,+items.adjustments,+discount_total"})
    s.call("more_promo_remove", "DELETE", "/store/carts/{cart3_id}/promotions", {"promo_codes": [f"WC10-{tag}"]})
    s.call("more_products_starter", "GET", "/store/products", params={
        "region_id": s.ctx["region_id"], "limit": 12, "offset": 0,
        "fields": "*variants.calculated_price,+variants.inventory_quantity,+metadata,+tags"})
    s.call("more_product_starter", "GET", "/store/products", params={
        "handle": s.ctx["handle"], "region_id": s.ctx["region_id"],
        "fields": "*variants.calculated_price,+variants.inventory_quantity,+metadata,+tags,*images,*options,"
                  "*options.values,*collection,*categories"})
    s.call("more_region_countries", "GET", "/store/regions/{region_id}", params={"fields": "*countries"})
    s.call("more_customer_orders", "GET", "/store/orders", auth="customer",
           params={"fields": "*items,+items.metadata,*items.variant,*items.product", "limit": 5})
    s.call("more_customer_me_fields", "GET", "/store/customers/me", auth="customer",
           params={"fields": "*orders"})


def run(s: System, only: str | None) -> None:
    tag = s.ctx["tag"] = uuid.uuid4().hex[:8]
    seed(s, tag)
    storefront(s, tag)
    admin(s, tag)
    order_lifecycle(s, tag)
    catalog(s, tag)
    draft_orders(s, tag)
    admin_more(s, tag)
    storefront_more(s, tag)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--medusa", default="http://127.0.0.1:9100")
    ap.add_argument("--euryale", default="http://127.0.0.1:9000")
    ap.add_argument("--email", default="admin@example.com")
    ap.add_argument("--password", default="supersecret")
    ap.add_argument("--only", default=None, help="report only exchanges whose name contains this")
    ap.add_argument("--json", default=None, help="also write both answers of every differing exchange here")
    ap.add_argument("--show", default=None, help="print both bodies of the exchange with this exact name")
    args = ap.parse_args(argv)
    systems = [System("medusa", args.medusa), System("euryale", args.euryale)]
    for s in systems:
        s.ctx.update(email=args.email, password=args.password)
        try:
            run(s, args.only)
        except Exception as exc:  # a failed seed step: report what we have
            print(f"!! {s.label}: scenario stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
    med, eur = systems
    same = differ = 0
    dump: dict[str, Any] = {}
    for name, m in med.records.items():
        if args.only and args.only not in name:
            continue
        e = eur.records.get(name)
        if e is None:
            print(f"[MISSING] {name}: euryale did not get that far")
            differ += 1
            continue
        if args.show == name:
            print(json.dumps({"medusa": m.body, "euryale": e.body}, indent=1, default=str)[:20000])
        lines = compare(m, e)
        if lines:
            differ += 1
            print(f"[DIFF] {name}: {m.method} {m.path} ({m.status}/{e.status})")
            print("\n".join(lines))
            dump[name] = {"medusa": {"status": m.status, "body": m.body},
                          "euryale": {"status": e.status, "body": e.body}}
        else:
            same += 1
            print(f"[OK]   {name}: {m.method} {m.path} ({m.status})")
    print(f"\n{same} exchanges match, {differ} differ")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(dump, fh, indent=1, default=str)
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
