"""Store documents: a product's storefront JSON kept in PostgreSQL, served with the request's prices spliced in.

A store page of 20 products is ~300 KB of JSON (Medusa's default fields: every variant with its option values and
their options). Building it on each read cost PostgreSQL ~4.6 ms and the server ~4 ms of CPU per page. Almost all
of it changes only when the catalog is edited; only the variants' `calculated_price` depends on the request
(region, currency, customer group, tax address, price list dates).

So the bytes of a product for a default store read (`shape` "list" or "detail") are stored once built
(`product_document`): the serialized product with one NUL byte where each variant's `,"calculated_price":...`
goes (orjson never writes a raw control character, so NUL cannot occur in the JSON itself). A read takes the page's
documents in its page statement, computes the page's prices as before and splices them in; a product without a
valid document is built by the ordinary path (the reference: the bytes are the same) and stored for the next read.

Never stale: a document is served only while its `version` equals the product's `product_document_version`,
which statement-level triggers on every table a document is made of bump in the writing transaction (migration
product_0006). A reader that built a document from an older snapshot than a concurrent write stores it under the
version it read in the same statement as the data, which that write has already replaced: never served.

The listing's `count` is kept the same way: `euryale.query.listing_count`.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import structlog
from sqlalchemy import Text, and_, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param
from euryale.errors import not_found
from euryale.http.json import dumps
from euryale.links.models import product_variant_price_set
from euryale.modules.product.models import product, product_document, product_document_version
from euryale.query import listing_count
from euryale.query.engine import Resource, Row
from euryale.query.fields import FieldSelection
from euryale.query.products import (
    PRODUCT_SCALARS,
    attach_variant_relations,
    embedded_columns,
    embedding_of,
    finish_embedded,
    published_in,
)

log = structlog.get_logger(__name__)

# Tests compare the documents' answers with the ordinary path's by turning this off.
ENABLED = True
_SLOT = b"\x00"
_PRICE_KEY = b',"calculated_price":'
_PRICE_ONLY = FieldSelection(scalars={"calculated_price"})


@dataclass(frozen=True)
class Shape:
    """A default store read whose documents are kept: its name and its selection (calculated price aside)."""

    name: str
    selection: FieldSelection
    priced: FieldSelection


def _shape(name: str, resource: Resource, extra: dict[str, FieldSelection]) -> Shape:
    sel = resource.selection(None, store=True)
    sel.relations.update(extra)
    priced = copy.deepcopy(sel)
    priced.relations["variants"].scalars.add("calculated_price")
    return Shape(name, sel, priced)


def shapes(resource: Resource) -> tuple[Shape, Shape]:
    """The list and detail shapes of the store product resource (the detail reads categories' `is_internal`)."""
    return (_shape("list", resource, {}),
            _shape("detail", resource, {"categories": FieldSelection(scalars={"is_internal"})}))


def serves(shape: Shape, sel: FieldSelection) -> bool:
    """Whether a read with the selection `sel` is answered from `shape`'s documents."""
    return ENABLED and (sel == shape.selection or sel == shape.priced)


@dataclass
class _Document:
    body: bytes
    variant_ids: list[str]


def _price_sets_column(variant_ids: Any) -> Any:
    """`[[variant id, price set id], ...]` of the document's variants, read live (never part of a document)."""
    link = product_variant_price_set
    ids = func.unnest(variant_ids).table_valued("vid").render_derived()
    # one index probe per variant, as the ordinary path reads it: a join or `= ANY(array column)` was planned as a
    # scan of the whole link table per product (0.2 ms each at 1,200 variants)
    price_set = (select(link.c.price_set_id).where(link.c.variant_id == ids.c.vid, link.c.deleted_at.is_(None))
                 .order_by(link.c.id).limit(1).scalar_subquery())
    return select(func.json_agg(func.json_build_array(ids.c.vid, price_set)).cast(Text)).scalar_subquery()


def _current_version(product_id: Any) -> Any:
    v = product_document_version
    return func.coalesce(select(v.c.version).where(v.c.product_id == product_id).scalar_subquery(), 0)


def _documents_query(page: Any, *extra: Any) -> Any:
    """`page`'s products (a subquery with `id`, `created_at` and `extra` columns), each with its valid document."""
    d = product_document
    valid = and_(d.c.product_id == page.c.id, d.c.shape == bindparam("shape"), d.c.version == _current_version(page.c.id))
    return (select(page.c.id, *extra, d.c.body, d.c.variant_ids, _price_sets_column(d.c.variant_ids).label("psets"))
            .select_from(page.outerjoin(d, valid)).order_by(page.c.created_at, page.c.id))


def _page_statement(first: int | None = None) -> Any:
    page = listing_count.paged(select(product.c.id, product.c.created_at).where(*published_in())
                               .order_by(product.c.created_at, product.c.id), first).subquery("page")
    count = select(func.count()).select_from(product).where(*published_in()).scalar_subquery()
    return _documents_query(page, *listing_count.count_columns(count))


def _one_statement() -> Any:
    one = select(product.c.id, product.c.created_at).where(product.c.id == bindparam("id"),
                                                           *published_in()).subquery("one")
    return _documents_query(one)


_PAGES: dict[int | None, CompiledQuery] = {}


def _page_query(first: int | None) -> CompiledQuery:
    if first not in _PAGES:
        _PAGES[first] = CompiledQuery(lambda: _page_statement(first))
    return _PAGES[first]


_ONE = CompiledQuery(_one_statement)
_COUNT = CompiledQuery(lambda: select(func.count()).select_from(product).where(*published_in()))
_BUILDERS: dict[Any, CompiledQuery] = {}


def _builder(embedding: Any) -> CompiledQuery:
    if embedding not in _BUILDERS:
        _BUILDERS[embedding] = CompiledQuery(lambda: select(
            *[product.c[n] for n in PRODUCT_SCALARS], *embedded_columns(embedding, product.c),
            _current_version(product.c.id).label("__version")).where(any_param(product.c.id)))
    return _BUILDERS[embedding]


async def _build(conn: AsyncConnection, resource: Resource, shape: Shape, ids: list[str]
                 ) -> tuple[dict[str, _Document], dict[str, int]]:
    """Documents of the products `ids` built by the ordinary read path, with the versions read with their data."""
    embedding = embedding_of(shape.selection, True)
    rows = [dict(r) for r in await _builder(embedding).fetch(conn, ids=ids)]
    versions = {r["id"]: int(r.pop("__version")) for r in rows}
    built = await finish_embedded(conn, resource, rows, shape.selection, {"store": True}, embedding)
    mark = b'"' + secrets.token_hex(16).encode() + b'"'
    docs: dict[str, _Document] = {}
    for item in built:
        variants = item.get("variants") or []
        for var in variants:
            var["calculated_price"] = orjson.Fragment(mark)
        body = dumps(item).replace(_PRICE_KEY + mark, _SLOT)
        if body.count(_SLOT) != len(variants):
            continue  # calculated_price not where the ordinary path puts it: never guess
        docs[item["id"]] = _Document(body, [var["id"] for var in variants])
    return docs, versions


async def _store(conn: AsyncConnection, container: Any, shape: Shape, docs: dict[str, _Document],
                 versions: dict[str, int]) -> None:
    """Keep built documents for the next reads (a newer version already stored is not replaced)."""
    d = product_document
    stmt = insert(d).values([{"product_id": pid, "shape": shape.name, "version": versions[pid], "body": doc.body,
                              "variant_ids": doc.variant_ids} for pid, doc in docs.items()])
    stmt = stmt.on_conflict_do_update(
        index_elements=[d.c.product_id, d.c.shape],
        set_={"version": stmt.excluded.version, "body": stmt.excluded.body, "variant_ids": stmt.excluded.variant_ids},
        where=d.c.version <= stmt.excluded.version)
    try:
        async with container.database().write_aside(conn) as writer:
            await writer.execute(stmt)
    except IntegrityError:  # a product deleted since it was read: nothing to keep
        log.debug("product document not stored", product_ids=list(docs))


async def _answer(conn: AsyncConnection, container: Any, resource: Resource, shape: Shape, sel: FieldSelection,
                  ctx: dict[str, Any], found: Sequence[Any]) -> list[orjson.Fragment] | None:
    """The wire products of the rows `found` (id, body, variant_ids, psets), built where no document is valid;
    None when one could not be built (the caller answers by the ordinary path)."""
    docs = {r["id"]: _Document(r["body"], list(r["variant_ids"])) for r in found if r["body"] is not None}
    psets: dict[str, str] = {}
    for r in found:
        for variant_id, price_set_id in orjson.loads(r["psets"]) if r["psets"] else ():
            psets.setdefault(variant_id, price_set_id)
    missing = [r["id"] for r in found if r["body"] is None]
    if missing:
        built, versions = await _build(conn, resource, shape, missing)
        if built:
            await _store(conn, container, shape, built, versions)
        if len(built) != len(missing):
            return None
        docs.update(built)
        built_variants = [v for doc in built.values() for v in doc.variant_ids]
        if built_variants and sel == shape.priced:
            for r in await _PRICE_SETS.fetch(conn, ids=built_variants):
                psets.setdefault(r["variant_id"], r["price_set_id"])
    if sel != shape.priced:
        return [orjson.Fragment(docs[r["id"]].body.replace(_SLOT, b"")) for r in found]
    variants: list[Row] = [{"id": vid, "product_id": pid} for pid, doc in docs.items() for vid in doc.variant_ids]
    await attach_variant_relations(conn, variants, _PRICE_ONLY, ctx,
                                   price_sets={k: v for k, v in psets.items() if v})
    prices = {var["id"]: dumps(var["calculated_price"]) for var in variants}
    out: list[orjson.Fragment] = []
    for r in found:
        doc = docs[r["id"]]
        parts = doc.body.split(_SLOT)
        pieces = [parts[0]]
        for variant_id, part in zip(doc.variant_ids, parts[1:], strict=True):
            pieces += (_PRICE_KEY, prices[variant_id], part)
        out.append(orjson.Fragment(b"".join(pieces)))
    return out


_PRICE_SETS = CompiledQuery(lambda: select(
    product_variant_price_set.c.variant_id, product_variant_price_set.c.price_set_id).where(
    any_param(product_variant_price_set.c.variant_id), product_variant_price_set.c.deleted_at.is_(None))
    .order_by(product_variant_price_set.c.id))


async def documents_page(conn: AsyncConnection, container: Any, resource: Resource, shape: Shape,
                         sel: FieldSelection, ctx: dict[str, Any], *, channels: list[str], limit: int,
                         offset: int) -> tuple[list[orjson.Fragment], int] | None:
    """A plain store listing (published in `channels`, default order) answered from documents, and the count
    (None: answer by the ordinary path)."""
    first = listing_count.first_page(limit, offset)
    found = await _page_query(first).fetch(conn, channels=channels, channel_key=listing_count.channel_key(channels),
                                           shape=shape.name, **listing_count.paging(limit, offset, first))
    if found:
        count = await listing_count.count_of(conn, container, found[0], channels)
    elif offset:
        count = int((await _COUNT.fetch(conn, channels=channels))[0][0])
    else:
        count = 0
    products = await _answer(conn, container, resource, shape, sel, ctx, found)
    return None if products is None else (products, count)


async def document_one(conn: AsyncConnection, container: Any, resource: Resource, shape: Shape, sel: FieldSelection,
                       ctx: dict[str, Any], *, product_id: str, channels: list[str]) -> orjson.Fragment | None:
    """One published product of `channels` answered from its document (404 in Medusa's words otherwise; None:
    answer by the ordinary path)."""
    found = await _ONE.fetch(conn, id=product_id, channels=channels, shape=shape.name)
    if not found:
        raise not_found(f"{resource.name} with {resource.pk}: {product_id} was not found")
    products = await _answer(conn, container, resource, shape, sel, ctx, found)
    return None if products is None else products[0]
