"""Customers, their addresses and customer groups (SQLAlchemy Core, caller-owned transactions).

Reads are set-based: relations of a page of customers are loaded with one query per relation
(`addresses_for`, `groups_for`). Customers and groups are soft-deleted; addresses are hard-deleted as in Medusa.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import String, and_, bindparam, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from euryale.db import crud, direct
from euryale.db.compiled import CompiledQuery
from euryale.db.crud import filter_conditions, list_page, search_condition
from euryale.db.sql import any_param
from euryale.errors import duplicate, not_found
from euryale.ids import generate_id
from euryale.modules.customer.models import customer, customer_address, customer_group, customer_group_customer

Row = dict[str, Any]
CUSTOMER_FIELDS = ("email", "company_name", "first_name", "last_name", "phone", "metadata")
ADDRESS_FIELDS = ("address_name", "is_default_shipping", "is_default_billing", "company", "first_name", "last_name",
                  "address_1", "address_2", "city", "country_code", "province", "postal_code", "phone", "metadata")
SEARCHABLE = ("email", "first_name", "last_name", "company_name", "phone")


def _pick(data: Mapping[str, Any], names: Sequence[str]) -> Row:
    return {k: data[k] for k in names if k in data}


# --- customers ------------------------------------------------------------------------------------------------

# built once: every registration checks it (an empty `exclude_id` matches no customer id)
_EMAIL_TAKEN = select(customer.c.id).where(
    customer.c.email == bindparam("email", type_=String), customer.c.has_account == bindparam("has_account"),
    customer.c.deleted_at.is_(None), customer.c.id != bindparam("exclude_id", type_=String)).limit(1)


async def _assert_email_free(conn: AsyncConnection, email: str | None, has_account: bool,
                             exclude_id: str | None = None) -> None:
    if not email:
        return
    params = {"email": email, "has_account": has_account, "exclude_id": exclude_id or ""}
    if (await conn.execute(_EMAIL_TAKEN, params)).first() is not None:
        raise duplicate(f"Customer with email: {email}, has_account: {str(has_account).lower()}, already exists.")


async def create_customers(conn: AsyncConnection, *, data: Sequence[Mapping[str, Any]],
                           created_by: str | None = None) -> list[Row]:
    """Insert customers (`has_account` false unless given); duplicate email per account kind → 422."""
    rows = []
    for item in data:
        has_account = bool(item.get("has_account", False))
        await _assert_email_free(conn, item.get("email"), has_account)
        rows.append({"id": generate_id("cus"), **_pick(item, CUSTOMER_FIELDS), "has_account": has_account,
                     "created_by": item.get("created_by", created_by)})
    if not rows:
        return []
    result = await conn.execute(insert(customer).returning(*customer.c), rows)
    return [dict(r) for r in result.mappings().all()]


# the logged-in customer's reads (GET /store/customers/me on every storefront page): compiled once
_CUSTOMER = CompiledQuery(lambda: select(customer).where(customer.c.id == bindparam("id", type_=String),
                                                         customer.c.deleted_at.is_(None)))
_CUSTOMER_ANY = CompiledQuery(lambda: select(customer).where(customer.c.id == bindparam("id", type_=String)))
_ADDRESSES_OF = CompiledQuery(lambda: select(customer_address).where(any_param(customer_address.c.customer_id))
                              .order_by(customer_address.c.created_at, customer_address.c.id))


async def retrieve_customer(conn: AsyncConnection, *, customer_id: str, with_deleted: bool = False) -> Row:
    """One customer row; 404 "Customer with id: x was not found"."""
    rows = await (_CUSTOMER_ANY if with_deleted else _CUSTOMER).fetch(conn, id=customer_id)
    if not rows:
        raise not_found(f"Customer with id: {customer_id} was not found")
    return dict(rows[0])


async def update_customer(conn: AsyncConnection, *, customer_id: str, data: Mapping[str, Any]) -> Row:
    """Update the given fields of a live customer."""
    current = await retrieve_customer(conn, customer_id=customer_id)
    values = _pick(data, CUSTOMER_FIELDS)
    if "email" in values and values["email"] != current["email"]:
        await _assert_email_free(conn, values["email"], bool(current["has_account"]), exclude_id=customer_id)
    if not values:
        return current
    row = (await conn.execute(update(customer).where(customer.c.id == customer_id)
                              .values(**values, updated_at=func.now()).returning(*customer.c))).mappings().one()
    return dict(row)


async def delete_customers(conn: AsyncConnection, *, ids: Sequence[str]) -> list[str]:
    """Soft-delete customers; returns the ids that were live."""
    deleted = await crud.soft_delete(conn, customer, ids)
    if deleted:
        await conn.execute(delete(customer_group_customer).where(customer_group_customer.c.customer_id.in_(deleted)))
    return deleted


def _guest_customer_query() -> Any:
    live_guest = (customer.c.email == bindparam("email", type_=String), customer.c.has_account.is_(False),
                  customer.c.deleted_at.is_(None))
    found = select(customer, literal(False).label("created")).where(*live_guest) \
        .order_by(customer.c.created_at).limit(1).cte("found")
    # the unique index (email, has_account) WHERE deleted_at IS NULL arbitrates between concurrent first uses: the
    # loser inserts nothing and reads the winner's row with a statement of its own (its snapshot predates it)
    created = pg_insert(customer).from_select(
        ["id", "email", "has_account"],
        select(bindparam("id", type_=String), bindparam("email", type_=String), literal(False))
        .where(~exists(select(found.c.id)))) \
        .on_conflict_do_nothing(index_elements=[customer.c.email, customer.c.has_account],
                                index_where=customer.c.deleted_at.is_(None)) \
        .returning(*customer.c, literal(True).label("created")).cte("created")
    return select(found).union_all(select(created))


# every first email of a cart (checkout): one statement for the lookup and the insert, not three
_GUEST_CUSTOMER = CompiledQuery(_guest_customer_query)


async def find_or_create_guest_customer(conn: AsyncConnection, *, email: str) -> tuple[Row, bool]:
    """The guest customer (`has_account=false`) for an email, created on first use (cart with an email);
    the flag says whether it was created now (the caller stages `customer.created`). One statement."""
    # in the caller's transaction (begun first): the insert rolls back with it
    rows = await direct.fetch(conn, _GUEST_CUSTOMER, email=email, id=generate_id("cus"))
    if not rows:  # a concurrent transaction created it first: its row, now committed, is read by a new statement
        rows = await direct.fetch(conn, _GUEST_CUSTOMER, email=email, id=generate_id("cus"))
    if not rows:
        raise duplicate(f"Customer with email: {email}, has_account: false, already exists.")
    row = dict(rows[0])
    return row, bool(row.pop("created"))


def _conditions(table: Any, filters: Mapping[str, Any], allowed: Sequence[str],
                searchable: Sequence[str]) -> list[ColumnElement[bool]]:
    cond = filter_conditions(table, filters, allowed)
    q = search_condition(table, filters.get("q"), searchable)
    if q is not None:
        cond.append(q)
    return cond


def _ids(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = value.get("id", value.get("$in", []))
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v for v in str(value).split(",") if v]


def customer_conditions(filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """Medusa list filters on customers: q, id, email, names, has_account, groups, dates with operators."""
    cond = _conditions(customer, filters, ("id", "email", "company_name", "first_name", "last_name", "has_account",
                                           "created_by", "created_at", "updated_at", "deleted_at", "phone"),
                       SEARCHABLE)
    if filters.get("groups"):
        cond.append(customer.c.id.in_(select(customer_group_customer.c.customer_id).where(
            customer_group_customer.c.customer_group_id.in_(_ids(filters["groups"])))))
    return cond


async def list_customers(conn: AsyncConnection, *, filters: Mapping[str, Any], limit: int, offset: int,
                         order: str | None = None, with_deleted: bool = False) -> tuple[list[Row], int]:
    """A page of customers and the total count."""
    return await list_page(conn, customer, conditions=customer_conditions(filters), limit=limit, offset=offset,
                           order=order, with_deleted=with_deleted)


# --- addresses ------------------------------------------------------------------------------------------------

async def addresses_for(conn: AsyncConnection, customer_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Addresses of many customers in one query, oldest first."""
    out: dict[str, list[Row]] = {cid: [] for cid in customer_ids}
    if not customer_ids:
        return out
    for r in await _ADDRESSES_OF.fetch(conn, ids=list(customer_ids)):
        out.setdefault(r["customer_id"], []).append(dict(r))
    return out


async def _unset_defaults(conn: AsyncConnection, customer_id: str, values: Mapping[str, Any],
                          keep_id: str | None = None) -> None:
    # Only one default shipping / billing address per customer (unique partial indexes): the new default wins.
    for flag in ("is_default_shipping", "is_default_billing"):
        if values.get(flag):
            stmt = update(customer_address).where(customer_address.c.customer_id == customer_id,
                                                  customer_address.c[flag].is_(True))
            if keep_id:
                stmt = stmt.where(customer_address.c.id != keep_id)
            await conn.execute(stmt.values(**{flag: False}, updated_at=func.now()))


async def create_address(conn: AsyncConnection, *, customer_id: str, data: Mapping[str, Any]) -> Row:
    """Add an address to a customer (404 when the customer does not exist)."""
    await retrieve_customer(conn, customer_id=customer_id)
    values = _pick(data, ADDRESS_FIELDS)
    await _unset_defaults(conn, customer_id, values)
    row = (await conn.execute(insert(customer_address).values(
        id=generate_id("cuaddr"), customer_id=customer_id, **values).returning(*customer_address.c))).mappings().one()
    return dict(row)


async def retrieve_address(conn: AsyncConnection, *, customer_id: str, address_id: str) -> Row:
    """An address of this customer; another customer's address is a 404 like an unknown one."""
    row = (await conn.execute(select(customer_address).where(customer_address.c.id == address_id,
                                                             customer_address.c.customer_id == customer_id))
           ).mappings().first()
    if row is None:
        raise not_found(f"Address with id: {address_id} was not found")
    return dict(row)


async def update_address(conn: AsyncConnection, *, customer_id: str, address_id: str,
                         data: Mapping[str, Any]) -> Row:
    """Update an address of this customer."""
    current = await retrieve_address(conn, customer_id=customer_id, address_id=address_id)
    values = _pick(data, ADDRESS_FIELDS)
    if not values:
        return current
    await _unset_defaults(conn, customer_id, values, keep_id=address_id)
    row = (await conn.execute(update(customer_address).where(customer_address.c.id == address_id)
                              .values(**values, updated_at=func.now()).returning(*customer_address.c))
           ).mappings().one()
    return dict(row)


async def delete_address(conn: AsyncConnection, *, customer_id: str, address_id: str) -> None:
    """Delete an address of this customer."""
    await retrieve_address(conn, customer_id=customer_id, address_id=address_id)
    await conn.execute(delete(customer_address).where(customer_address.c.id == address_id))


async def list_addresses(conn: AsyncConnection, *, customer_id: str, filters: Mapping[str, Any], limit: int,
                         offset: int, order: str | None = None) -> tuple[list[Row], int]:
    """A page of one customer's addresses (filters: q, city, country_code, postal_code, company, province)."""
    cond = [customer_address.c.customer_id == customer_id]
    cond += _conditions(customer_address, filters, ("id", "city", "country_code", "postal_code", "company",
                                                       "province", "address_name"),
                           ("address_name", "address_1", "address_2", "city", "postal_code", "company",
                            "first_name", "last_name", "phone", "province"))
    return await list_page(conn, customer_address, conditions=cond, limit=limit, offset=offset, order=order)


# --- groups ---------------------------------------------------------------------------------------------------

async def create_group(conn: AsyncConnection, *, name: str, metadata: Mapping[str, Any] | None = None,
                       created_by: str | None = None) -> Row:
    """Create a customer group; a live group with the same name → 422 duplicate_error."""
    exists = (await conn.execute(select(customer_group.c.id).where(customer_group.c.name == name,
                                                                   customer_group.c.deleted_at.is_(None)))).first()
    if exists is not None:
        raise duplicate(f"Customer group with name: {name}, already exists.")
    row = (await conn.execute(insert(customer_group).values(
        id=generate_id("cusgroup"), name=name, metadata=dict(metadata) if metadata is not None else None,
        created_by=created_by).returning(*customer_group.c))).mappings().one()
    return dict(row)


async def retrieve_group(conn: AsyncConnection, *, group_id: str) -> Row:
    """A live customer group; 404 otherwise."""
    return await crud.require_row(conn, customer_group, group_id, f"Customer group with id: {group_id} was not found")


async def update_group(conn: AsyncConnection, *, group_id: str, data: Mapping[str, Any]) -> Row:
    """Rename / change metadata of a group."""
    current = await retrieve_group(conn, group_id=group_id)
    values = _pick(data, ("name", "metadata"))
    if "name" in values and values["name"] != current["name"]:
        exists = (await conn.execute(select(customer_group.c.id).where(
            customer_group.c.name == values["name"], customer_group.c.deleted_at.is_(None)))).first()
        if exists is not None:
            raise duplicate(f"Customer group with name: {values['name']}, already exists.")
    if not values:
        return current
    row = (await conn.execute(update(customer_group).where(customer_group.c.id == group_id)
                              .values(**values, updated_at=func.now()).returning(*customer_group.c))
           ).mappings().one()
    return dict(row)


async def delete_groups(conn: AsyncConnection, *, ids: Sequence[str]) -> list[str]:
    """Soft-delete groups and drop their memberships."""
    deleted = await crud.soft_delete(conn, customer_group, ids)
    if deleted:
        await conn.execute(delete(customer_group_customer)
                           .where(customer_group_customer.c.customer_group_id.in_(deleted)))
    return deleted


async def list_groups(conn: AsyncConnection, *, filters: Mapping[str, Any], limit: int, offset: int,
                      order: str | None = None, with_deleted: bool = False) -> tuple[list[Row], int]:
    """A page of customer groups (filters: q, id, name, created_by, dates, customers (ids))."""
    cond = _conditions(customer_group, filters, ("id", "name", "created_by", "created_at", "updated_at",
                                                    "deleted_at"), ("name",))
    if filters.get("customers"):
        cond.append(customer_group.c.id.in_(select(customer_group_customer.c.customer_group_id).where(
            customer_group_customer.c.customer_id.in_(_ids(filters["customers"])))))
    return await list_page(conn, customer_group, conditions=cond, limit=limit, offset=offset, order=order,
                           with_deleted=with_deleted)


async def link_customers_to_groups(conn: AsyncConnection, *, pairs: Sequence[tuple[str, str]],
                                   created_by: str | None = None) -> int:
    """Add (customer_id, group_id) memberships; existing ones are kept. Unknown ids → 404."""
    if not pairs:
        return 0
    customer_ids = sorted({c for c, _ in pairs})
    group_ids = sorted({g for _, g in pairs})
    found_c = {r[0] for r in await conn.execute(select(customer.c.id).where(customer.c.id.in_(customer_ids),
                                                                             customer.c.deleted_at.is_(None)))}
    missing = [c for c in customer_ids if c not in found_c]
    if missing:
        raise not_found(f"Customers with ids: {', '.join(missing)} were not found" if len(missing) > 1
                        else f"Customer with id: {missing[0]} was not found")
    found_g = {r[0] for r in await conn.execute(select(customer_group.c.id).where(
        customer_group.c.id.in_(group_ids), customer_group.c.deleted_at.is_(None)))}
    missing = [g for g in group_ids if g not in found_g]
    if missing:
        raise not_found(f"Customer group with id: {missing[0]} was not found")
    existing = {(r.customer_id, r.customer_group_id) for r in await conn.execute(
        select(customer_group_customer.c.customer_id, customer_group_customer.c.customer_group_id).where(
            customer_group_customer.c.customer_id.in_(customer_ids),
            customer_group_customer.c.customer_group_id.in_(group_ids)))}
    new = [{"id": generate_id("cusgc"), "customer_id": c, "customer_group_id": g, "created_by": created_by}
           for c, g in dict.fromkeys(pairs) if (c, g) not in existing]
    if new:
        await conn.execute(pg_insert(customer_group_customer), new)
    return len(new)


async def unlink_customers_from_groups(conn: AsyncConnection, *, pairs: Sequence[tuple[str, str]]) -> int:
    """Remove (customer_id, group_id) memberships; absent pairs are ignored."""
    if not pairs:
        return 0
    cond = or_(*[and_(customer_group_customer.c.customer_id == c, customer_group_customer.c.customer_group_id == g)
                 for c, g in pairs])
    result = await conn.execute(delete(customer_group_customer).where(cond))
    return int(result.rowcount or 0)


async def groups_for(conn: AsyncConnection, customer_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Live groups of many customers in one query."""
    out: dict[str, list[Row]] = {cid: [] for cid in customer_ids}
    if not customer_ids:
        return out
    rows = (await conn.execute(
        select(customer_group_customer.c.customer_id.label("_cid"), customer_group)
        .select_from(customer_group_customer.join(customer_group,
                                                  customer_group.c.id == customer_group_customer.c.customer_group_id))
        .where(customer_group_customer.c.customer_id.in_(list(customer_ids)), customer_group.c.deleted_at.is_(None))
        .order_by(customer_group.c.name, customer_group.c.id))).mappings().all()
    for r in rows:
        row = dict(r)
        out.setdefault(row.pop("_cid"), []).append(row)
    return out


async def customers_for_groups(conn: AsyncConnection, group_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Live customers of many groups in one query."""
    out: dict[str, list[Row]] = {gid: [] for gid in group_ids}
    if not group_ids:
        return out
    rows = (await conn.execute(
        select(customer_group_customer.c.customer_group_id.label("_gid"), customer)
        .select_from(customer_group_customer.join(customer, customer.c.id == customer_group_customer.c.customer_id))
        .where(customer_group_customer.c.customer_group_id.in_(list(group_ids)), customer.c.deleted_at.is_(None))
        .order_by(customer.c.created_at, customer.c.id))).mappings().all()
    for r in rows:
        row = dict(r)
        out.setdefault(row.pop("_gid"), []).append(row)
    return out
