"""The search module on PostgreSQL full text: documents in `search_document` (tsvector + jsonb), kept in sync
set-based (one statement per sync, whatever the number of entities), queried with `@@`/`ts_rank` and jsonb
containment filters (both GIN-indexed).

Query semantics follow Medusa's `search-postgres` provider (native engine): `q` with `match_strategy`
`all` (default) / `any` / `last` (typeahead: the last term is a prefix); filters on the index' filterable fields
(`$eq $ne $in $nin $lt $lte $gt $gte $exists $contains $overlaps $prefix $like`, `$and $or $not`; a bare value on
a list field means membership); value facets; `order` on sortable fields. Highlighting, vectors, cursors,
`distinct` and query-time locales are rejected explicitly, as that provider does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Numeric,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data, not_found
from euryale.modules.search.definitions import NUMBER, SearchField, SearchIndexDefinition
from euryale.modules.search.models import search_document, search_index

DOC = search_document.c.document
VECTOR = search_document.c.search_vector
TEXT_CONFIG: ColumnElement[Any] = literal_column("'english'::regconfig")
PENDING, READY = "pending", "ready"
UNSUPPORTED_OPTIONS = ("highlight", "vector", "distinct", "locales", "attributes_to_search_on")
_WORD = re.compile(r"\w+", re.UNICODE)
_RANGE = {"$lt": "__lt__", "$lte": "__le__", "$gt": "__gt__", "$gte": "__ge__"}


def tsquery_text(q: str, strategy: str = "all") -> str | None:
    """`q` as `to_tsquery` input: words only (so no operator can be injected), joined per the match strategy."""
    words = [f"'{w}'" for w in _WORD.findall(q.lower())]
    if not words:
        return None
    if strategy == "last":
        words[-1] += ":*"
    return (" | " if strategy == "any" else " & ").join(words)


class SearchService:
    """Registered indexes (by name) and the reads/writes on their documents; every call takes the caller's
    connection, so a sync joins the caller's transaction."""

    def __init__(self, definitions: Sequence[SearchIndexDefinition], *, store_indexes: Sequence[str] = ()) -> None:
        self.definitions: dict[str, SearchIndexDefinition] = {d.name: d for d in definitions}
        self.store_indexes = frozenset(store_indexes)
        """Indexes opted in for `POST /store/search` (Medusa's `configureStoreSearch({allowed_indexes})`)."""

    def get_index(self, name: str) -> SearchIndexDefinition:
        try:
            return self.definitions[name]
        except KeyError:
            raise not_found(f'No search index named "{name}"') from None

    def indexes_of_entity(self, entity: str) -> list[SearchIndexDefinition]:
        return [d for d in self.definitions.values() if d.entity == entity]

    # ------------------------------------------------------------------ state

    async def list_indexes(self, conn: AsyncConnection) -> list[dict[str, Any]]:
        """Every registered index with its status (`pending` until first built) and fields."""
        rows = {r.name: r for r in await conn.execute(select(search_index.c.name, search_index.c.status))}
        return [{"name": d.name, "entity": d.entity, "provider": d.provider,
                 "status": rows[d.name].status if d.name in rows else PENDING,
                 "fields": [f.as_wire() for f in d.fields]} for d in self.definitions.values()]

    async def sync(self, conn: AsyncConnection, name: str, entity_ids: Sequence[str] | None) -> None:
        """Rebuild the documents of `entity_ids` (all when None) from the index' source, removing those the
        source no longer answers for: one statement (the upsert is a data-modifying CTE of the delete)."""
        definition = self.get_index(name)
        ids = None if entity_ids is None else sorted(set(entity_ids))
        if ids is not None and not ids:
            return
        await conn.execute(text(
            f"WITH src AS ({definition.source_sql}), "
            "up AS (INSERT INTO search_document (index_name, entity_id, document, search_vector, updated_at) "
            "SELECT :index_name, entity_id, document, search_vector, now() FROM src "
            "ON CONFLICT (index_name, entity_id) DO UPDATE SET document = excluded.document, "
            "search_vector = excluded.search_vector, updated_at = now() RETURNING 1) "
            "DELETE FROM search_document d WHERE d.index_name = :index_name "
            "AND (CAST(:ids AS text[]) IS NULL OR d.entity_id = ANY(CAST(:ids AS text[]))) "
            "AND NOT EXISTS (SELECT 1 FROM src WHERE src.entity_id = d.entity_id)"
        ).bindparams(bindparam("ids", type_=ARRAY(Text))), {"index_name": name, "ids": ids})
        stamp = insert(search_index).values(name=name, status=READY, version=1, last_synced_at=func.now())
        if ids is None:
            await conn.execute(stamp.on_conflict_do_update(index_elements=[search_index.c.name], set_={
                "status": READY, "version": search_index.c.version + 1, "last_synced_at": func.now(),
                "updated_at": func.now()}))
        else:
            # a partial sync never waits on the index row (concurrent product writes would queue on its lock)
            await conn.execute(stamp.on_conflict_do_nothing(index_elements=[search_index.c.name]))

    def ingestion_events(self) -> list[str]:
        """Event names some registered index is kept in sync by."""
        return list(dict.fromkeys(e.name for d in self.definitions.values() for e in d.events))

    async def ingest(self, conn: AsyncConnection, event_name: str, ids: Sequence[str]) -> list[str]:
        """Re-sync the documents an event touched, in every index it concerns; answers those indexes' names.

        An index never built (new, or deleted since) is built whole instead - the first event after a deploy or
        an index deletion seeds it, as Medusa's `db:migrate:search` does.
        """
        concerned = [(d, e) for d in self.definitions.values() for e in d.events if e.name == event_name]
        if not concerned or not ids:
            return []
        built = set((await conn.execute(select(search_index.c.name).where(
            search_index.c.name.in_([d.name for d, _ in concerned])))).scalars())
        synced: list[str] = []
        for definition, event in concerned:
            if definition.name not in built:
                await self.sync(conn, definition.name, None)
            else:
                entity_ids = list(ids) if event.entity_ids_sql is None else list((await conn.execute(
                    text(event.entity_ids_sql).bindparams(bindparam("ids", type_=ARRAY(Text))),
                    {"ids": list(ids)})).scalars())
                await self.sync(conn, definition.name, entity_ids)
            synced.append(definition.name)
        return synced

    async def delete_index(self, conn: AsyncConnection, name: str) -> int:
        """Drop the index' documents and state; answers how many built versions were dropped (0 or 1)."""
        self.get_index(name)
        await conn.execute(delete(search_document).where(search_document.c.index_name == name))
        deleted = (await conn.execute(delete(search_index).where(search_index.c.name == name))).rowcount
        return 1 if deleted else 0

    # ------------------------------------------------------------------ queries

    async def search(self, conn: AsyncConnection, name: str, query: Mapping[str, Any],
                     scope: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One `SearchQuery` (`fields`, `filters` with `q`, `pagination`, `search_options`) → `SearchResult`
        (`hits`, `metadata`, `facets` when asked). `scope` is ANDed with the query's own filters."""
        started = time.perf_counter()
        definition = self.get_index(name)
        options: Mapping[str, Any] = query.get("search_options") or {}
        pagination: Mapping[str, Any] = query.get("pagination") or {}
        for option in UNSUPPORTED_OPTIONS:
            if options.get(option):
                raise invalid_data(f'The postgres search provider does not support "{option}"')
        if pagination.get("cursor"):
            raise invalid_data('The postgres search provider does not support "cursor"')
        fields = self._selected_fields(definition, query.get("fields"))
        filters = dict(query.get("filters") or {})
        q = filters.pop("q", None)
        if q is not None and not isinstance(q, str):
            raise invalid_data("q must be a string")
        conditions: list[ColumnElement[bool]] = [search_document.c.index_name == name,
                                                 self._compile(definition, filters)]
        if scope:
            conditions.append(self._compile(definition, scope))
        tsquery_input = tsquery_text(q, str(options.get("match_strategy") or "all")) if q else None
        rank: ColumnElement[Any] | None = None
        if q:
            if tsquery_input is None:
                conditions.append(false())
            else:
                tsquery = func.to_tsquery(TEXT_CONFIG, tsquery_input)
                conditions.append(VECTOR.op("@@")(tsquery))
                rank = func.ts_rank(VECTOR, tsquery)
                if options.get("min_score") is not None:
                    conditions.append(rank >= float(options["min_score"]))
        where = and_(*conditions)
        skip, take = int(pagination.get("skip") or 0), int(pagination.get("take", 20))
        count_mode = options.get("count") or "exact"
        hits: list[dict[str, Any]] = []
        count: int | None = None
        if take > 0:
            columns: list[Any] = [search_document.c.entity_id, DOC]
            if rank is not None:
                columns.append(rank.label("score"))
            if count_mode != "none":
                columns.append(func.count().over().label("total"))
            order = self._order(definition, pagination.get("order"), rank)
            rows = (await conn.execute(select(*columns).where(where).order_by(*order)
                                       .offset(skip).limit(take))).all()
            for row in rows:
                hit: dict[str, Any] = {"id": row.entity_id, "document": _pick(row.document, fields)}
                if rank is not None and options.get("include_score"):
                    hit["score"] = float(row.score)
                hits.append(hit)
            if rows and count_mode != "none":
                count = int(rows[0].total)
        if count is None and count_mode != "none":
            count = 0 if take > 0 and skip == 0 else int(
                (await conn.execute(select(func.count()).select_from(search_document).where(where))).scalar_one())
        result: dict[str, Any] = {"hits": hits}
        if options.get("facets"):
            result["facets"] = {f: v for f, v in [await self._facet(conn, definition, facet, where)
                                                  for facet in options["facets"]]}
        metadata: dict[str, Any] = {"skip": skip, "take": take, "count": count}
        if q:
            metadata["query"] = q
        metadata["processing_time_ms"] = round((time.perf_counter() - started) * 1000, 3)
        result["metadata"] = metadata
        return result

    @staticmethod
    def _selected_fields(definition: SearchIndexDefinition, fields: Sequence[str] | None) -> list[str] | None:
        if fields is None:
            return None
        retrievable = set(definition.retrievable_fields())
        unknown = [f for f in fields if f not in retrievable]
        if unknown:
            raise invalid_data(f'Search index "{definition.name}" can\'t return the fields: {", ".join(unknown)}')
        return list(fields)

    def _field(self, definition: SearchIndexDefinition, key: str, capability: str) -> SearchField:
        found = definition.by_name.get(key)
        if found is None or not getattr(found, capability):
            raise invalid_data(f'Search index "{definition.name}" has no {capability} field "{key}"')
        return found

    def _compile(self, definition: SearchIndexDefinition, tree: Mapping[str, Any]) -> ColumnElement[bool]:
        """A filter tree → one boolean expression over the document (ANDed keys)."""
        parts: list[ColumnElement[bool]] = []
        for key, value in tree.items():
            if key in ("$and", "$or"):
                if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                    raise invalid_data(f"{key} takes a list of filters")
                branches = [self._compile(definition, v) for v in value]
                parts.append((and_ if key == "$and" else or_)(*branches) if branches else true())
            elif key == "$not":
                if not isinstance(value, dict):
                    raise invalid_data("$not takes a filter")
                parts.append(not_(self._compile(definition, value)))
            elif key == "q":
                raise invalid_data("q is only accepted at the top level of filters")
            else:
                parts.append(self._field_condition(self._field(definition, key, "filterable"), value))
        return and_(*parts) if parts else true()

    def _field_condition(self, field: SearchField, value: Any) -> ColumnElement[bool]:
        if isinstance(value, list):
            return _any_of(field, value)
        if not isinstance(value, dict):
            return _equals(field, value)
        parts: list[ColumnElement[bool]] = []
        for op, operand in value.items():
            if op == "$eq":
                parts.append(_equals(field, operand))
            elif op == "$ne":
                parts.append(not_(_equals(field, operand)))
            elif op in ("$in", "$overlaps"):
                parts.append(_any_of(field, _as_list(op, operand)))
            elif op == "$nin":
                parts.append(not_(_any_of(field, _as_list(op, operand))))
            elif op == "$contains":
                values = operand if isinstance(operand, list) else [operand]
                parts.append(and_(*[_equals(field, v) for v in values]) if values else true())
            elif op == "$exists":
                has = DOC.has_key(field.parent or field.name)
                parts.append(has if operand else not_(has))
            elif op in _RANGE or op in ("$prefix", "$like"):
                if field.array or field.parent:
                    raise invalid_data(f'{op} is not supported on the list field "{field.name}"')
                parts.append(_scalar_condition(field, op, operand))
            else:
                raise invalid_data(f'Unknown filter operator "{op}" on field "{field.name}"')
        return and_(*parts) if parts else true()

    def _order(self, definition: SearchIndexDefinition, order: Mapping[str, str] | None,
               rank: ColumnElement[Any] | None) -> list[Any]:
        clauses: list[Any] = []
        for key, direction in (order or {}).items():
            if key == "_score" and rank is not None:
                clauses.append(rank.asc() if direction == "ASC" else rank.desc())
                continue
            field = self._field(definition, key, "sortable")
            column = DOC[field.name].astext
            sort_key = cast(column, Numeric) if field.type == NUMBER else column
            clauses.append(sort_key.asc().nulls_last() if direction == "ASC" else sort_key.desc().nulls_last())
        if not clauses and rank is not None:
            clauses.append(rank.desc())
        clauses.append(search_document.c.entity_id.asc())
        return clauses

    async def _facet(self, conn: AsyncConnection, definition: SearchIndexDefinition, facet: Any,
                     where: ColumnElement[bool]) -> tuple[str, dict[str, Any]]:
        """Value counts of one facetable field among the query's matches (ties broken by value)."""
        spec = {"field": facet} if isinstance(facet, str) else dict(facet)
        if spec.get("type", "value") != "value":
            raise invalid_data(f'The postgres search provider only computes "value" facets, not "{spec["type"]}"')
        field = self._field(definition, str(spec["field"]), "facetable")
        if field.parent:
            raise invalid_data(f'Facets on the nested field "{field.name}" are not supported')
        limit = int(spec.get("limit") or 10)
        if field.array:
            value = func.jsonb_array_elements_text(DOC[field.name]).table_valued("value").render_derived()
            stmt = select(value.c.value, func.count()).select_from(search_document).join(value, true())
            key = value.c.value
        else:
            key = DOC[field.name].astext
            stmt = select(key, func.count()).select_from(search_document)
        stmt = stmt.where(where, key.is_not(None)).group_by(key)
        counted = func.count()
        stmt = stmt.order_by(key.asc() if spec.get("sort") == "alpha" else counted.desc(), key.asc()).limit(limit)
        values = [{"value": str(v), "count": int(c)} for v, c in await conn.execute(stmt)]
        return field.name, {"type": "value", "values": values}


def _containment(field: SearchField, value: Any) -> dict[str, Any]:
    if field.parent:
        return {field.parent: [{field.name.split(".", 1)[1]: value}]}
    return {field.name: [value] if field.array else value}


def _equals(field: SearchField, value: Any) -> ColumnElement[bool]:
    if isinstance(value, (dict, list)):
        raise invalid_data(f'Expected a value for field "{field.name}"')
    return DOC.contains(_containment(field, value))


def _any_of(field: SearchField, values: list[Any]) -> ColumnElement[bool]:
    return or_(*[_equals(field, v) for v in values]) if values else false()


def _as_list(op: str, operand: Any) -> list[Any]:
    if not isinstance(operand, list):
        raise invalid_data(f"{op} takes a list of values")
    return operand


def _scalar_condition(field: SearchField, op: str, operand: Any) -> ColumnElement[bool]:
    column = DOC[field.name].astext
    if op == "$prefix":
        prefixed: ColumnElement[bool] = column.startswith(str(operand), autoescape=True)
        return prefixed
    if op == "$like":
        liked: ColumnElement[bool] = column.like(str(operand))
        return liked
    if field.type == NUMBER:
        try:
            bound: Any = Decimal(str(operand))
        except ArithmeticError:
            raise invalid_data(f'Expected a number for field "{field.name}"') from None
        result: ColumnElement[bool] = getattr(cast(column, Numeric), _RANGE[op])(bound)
        return result
    compared: ColumnElement[bool] = getattr(column, _RANGE[op])(str(operand))
    return compared


def _pick(document: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    if fields is None:
        return document
    return {f: document.get(f) for f in fields}
