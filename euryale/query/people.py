"""Read side of customers, groups, users and invites: default field sets and set-based relation loading."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.modules.customer import service as customer_service
from euryale.query.fields import FieldSelection, parse_fields

CUSTOMER_SCALARS = ["id", "email", "company_name", "first_name", "last_name", "phone", "metadata", "has_account",
                    "deleted_at", "created_at", "updated_at"]
STORE_CUSTOMER_DEFAULTS = [*CUSTOMER_SCALARS, "*addresses"]
ADMIN_CUSTOMER_DEFAULTS = ["id", "company_name", "first_name", "last_name", "email", "phone", "metadata",
                           "has_account", "created_by", "created_at", "updated_at", "deleted_at"]
ADMIN_CUSTOMER_ALLOWED = [*ADMIN_CUSTOMER_DEFAULTS, "addresses", "groups"]
# Medusa 2.21.2's address list/retrieve defaults (the embedded `customer.addresses` carry every column instead)
ADDRESS_DEFAULTS = ["id", "address_name", "company", "customer_id", "first_name", "last_name", "address_1",
                    "address_2", "city", "province", "postal_code", "country_code", "phone", "metadata",
                    "is_default_shipping", "is_default_billing", "created_at", "updated_at"]
# the admin address routes leave the default flags out (measured on Medusa 2.21.2)
ADMIN_ADDRESS_DEFAULTS = [f for f in ADDRESS_DEFAULTS if not f.startswith("is_default_")]
GROUP_DEFAULTS = ["id", "name", "metadata", "created_by", "created_at", "updated_at", "deleted_at"]
USER_DEFAULTS = ["id", "first_name", "last_name", "email", "avatar_url", "metadata", "created_at", "updated_at",
                 "deleted_at"]
INVITE_DEFAULTS = ["id", "email", "accepted", "token", "expires_at", "metadata", "created_at", "updated_at",
                   "deleted_at"]
CUSTOMER_RELATIONS = ("addresses", "groups")
STORE_RELATIONS_LIMIT = 3


def store_customer_fields(raw: str | None, *, restricted: Sequence[str] = ("order", "orders"),
                          relations_limit: int = STORE_RELATIONS_LIMIT) -> FieldSelection:
    """`fields` for store customer routes (defaults include `*addresses`)."""
    return parse_fields(raw, defaults=STORE_CUSTOMER_DEFAULTS, restricted=restricted,
                        max_relation_depth=relations_limit, relation_names=CUSTOMER_RELATIONS)


def admin_customer_fields(raw: str | None) -> FieldSelection:
    """`fields` for admin customer routes (relations `addresses`, `groups` on request)."""
    return parse_fields(raw, defaults=ADMIN_CUSTOMER_DEFAULTS, allowed=ADMIN_CUSTOMER_ALLOWED,
                        relation_names=CUSTOMER_RELATIONS)


def simple_fields(raw: str | None, defaults: Sequence[str], relations: Sequence[str] = ()) -> FieldSelection:
    """`fields` for resources with their defaults (addresses, groups, users, invites)."""
    return parse_fields(raw, defaults=defaults, relation_names=relations)


async def customers_view(conn: AsyncConnection, rows: Sequence[dict[str, Any]],
                         selection: FieldSelection) -> list[dict[str, Any]]:
    """Customers as the API returns them: relations loaded with one query each, then projected."""
    ids = [r["id"] for r in rows]
    addresses = await customer_service.addresses_for(conn, ids) if "addresses" in selection.relations else None
    groups = await customer_service.groups_for(conn, ids) if "groups" in selection.relations else None
    out = []
    for r in rows:
        item = dict(r)
        if addresses is not None:
            # addresses are hard-deleted (no column), yet Medusa's embedded addresses carry `deleted_at: null`
            item["addresses"] = [{**a, "deleted_at": None} for a in addresses.get(r["id"], [])]
        if groups is not None:
            item["groups"] = groups.get(r["id"], [])
        out.append(selection.project(item))
    return out


async def customer_view(conn: AsyncConnection, customer_id: str, selection: FieldSelection) -> dict[str, Any]:
    """One live customer (404 when missing) as the API returns it."""
    row = await customer_service.retrieve_customer(conn, customer_id=customer_id)
    return (await customers_view(conn, [row], selection))[0]


def new_customer_view(row: dict[str, Any], selection: FieldSelection) -> dict[str, Any]:
    """A customer created in the caller's transaction (its row as written) as :func:`customer_view` reads it once
    committed: it has no address and is in no group yet, so no statement."""
    item = dict(row)
    if "addresses" in selection.relations:
        item["addresses"] = []
    if "groups" in selection.relations:
        item["groups"] = []
    return selection.project(item)


async def groups_view(conn: AsyncConnection, rows: Sequence[dict[str, Any]],
                      selection: FieldSelection) -> list[dict[str, Any]]:
    """Customer groups, with `customers` loaded in one query when selected."""
    customers = (await customer_service.customers_for_groups(conn, [r["id"] for r in rows])
                 if "customers" in selection.relations else None)
    out = []
    for r in rows:
        item = dict(r)
        if customers is not None:
            item["customers"] = customers.get(r["id"], [])
        out.append(selection.project(item))
    return out


def project_rows(rows: Sequence[dict[str, Any]], selection: FieldSelection) -> list[dict[str, Any]]:
    """Plain rows projected on a selection."""
    return [selection.project(dict(r)) for r in rows]
