"""Product module: products, variants, options and values, images, tags, types, collections, categories.

Reads that span many rows are set-based (one statement per relation). Writes take the caller's transaction
connection; cross-module links (prices, sales channels) are written by the flows, not here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db.compiled import CompiledQuery
from euryale.db.sql import any_param
from euryale.errors import invalid_data, not_found
from euryale.ids import generate_id
from euryale.links.models import product_sales_channel, product_variant_price_set
from euryale.modules.product.models import (
    image,
    product,
    product_category,
    product_category_product,
    product_collection,
    product_option,
    product_option_value,
    product_tag,
    product_tags,
    product_type,
    product_variant,
    product_variant_option,
)

PRODUCT_STATUSES = ("draft", "proposed", "published", "rejected")
VARIANT_FIELDS = ("title", "sku", "barcode", "ean", "upc", "allow_backorder", "manage_inventory", "hs_code",
                  "origin_country", "mid_code", "material", "weight", "length", "height", "width", "metadata",
                  "variant_rank", "thumbnail")
PRODUCT_FIELDS = ("title", "subtitle", "description", "handle", "is_giftcard", "discountable", "status", "thumbnail",
                  "weight", "length", "height", "width", "hs_code", "origin_country", "mid_code", "material",
                  "collection_id", "type_id", "external_id", "metadata")


def slugify(value: str) -> str:
    """Medusa's default handle: lower-case, spaces and unsafe characters → `-`."""
    out = []
    for ch in value.strip().lower():
        out.append(ch if ch.isalnum() or ch in "-_" else "-")
    slug = "".join(out)
    while "--" in slug:
        slug = slug.replace("--", "-")
    return slug.strip("-")


async def retrieve_variants_for_cart(conn: AsyncConnection, *, variant_ids: list[str]) -> dict[str, dict[str, Any]]:
    """What a cart line item needs per (live) variant id: variant, product summary, options, price set, channels."""
    ids = list(dict.fromkeys(variant_ids))
    if not ids:
        return {}
    v, p = product_variant, product
    rows = (await conn.execute(
        select(v, p.c.title.label("p_title"), p.c.description.label("p_description"),
               p.c.subtitle.label("p_subtitle"), p.c.thumbnail.label("p_thumbnail"), p.c.handle.label("p_handle"),
               p.c.status.label("p_status"), p.c.discountable.label("p_discountable"),
               p.c.is_giftcard.label("p_is_giftcard"), p.c.type_id.label("p_type_id"),
               p.c.collection_id.label("p_collection_id"), p.c.metadata.label("p_metadata"),
               p.c.deleted_at.label("p_deleted_at"),
               product_type.c.value.label("type_value"), product_collection.c.title.label("collection_title"),
               product_collection.c.handle.label("collection_handle"))
        .select_from(v.join(p, p.c.id == v.c.product_id)
                     .outerjoin(product_type, product_type.c.id == p.c.type_id)
                     .outerjoin(product_collection, product_collection.c.id == p.c.collection_id))
        .where(v.c.id.in_(ids), v.c.deleted_at.is_(None), p.c.deleted_at.is_(None))
    )).mappings().all()
    if not rows:
        return {}
    variant_ids_found = [r["id"] for r in rows]
    product_ids = list({r["product_id"] for r in rows})
    options = await variant_option_values(conn, variant_ids=variant_ids_found)
    tags: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in await conn.execute(
            select(product_tags.c.product_id, product_tag.c.id, product_tag.c.value)
            .join(product_tag, product_tag.c.id == product_tags.c.product_tag_id)
            .where(product_tags.c.product_id.in_(product_ids), product_tag.c.deleted_at.is_(None))):
        tags[t.product_id].append({"id": t.id, "value": t.value})
    cats: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in await conn.execute(
            select(product_category_product.c.product_id, product_category.c.id, product_category.c.name,
                   product_category.c.handle)
            .join(product_category, product_category.c.id == product_category_product.c.product_category_id)
            .where(product_category_product.c.product_id.in_(product_ids), product_category.c.deleted_at.is_(None))):
        cats[c.product_id].append({"id": c.id, "name": c.name, "handle": c.handle})
    psets = {ps.variant_id: ps.price_set_id for ps in await conn.execute(
        select(product_variant_price_set.c.variant_id, product_variant_price_set.c.price_set_id)
        .where(product_variant_price_set.c.variant_id.in_(variant_ids_found),
               product_variant_price_set.c.deleted_at.is_(None)))}
    channels: dict[str, list[str]] = defaultdict(list)
    for ch in await conn.execute(
            select(product_sales_channel.c.product_id, product_sales_channel.c.sales_channel_id)
            .where(product_sales_channel.c.product_id.in_(product_ids), product_sales_channel.c.deleted_at.is_(None))):
        channels[ch.product_id].append(ch.sales_channel_id)
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        pid = r["product_id"]
        variant = {k: r[k] for k in ("id", "product_id", "created_at", "updated_at", *VARIANT_FIELDS)}
        variant["requires_shipping"] = True
        variant["options"] = options.get(r["id"], [])
        variant["price_set_id"] = psets.get(r["id"])
        variant["sales_channel_ids"] = sorted(channels.get(pid, []))
        variant["product"] = {
            "id": pid, "title": r["p_title"], "description": r["p_description"], "subtitle": r["p_subtitle"],
            "thumbnail": r["p_thumbnail"], "handle": r["p_handle"], "status": r["p_status"],
            "is_discountable": r["p_discountable"], "discountable": r["p_discountable"],
            "is_giftcard": r["p_is_giftcard"], "metadata": r["p_metadata"],
            "type_id": r["p_type_id"],
            "type": {"id": r["p_type_id"], "value": r["type_value"]} if r["p_type_id"] else None,
            "collection_id": r["p_collection_id"],
            "collection": ({"id": r["p_collection_id"], "title": r["collection_title"],
                            "handle": r["collection_handle"]} if r["p_collection_id"] else None),
            "categories": cats.get(pid, []), "tags": tags.get(pid, []),
        }
        out[r["id"]] = variant
    return out


def _variant_option_values_query() -> Any:
    ov, o = product_option_value, product_option
    return (select(product_variant_option.c.variant_id, ov, o.c.id.label("o_id"), o.c.title.label("o_title"),
                   o.c.is_exclusive.label("o_is_exclusive"), o.c.metadata.label("o_metadata"),
                   o.c.created_at.label("o_created_at"), o.c.updated_at.label("o_updated_at"),
                   o.c.deleted_at.label("o_deleted_at"))
            .select_from(product_variant_option.join(ov, ov.c.id == product_variant_option.c.option_value_id)
                         .join(o, o.c.id == ov.c.option_id))
            .where(any_param(product_variant_option.c.variant_id), ov.c.deleted_at.is_(None))
            .order_by(o.c.created_at, o.c.id))


_VARIANT_OPTION_VALUES = CompiledQuery(_variant_option_values_query)


async def variant_option_values(conn: AsyncConnection, *, variant_ids: Sequence[str]
                                ) -> dict[str, list[dict[str, Any]]]:
    """Option values (each with its `option`) per variant id, in one statement."""
    if not variant_ids:
        return {}
    rows = await _VARIANT_OPTION_VALUES.fetch(conn, ids=list(variant_ids))
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r["variant_id"]].append({
            "id": r["id"], "value": r["value"], "rank": r["rank"], "metadata": r["metadata"],
            "option_id": r["option_id"],
            "option": {"id": r["o_id"], "title": r["o_title"], "is_exclusive": r["o_is_exclusive"],
                       "metadata": r["o_metadata"], "created_at": r["o_created_at"],
                       "updated_at": r["o_updated_at"], "deleted_at": r["o_deleted_at"]},
            "created_at": r["created_at"], "updated_at": r["updated_at"], "deleted_at": r["deleted_at"],
        })
    return dict(out)


# --- writes ------------------------------------------------------------------------------------------------------

async def _ensure_exists(conn: AsyncConnection, table: Table, ids: Sequence[str], label: str) -> None:
    wanted = [i for i in dict.fromkeys(ids) if i]
    if not wanted:
        return
    found = {r[0] for r in await conn.execute(select(table.c.id).where(table.c.id.in_(wanted),
                                                                           table.c.deleted_at.is_(None)))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise not_found(f"{label} with id: {', '.join(missing)} was not found")


async def _check_handle(conn: AsyncConnection, handle: str, *, exclude_id: str | None = None) -> None:
    stmt = select(product.c.id).where(product.c.handle == handle, product.c.deleted_at.is_(None))
    if exclude_id:
        stmt = stmt.where(product.c.id != exclude_id)
    if (await conn.execute(stmt)).first() is not None:
        from euryale.errors import duplicate
        raise duplicate(f"Product with handle: {handle}, already exists.")


async def _check_skus(conn: AsyncConnection, skus: Sequence[str], *, exclude_ids: Sequence[str] = ()) -> None:
    wanted = [s for s in skus if s]
    if len(set(wanted)) != len(wanted):
        raise invalid_data("Variant SKUs must be unique")
    if not wanted:
        return
    stmt = select(product_variant.c.sku).where(product_variant.c.sku.in_(wanted),
                                                product_variant.c.deleted_at.is_(None))
    if exclude_ids:
        stmt = stmt.where(product_variant.c.id.notin_(list(exclude_ids)))
    taken = [r[0] for r in await conn.execute(stmt)]
    if taken:
        from euryale.errors import duplicate
        raise duplicate(f"Product variant with sku: {taken[0]}, already exists.")


async def create_options(conn: AsyncConnection, *, product_id: str | None, options: Sequence[dict[str, Any]]
                         ) -> dict[str, dict[str, str]]:
    """Create options with their values; returns `{option title: {value: value id}}` plus `__id__` per title."""
    out: dict[str, dict[str, str]] = {}
    opt_rows, val_rows = [], []
    for o in options:
        title = o["title"]
        if title in out:
            raise invalid_data(f"Option {title} is defined more than once")
        oid = generate_id("opt")
        opt_rows.append({"id": oid, "title": title, "product_id": product_id, "metadata": o.get("metadata"),
                         "is_exclusive": o.get("is_exclusive", True)})
        out[title] = {"__id__": oid}
        for value in dict.fromkeys(o.get("values") or []):
            vid = generate_id("optval")
            val_rows.append({"id": vid, "value": value, "option_id": oid, "rank": None})
            out[title][value] = vid
    if opt_rows:
        await conn.execute(insert(product_option), opt_rows)
    if val_rows:
        await conn.execute(insert(product_option_value), val_rows)
    return out


async def product_option_map(conn: AsyncConnection, *, product_id: str) -> dict[str, dict[str, str]]:
    """`{option title: {"__id__": option id, value: value id}}` of a product's live options."""
    rows = await conn.execute(
        select(product_option.c.id, product_option.c.title, product_option_value.c.id.label("vid"),
               product_option_value.c.value)
        .select_from(product_option.outerjoin(product_option_value, (product_option_value.c.option_id
                                                                      == product_option.c.id)
                                              & product_option_value.c.deleted_at.is_(None)))
        .where(product_option.c.product_id == product_id, product_option.c.deleted_at.is_(None)))
    out: dict[str, dict[str, str]] = {}
    for r in rows:
        entry = out.setdefault(r.title, {"__id__": r.id})
        if r.vid:
            entry[r.value] = r.vid
    return out


def _variant_option_ids(option_map: dict[str, dict[str, str]], options: dict[str, str] | None,
                        variant_title: str) -> list[str]:
    chosen = options or {}
    ids = []
    for title, value in chosen.items():
        entry = option_map.get(title)
        if entry is None:
            raise invalid_data(f"Option {title} does not exist for the product")
        vid = entry.get(value)
        if vid is None:
            raise invalid_data(f"Option value {value} does not exist for option {title}")
        ids.append(vid)
    return ids


async def create_variants(conn: AsyncConnection, *, product_id: str, variants: Sequence[dict[str, Any]],
                          option_map: dict[str, dict[str, str]]) -> list[str]:
    """Insert variants of a product with their option values; returns ids in order."""
    await _check_skus(conn, [v.get("sku") or "" for v in variants])
    rows: list[dict[str, Any]] = []
    links: list[dict[str, str]] = []
    ids: list[str] = []
    combos: set[tuple[str, ...]] = set()
    for v in variants:
        vid = generate_id("variant")
        ids.append(vid)
        opt_ids = _variant_option_ids(option_map, v.get("options"), v["title"])
        if opt_ids:
            key = tuple(sorted(opt_ids))
            if key in combos:
                raise invalid_data(f"Variant with options {v.get('options')} already exists")
            combos.add(key)
        row = {k: v[k] for k in VARIANT_FIELDS if k in v}
        row.update(id=vid, product_id=product_id)
        rows.append(row)
        links.extend({"variant_id": vid, "option_value_id": oid} for oid in opt_ids)
    if rows:
        await conn.execute(insert(product_variant), rows)
    if links:
        await conn.execute(insert(product_variant_option), links)
    return ids


async def set_images(conn: AsyncConnection, *, product_id: str, images: Sequence[dict[str, Any]]) -> None:
    """Replace a product's images by the given URLs (rank = position)."""
    await conn.execute(update(image).where(image.c.product_id == product_id, image.c.deleted_at.is_(None))
                       .values(deleted_at=func.now()))
    rows = [{"id": im.get("id") or generate_id("img"), "url": im["url"], "metadata": im.get("metadata"),
             "product_id": product_id, "rank": i} for i, im in enumerate(images)]
    if rows:
        await conn.execute(insert(image), rows)


async def set_tags(conn: AsyncConnection, *, product_id: str, tag_ids: Sequence[str]) -> None:
    """Replace the product's tags (unknown tag ids → 404)."""
    await _ensure_exists(conn, product_tag, tag_ids, "Product tag")
    await conn.execute(product_tags.delete().where(product_tags.c.product_id == product_id))
    if tag_ids:
        await conn.execute(insert(product_tags), [{"product_id": product_id, "product_tag_id": t}
                                                  for t in dict.fromkeys(tag_ids)])


async def set_categories(conn: AsyncConnection, *, product_id: str, category_ids: Sequence[str]) -> None:
    """Replace the product's categories (unknown category ids → 404)."""
    await _ensure_exists(conn, product_category, category_ids, "Product category")
    await conn.execute(product_category_product.delete().where(product_category_product.c.product_id == product_id))
    if category_ids:
        await conn.execute(insert(product_category_product), [{"product_id": product_id, "product_category_id": c}
                                                              for c in dict.fromkeys(category_ids)])


async def create_product(conn: AsyncConnection, *, data: dict[str, Any]) -> tuple[str, list[str]]:
    """Insert a product with options, variants, images, tags and categories; returns (id, variant ids)."""
    pid = generate_id("prod")
    handle = data.get("handle") or slugify(data["title"])
    await _check_handle(conn, handle)
    await _ensure_exists(conn, product_collection, [data.get("collection_id") or ""], "Product collection")
    await _ensure_exists(conn, product_type, [data.get("type_id") or ""], "Product type")
    row = {k: data[k] for k in PRODUCT_FIELDS if k in data}
    for k in ("weight", "length", "height", "width"):
        if row.get(k) is not None:
            row[k] = str(row[k])
    row.update(id=pid, handle=handle, status=data.get("status") or "draft")
    images = data.get("images") or []
    if not row.get("thumbnail") and images:
        row["thumbnail"] = images[0]["url"]
    await conn.execute(insert(product).values(**row))
    option_map = await create_options(conn, product_id=pid, options=data.get("options") or [])
    variants = data.get("variants") or []
    variant_ids = await create_variants(conn, product_id=pid, variants=variants, option_map=option_map)
    await set_images(conn, product_id=pid, images=images)
    await set_tags(conn, product_id=pid, tag_ids=[t["id"] for t in data.get("tags") or []])
    await set_categories(conn, product_id=pid, category_ids=[c["id"] for c in data.get("categories") or []])
    return pid, variant_ids


async def update_product(conn: AsyncConnection, *, product_id: str, data: dict[str, Any]) -> None:
    """Update scalar fields and replace given relations (images, tags, categories)."""
    row = {k: data[k] for k in PRODUCT_FIELDS if k in data}
    for k in ("weight", "length", "height", "width"):
        if row.get(k) is not None:
            row[k] = str(row[k])
    if row.get("handle"):
        await _check_handle(conn, row["handle"], exclude_id=product_id)
    if "collection_id" in row:
        await _ensure_exists(conn, product_collection, [row["collection_id"] or ""], "Product collection")
    if "type_id" in row:
        await _ensure_exists(conn, product_type, [row["type_id"] or ""], "Product type")
    row["updated_at"] = func.now()
    await conn.execute(update(product).where(product.c.id == product_id).values(**row))
    if "images" in data:
        await set_images(conn, product_id=product_id, images=data["images"] or [])
    if "tags" in data:
        await set_tags(conn, product_id=product_id, tag_ids=[t["id"] for t in data["tags"] or []])
    if "categories" in data:
        await set_categories(conn, product_id=product_id, category_ids=[c["id"] for c in data["categories"] or []])


async def update_variant(conn: AsyncConnection, *, variant_id: str, data: dict[str, Any],
                         option_map: dict[str, dict[str, str]] | None = None) -> None:
    """Update a variant's fields and, with an option map, its option values."""
    row = {k: data[k] for k in VARIANT_FIELDS if k in data}
    if row.get("sku"):
        await _check_skus(conn, [row["sku"]], exclude_ids=[variant_id])
    row["updated_at"] = func.now()
    await conn.execute(update(product_variant).where(product_variant.c.id == variant_id).values(**row))
    if option_map is not None and data.get("options") is not None:
        ids = _variant_option_ids(option_map, data["options"], data.get("title", ""))
        await conn.execute(product_variant_option.delete().where(product_variant_option.c.variant_id == variant_id))
        if ids:
            await conn.execute(insert(product_variant_option), [{"variant_id": variant_id, "option_value_id": o}
                                                                for o in ids])


async def delete_variants(conn: AsyncConnection, *, variant_ids: Sequence[str]) -> None:
    """Soft-delete variants."""
    if variant_ids:
        await conn.execute(update(product_variant).where(product_variant.c.id.in_(list(variant_ids)),
                                                         product_variant.c.deleted_at.is_(None))
                           .values(deleted_at=func.now()))


async def delete_products(conn: AsyncConnection, *, product_ids: Sequence[str]) -> list[str]:
    """Soft-delete products and their variants/options/images; returns the deleted variant ids."""
    ids = list(product_ids)
    if not ids:
        return []
    variant_ids = [r[0] for r in await conn.execute(
        select(product_variant.c.id).where(product_variant.c.product_id.in_(ids),
                                           product_variant.c.deleted_at.is_(None)))]
    await delete_variants(conn, variant_ids=variant_ids)
    for table in (product_option, image):
        await conn.execute(update(table).where(table.c.product_id.in_(ids), table.c.deleted_at.is_(None))
                           .values(deleted_at=func.now()))
    await conn.execute(update(product).where(product.c.id.in_(ids)).values(deleted_at=func.now()))
    return variant_ids


async def product_exists(conn: AsyncConnection, *, product_id: str) -> bool:
    """Whether a live product has this id."""
    row = (await conn.execute(select(product.c.id).where(product.c.id == product_id,
                                                          product.c.deleted_at.is_(None)))).first()
    return row is not None


async def require_product(conn: AsyncConnection, *, product_id: str) -> None:
    """404 unless the product exists."""
    if not await product_exists(conn, product_id=product_id):
        raise not_found(f"Product with id: {product_id} was not found")


# --- collections, categories, tags, types, standalone options ------------------------------------------------------

TAXONOMY: dict[str, tuple[Table, str, tuple[str, ...], str]] = {
    # kind: (table, id prefix, writable fields, label)
    "collection": (product_collection, "pcol", ("title", "handle", "external_id", "metadata"), "Product collection"),
    "category": (product_category, "pcat", ("name", "description", "handle", "is_active", "is_internal", "rank",
                                            "parent_category_id", "metadata"), "Product category"),
    "tag": (product_tag, "ptag", ("value", "metadata"), "Product tag"),
    "type": (product_type, "ptyp", ("value", "metadata"), "Product type"),
    "option": (product_option, "opt", ("title", "is_exclusive", "metadata"), "Product option"),
}


async def require_row(conn: AsyncConnection, kind: str, row_id: str) -> dict[str, Any]:
    """A live collection/category/tag/type/option row, or 404."""
    table, _, _, label = TAXONOMY[kind]
    row = (await conn.execute(select(table).where(table.c.id == row_id, table.c.deleted_at.is_(None)))
           ).mappings().first()
    if row is None:
        raise not_found(f"{label} with id: {row_id} was not found")
    return dict(row)


async def _unique(conn: AsyncConnection, kind: str, column: str, value: Any, exclude_id: str | None) -> None:
    table, _, _, label = TAXONOMY[kind]
    stmt = select(table.c.id).where(table.c[column] == value, table.c.deleted_at.is_(None))
    if exclude_id:
        stmt = stmt.where(table.c.id != exclude_id)
    if (await conn.execute(stmt)).first() is not None:
        from euryale.errors import duplicate
        raise duplicate(f"{label} with {column}: {value}, already exists.")


async def _category_mpath(conn: AsyncConnection, parent_id: str | None, own_id: str) -> str:
    if not parent_id:
        return own_id
    parent = await require_row(conn, "category", parent_id)
    if own_id in str(parent["mpath"]).split("."):
        raise invalid_data("A category cannot be its own ancestor")
    return f"{parent['mpath']}.{own_id}"


async def create_row(conn: AsyncConnection, kind: str, data: dict[str, Any]) -> str:
    """Create a collection / category / tag / type / standalone option (with `values`)."""
    table, prefix, fields, _ = TAXONOMY[kind]
    row_id = generate_id(prefix)
    values = {k: data[k] for k in fields if k in data}
    if kind in ("collection", "category"):
        values["handle"] = values.get("handle") or slugify(str(values.get("title") or values.get("name") or ""))
        await _unique(conn, kind, "handle", values["handle"], None)
    if kind in ("tag", "type"):
        await _unique(conn, kind, "value", values["value"], None)
    if kind == "category":
        values["mpath"] = await _category_mpath(conn, values.get("parent_category_id"), row_id)
    await conn.execute(insert(table).values(id=row_id, **values))
    if kind == "option" and data.get("values"):
        await conn.execute(insert(product_option_value), [
            {"id": generate_id("optval"), "value": v, "option_id": row_id} for v in dict.fromkeys(data["values"])])
    return row_id


async def update_row(conn: AsyncConnection, kind: str, row_id: str, data: dict[str, Any]) -> None:
    """Update a collection/category/tag/type/option (uniqueness and category paths kept)."""
    table, _, fields, _ = TAXONOMY[kind]
    await require_row(conn, kind, row_id)
    values = {k: data[k] for k in fields if k in data}
    if values.get("handle"):
        await _unique(conn, kind, "handle", values["handle"], row_id)
    if kind in ("tag", "type") and values.get("value"):
        await _unique(conn, kind, "value", values["value"], row_id)
    if kind == "category" and "parent_category_id" in values:
        values["mpath"] = await _category_mpath(conn, values["parent_category_id"], row_id)
    await conn.execute(update(table).where(table.c.id == row_id).values(**values, updated_at=func.now()))
    if kind == "option" and data.get("values") is not None:
        current = {r.value: r.id for r in await conn.execute(select(product_option_value.c.id,
                                                                    product_option_value.c.value).where(
            product_option_value.c.option_id == row_id, product_option_value.c.deleted_at.is_(None)))}
        wanted = list(dict.fromkeys(data["values"]))
        gone = [vid for v, vid in current.items() if v not in wanted]
        if gone:
            await conn.execute(update(product_option_value).where(product_option_value.c.id.in_(gone))
                               .values(deleted_at=func.now()))
        new = [v for v in wanted if v not in current]
        if new:
            await conn.execute(insert(product_option_value), [
                {"id": generate_id("optval"), "value": v, "option_id": row_id} for v in new])


async def delete_row(conn: AsyncConnection, kind: str, row_id: str) -> None:
    """Soft-delete; products of a deleted collection/type lose the reference, tags/categories their joins."""
    table, _, _, _ = TAXONOMY[kind]
    await require_row(conn, kind, row_id)
    await conn.execute(update(table).where(table.c.id == row_id).values(deleted_at=func.now()))
    if kind == "collection":
        await conn.execute(update(product).where(product.c.collection_id == row_id).values(collection_id=None))
    elif kind == "type":
        await conn.execute(update(product).where(product.c.type_id == row_id).values(type_id=None))
    elif kind == "tag":
        await conn.execute(product_tags.delete().where(product_tags.c.product_tag_id == row_id))
    elif kind == "category":
        await conn.execute(product_category_product.delete().where(
            product_category_product.c.product_category_id == row_id))
    elif kind == "option":
        await conn.execute(update(product_option_value).where(product_option_value.c.option_id == row_id)
                           .values(deleted_at=func.now()))


async def set_collection_products(conn: AsyncConnection, *, collection_id: str, add: Sequence[str],
                                  remove: Sequence[str]) -> None:
    """Move products into (add) or out of (remove) a collection."""
    await require_row(conn, "collection", collection_id)
    if add:
        await conn.execute(update(product).where(product.c.id.in_(list(add))).values(collection_id=collection_id))
    if remove:
        await conn.execute(update(product).where(product.c.id.in_(list(remove)),
                                                 product.c.collection_id == collection_id).values(collection_id=None))


async def set_category_products(conn: AsyncConnection, *, category_id: str, add: Sequence[str],
                                remove: Sequence[str]) -> None:
    """Add products to / remove them from a category."""
    await require_row(conn, "category", category_id)
    if remove:
        await conn.execute(product_category_product.delete().where(
            product_category_product.c.product_category_id == category_id,
            product_category_product.c.product_id.in_(list(remove))))
    if add:
        have = {r[0] for r in await conn.execute(select(product_category_product.c.product_id).where(
            product_category_product.c.product_category_id == category_id,
            product_category_product.c.product_id.in_(list(add))))}
        rows = [{"product_id": p, "product_category_id": category_id} for p in dict.fromkeys(add) if p not in have]
        if rows:
            await conn.execute(insert(product_category_product), rows)


async def set_variant_images(conn: AsyncConnection, *, product_id: str, pairs_add: Sequence[tuple[str, str]],
                             pairs_remove: Sequence[tuple[str, str]]) -> None:
    """Attach / detach (variant id, image id) pairs; both must belong to the product."""
    from euryale.modules.product.models import product_variant_product_image as pvi
    pairs = list(pairs_add) + list(pairs_remove)
    variant_ids = list({v for v, _ in pairs})
    image_ids = list({i for _, i in pairs})
    if variant_ids:
        found = {r[0] for r in await conn.execute(select(product_variant.c.id).where(
            product_variant.c.id.in_(variant_ids), product_variant.c.product_id == product_id,
            product_variant.c.deleted_at.is_(None)))}
        missing = [v for v in variant_ids if v not in found]
        if missing:
            raise not_found(f"Variant with id: {', '.join(missing)} was not found")
    if image_ids:
        found = {r[0] for r in await conn.execute(select(image.c.id).where(
            image.c.id.in_(image_ids), image.c.product_id == product_id, image.c.deleted_at.is_(None)))}
        missing = [i for i in image_ids if i not in found]
        if missing:
            raise not_found(f"Image with id: {', '.join(missing)} was not found")
    for v, i in pairs_remove:
        await conn.execute(update(pvi).where(pvi.c.variant_id == v, pvi.c.image_id == i, pvi.c.deleted_at.is_(None))
                           .values(deleted_at=func.now()))
    if pairs_add:
        have = {(r.variant_id, r.image_id) for r in await conn.execute(select(pvi.c.variant_id, pvi.c.image_id).where(
            pvi.c.variant_id.in_([v for v, _ in pairs_add]), pvi.c.deleted_at.is_(None)))}
        rows = [{"id": generate_id("pvimg"), "variant_id": v, "image_id": i} for v, i in dict.fromkeys(pairs_add)
                if (v, i) not in have]
        if rows:
            await conn.execute(insert(pvi), rows)


async def upsert_options(conn: AsyncConnection, *, product_id: str, options: Sequence[dict[str, Any]]) -> None:
    """Product update `options`: matched by id or title get their title and missing values; others are created.

    Options not listed are kept (variants may still use their values)."""
    current = await product_option_map(conn, product_id=product_id)
    by_id = {entry["__id__"]: title for title, entry in current.items()}
    new: list[dict[str, Any]] = []
    for o in options:
        title = by_id.get(o.get("id") or "") or (o["title"] if o["title"] in current else None)
        if title is None:
            new.append(o)
            continue
        entry = current[title]
        if o["title"] != title:
            await conn.execute(update(product_option).where(product_option.c.id == entry["__id__"])
                               .values(title=o["title"], updated_at=func.now()))
        missing = [v for v in dict.fromkeys(o.get("values") or []) if v not in entry]
        if missing:
            await conn.execute(insert(product_option_value), [
                {"id": generate_id("optval"), "value": v, "option_id": entry["__id__"]} for v in missing])
    if new:
        await create_options(conn, product_id=product_id, options=new)
