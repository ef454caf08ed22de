"""A small set-based read engine: filters, `q`, `order`, pagination and `fields` over one table, with relation
loaders that attach children to a whole page at once (one statement per relation per page)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, Numeric, Table, and_, bindparam, func, not_, or_, over, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from euryale.db.compiled import CompiledQuery, decodes_as_driver
from euryale.errors import invalid_data, not_found
from euryale.http.query import ListParams, as_list
from euryale.query.fields import FieldSelection, parse_fields

Row = dict[str, Any]
Loader = Callable[[AsyncConnection, list[Row], FieldSelection, dict[str, Any]], Awaitable[None]]
FilterFn = Callable[[Any], ColumnElement[bool]]
RESERVED = {"limit", "offset", "fields", "order", "q", "with_deleted", "expand"}
SELECTIONS_MAX = 256  # `fields` values come from clients: a bounded memo per resource
OPERATORS = {"$eq", "$ne", "$in", "$nin", "$like", "$ilike", "$gt", "$gte", "$lt", "$lte", "$re", "$contains"}


@dataclass
class Resource:
    """How one entity is read: its table, wire columns, default fields and relation loaders."""

    name: str
    table: Table
    columns: Sequence[str]
    defaults: Sequence[str]
    relations: dict[str, Loader] = field(default_factory=dict)
    searchable: Sequence[str] = ()
    filters: dict[str, FilterFn] = field(default_factory=dict)
    filterable: Sequence[str] = ()
    allowed: Sequence[str] | None = None
    default_order: str = "created_at"
    soft_delete: bool = True
    pk: str = "id"
    max_depth: int | None = None
    transform: Callable[[Row], None] | None = None
    after: Loader | None = None
    computed: Sequence[str] = ()
    search_extra: Callable[[str], ColumnElement[bool]] | None = None
    # statements of the plain reads (no filter, default order), compiled on first use
    compiled: dict[Any, CompiledQuery] = field(default_factory=dict, repr=False, compare=False)
    # the retrieve statement (None: read through SQLAlchemy), compiled on first use
    compiled_retrieve: list[CompiledQuery | None] = field(default_factory=list, repr=False, compare=False)
    # parsed `fields` values (most requests send none, or the storefront's same few): copied out per request
    selections: dict[tuple[str | None, bool], FieldSelection] = field(default_factory=dict, repr=False,
                                                                       compare=False)

    def selection(self, fields: str | None, *, store: bool = False) -> FieldSelection:
        """Parse `fields` for this resource (store routes restrict `order(s)` and limit relation depth).

        The result is the caller's to change (routes add relations they always answer with): a copy of the parse
        kept for the same `fields` (parsing the product defaults cost ~35 us, a copy ~5). An invalid value is
        not kept (its error is raised again)."""
        key = (fields, store)
        parsed = self.selections.get(key)
        if parsed is None:
            parsed = parse_fields(fields, defaults=self.defaults, allowed=self.allowed,
                                  restricted=("order", "orders") if store else (),
                                  max_relation_depth=self.max_depth if store else None,
                                  relation_names=[*self.relations, *self.computed])
            if len(self.selections) >= SELECTIONS_MAX:
                self.selections.clear()
            self.selections[key] = parsed
        return parsed.copy()


def _coerce(col: Any, value: Any, name: str) -> Any:
    if value is None or isinstance(value, (dict, list)):
        return value
    text = str(value)
    if text == "null":
        return None
    ctype = col.type
    try:
        if isinstance(ctype, Boolean):
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if isinstance(ctype, DateTime):
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        if isinstance(ctype, Integer):
            return int(text)
        if isinstance(ctype, Numeric):
            return Decimal(text)
    except (ValueError, InvalidOperation):
        raise invalid_data(f"Invalid request: Invalid value '{text}' for field '{name}'") from None
    return text


def column_condition(col: Any, value: Any, name: str) -> ColumnElement[bool]:
    """`field=value`, `field[]=a&field[]=b` (IN), or an operator map (`{"$gte": ...}`)."""
    if isinstance(value, dict):
        conds: list[ColumnElement[bool]] = []
        for op, raw in value.items():
            if op not in OPERATORS:
                raise invalid_data(f"Invalid request: Unrecognized fields: '{name}.{op}'")
            if op in ("$in", "$nin"):
                vals = [_coerce(col, v, name) for v in as_list(raw)]
                conds.append(col.in_(vals) if op == "$in" else col.notin_(vals))
                continue
            v = _coerce(col, raw, name)
            if op == "$eq":
                conds.append(col.is_(None) if v is None else col == v)
            elif op == "$ne":
                conds.append(col.is_not(None) if v is None else col != v)
            elif op == "$like":
                conds.append(col.like(str(v)))
            elif op in ("$ilike", "$contains"):
                conds.append(col.ilike(str(v) if op == "$ilike" else f"%{v}%"))
            elif op == "$re":
                conds.append(col.op("~")(str(v)))
            elif op == "$gt":
                conds.append(col > v)
            elif op == "$gte":
                conds.append(col >= v)
            elif op == "$lt":
                conds.append(col < v)
            else:
                conds.append(col <= v)
        return and_(*conds)
    if isinstance(value, list):
        cond: ColumnElement[bool] = col.in_([_coerce(col, v, name) for v in as_list(value)])
        return cond
    v = _coerce(col, value, name)
    cond = col.is_(None) if v is None else col == v
    return cond


def _order_clause(resource: Resource, order: str | None) -> list[Any]:
    t = resource.table
    if not order:
        col = t.c[resource.default_order] if resource.default_order in t.c else t.c[resource.pk]
        return [col.asc(), t.c[resource.pk].asc()]
    clauses = []
    for part in order.split(","):
        part = part.strip()
        desc = part.startswith("-")
        name = part.lstrip("-+")
        if name not in t.c or name not in resource.columns or isinstance(t.c[name].type, (JSON, JSONB)):
            raise invalid_data(f"Order field {name} is not valid")  # no "Invalid request:" prefix in Medusa
        clauses.append(t.c[name].desc() if desc else t.c[name].asc())
    clauses.append(t.c[resource.pk].asc())
    return clauses


def build_conditions(resource: Resource, query: dict[str, Any], *, with_deleted: bool = False,
                     extra: Sequence[ColumnElement[bool]] = ()) -> list[ColumnElement[bool]]:
    """WHERE clauses for a parsed query string (unknown filter keys are ignored, as validated upstream)."""
    t = resource.table
    conds: list[ColumnElement[bool]] = list(extra)
    if resource.soft_delete and "deleted_at" in t.c and not with_deleted:
        conds.append(t.c.deleted_at.is_(None))
    q = query.get("q")
    if q and resource.searchable:
        text = str(q if not isinstance(q, list) else q[0])
        matches: list[ColumnElement[bool]] = [t.c[c].ilike(f"%{text}%") for c in resource.searchable]
        if resource.search_extra is not None:
            matches.append(resource.search_extra(text))
        conds.append(or_(*matches))
    for key, value in query.items():
        if key in RESERVED:
            continue
        if key in ("$and", "$or"):
            # boolean combinators: `$or[0][title]=a&$or[1][handle]=b`
            branches = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else []
            if not branches or not all(isinstance(b, dict) for b in branches):
                raise invalid_data(f"Invalid request: Expected type: 'array' for field '{key}'")
            parts = [and_(*build_conditions(resource, b, with_deleted=True)) for b in branches]
            conds.append(or_(*parts) if key == "$or" else and_(*parts))
        elif key in resource.filters:
            conds.append(resource.filters[key](value))
        elif key in resource.filterable and key in t.c:
            conds.append(column_condition(t.c[key], value, key))
    return conds


async def attach_relations(conn: AsyncConnection, resource: Resource, rows: list[Row], sel: FieldSelection,
                           ctx: dict[str, Any]) -> None:
    """Run each selected relation's loader once for the whole page."""
    if not rows:
        return
    for name, loader in resource.relations.items():
        sub = sel.relations.get(name)
        if sub is not None or name in sel.scalars:
            await loader(conn, rows, sub or FieldSelection(star=True), ctx)
    if resource.after is not None:
        await resource.after(conn, rows, sel, ctx)


def serialize(resource: Resource, rows: list[Row], sel: FieldSelection) -> list[Row]:
    """Apply the resource's transform and project each row on the selection."""
    if resource.transform is not None:
        for r in rows:
            resource.transform(r)
    project = sel.projector()
    return [project(r) for r in rows]


async def list_resource(conn: AsyncConnection, resource: Resource, *, query: dict[str, Any], params: ListParams,
                        sel: FieldSelection, ctx: dict[str, Any] | None = None,
                        extra: Sequence[ColumnElement[bool]] = ()) -> tuple[list[Row], int]:
    """One page of a resource (count via a window function, so one statement) with its relations attached."""
    if not extra and params.order is None and all(key in RESERVED and key != "q" for key in query):
        return await _plain_page(conn, resource, params, sel, ctx)
    t = resource.table
    conds = build_conditions(resource, query, with_deleted=params.with_deleted, extra=extra)
    cols = [t.c[c] for c in resource.columns if c in t.c]
    stmt = (select(*cols, over(func.count()).label("__count__")).where(*conds)
            .order_by(*_order_clause(resource, params.order)).limit(params.limit).offset(params.offset))
    result = (await conn.execute(stmt)).mappings().all()
    rows = [{k: v for k, v in r.items() if k != "__count__"} for r in result]
    if result:
        count = int(result[0]["__count__"])
    elif params.offset:
        count = int((await conn.execute(select(func.count()).select_from(t).where(*conds))).scalar_one())
    else:
        count = 0
    return await finish_page(conn, resource, rows, sel, ctx), count


def _plain_statements(resource: Resource, with_deleted: bool) -> tuple[CompiledQuery, CompiledQuery]:
    """The page and count statements of a listing without filter, search or order (what most clients send)."""
    key = ("plain", with_deleted)
    if key not in resource.compiled:
        t = resource.table

        def conds() -> list[ColumnElement[bool]]:
            return build_conditions(resource, {}, with_deleted=with_deleted)
        resource.compiled[key] = CompiledQuery(lambda: select(
            *[t.c[c] for c in resource.columns if c in t.c], over(func.count()).label("__count__"))
            .where(*conds()).order_by(*_order_clause(resource, None))
            .limit(bindparam("limit")).offset(bindparam("offset")))
        resource.compiled[key + ("count",)] = CompiledQuery(
            lambda: select(func.count()).select_from(t).where(*conds()))
    return resource.compiled[key], resource.compiled[key + ("count",)]


async def _plain_page(conn: AsyncConnection, resource: Resource, params: ListParams, sel: FieldSelection,
                      ctx: dict[str, Any] | None) -> tuple[list[Row], int]:
    """`list_resource` of a plain listing, with statements compiled once per resource."""
    page, total = _plain_statements(resource, params.with_deleted)
    rows = [dict(r) for r in await page.fetch(conn, limit=params.limit, offset=params.offset)]
    if rows:
        count = int(rows[0]["__count__"])
        for r in rows:
            del r["__count__"]
    elif params.offset:
        count = int((await total.fetch(conn))[0][0])
    else:
        count = 0
    return await finish_page(conn, resource, rows, sel, ctx), count


async def finish_page(conn: AsyncConnection, resource: Resource, rows: list[Row], sel: FieldSelection,
                      ctx: dict[str, Any] | None = None) -> list[Row]:
    """The wire rows of a page read by any statement: relations attached, transformed and projected."""
    await attach_relations(conn, resource, rows, sel, ctx or {})
    return serialize(resource, rows, sel)


def _retrieve_statement(conn: AsyncConnection, resource: Resource) -> CompiledQuery | None:
    """The statement of a retrieve by primary key without extra conditions, compiled once per resource (None when a
    column's type is post-processed by SQLAlchemy: such reads stay on SQLAlchemy). Building the SELECT and running
    it through SQLAlchemy cost ~100 us of CPU per store retrieve (`GET /store/regions/:id`, collections...)."""
    if not resource.compiled_retrieve:
        t = resource.table
        cols = [t.c[c] for c in resource.columns if c in t.c]

        def build() -> Any:
            conds = [t.c[resource.pk] == bindparam("id", type_=t.c[resource.pk].type)]
            if resource.soft_delete and "deleted_at" in t.c:
                conds.append(t.c.deleted_at.is_(None))
            return select(*cols).where(*conds)
        plain = all(decodes_as_driver(c, conn.dialect) for c in cols)
        resource.compiled_retrieve.append(CompiledQuery(build) if plain else None)
    return resource.compiled_retrieve[0]


async def retrieve_resource(conn: AsyncConnection, resource: Resource, *, id: str, sel: FieldSelection,
                            ctx: dict[str, Any] | None = None, extra: Sequence[ColumnElement[bool]] = (),
                            label: str | None = None) -> Row:
    """One record by primary key (404 in Medusa's words when absent)."""
    t = resource.table
    compiled = None if extra else _retrieve_statement(conn, resource)
    if compiled is not None:
        found = await compiled.fetch(conn, id=id)
        row: Any = found[0] if found else None
    else:
        conds = [t.c[resource.pk] == id, *extra]
        if resource.soft_delete and "deleted_at" in t.c:
            conds.append(t.c.deleted_at.is_(None))
        cols = [t.c[c] for c in resource.columns if c in t.c]
        row = (await conn.execute(select(*cols).where(*conds))).mappings().first()
    if row is None:
        raise not_found(f"{label or resource.name} with {resource.pk}: {id} was not found")
    rows = [dict(row)]
    await attach_relations(conn, resource, rows, sel, ctx or {})
    return serialize(resource, rows, sel)[0]


def negate(cond: ColumnElement[bool]) -> ColumnElement[bool]:
    """NOT of a condition (for callers building filters)."""
    return not_(cond)
