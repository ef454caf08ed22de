"""Product import / export as CSV (Medusa's format: one row per variant), run as background workflows.

- `export-products`: read the products (admin filters), write the CSV through the file module, post a `feed`
  notification with the file, return `{file}`.
- `import-products`: parse + validate the CSV up front (so the HTTP call can answer the summary), then wait on the
  async step `confirm-import` until `/admin/products/import(s)/:transaction_id/confirm`, then create and update
  the products in one transaction.
Progress is the workflow execution (`/admin/workflows-executions`).
"""

from __future__ import annotations

import asyncio
import csv
import io
from decimal import Decimal, InvalidOperation
from typing import Any

import structlog
from sqlalchemy import select

from euryale.errors import invalid_data
from euryale.flows import products as product_flows
from euryale.http.query import ListParams
from euryale.ids import generate_id
from euryale.modules.product.models import product
from euryale.query.engine import list_resource
from euryale.query.products import product_resource
from euryale.workflows import StepResponse, step, workflow

log = structlog.get_logger("euryale.product_csv")
PRODUCT_COLUMNS = [("Product Id", "id"), ("Product Handle", "handle"), ("Product Title", "title"),
                   ("Product Subtitle", "subtitle"), ("Product Description", "description"),
                   ("Product Status", "status"), ("Product Thumbnail", "thumbnail"), ("Product Weight", "weight"),
                   ("Product Length", "length"), ("Product Width", "width"), ("Product Height", "height"),
                   ("Product HS Code", "hs_code"), ("Product Origin Country", "origin_country"),
                   ("Product MID Code", "mid_code"), ("Product Material", "material"),
                   ("Product Collection Id", "collection_id"), ("Product Type Id", "type_id"),
                   ("Product Discountable", "discountable"), ("Product External Id", "external_id"),
                   ("Product Is Giftcard", "is_giftcard")]
VARIANT_COLUMNS = [("Variant Id", "id"), ("Variant Title", "title"), ("Variant SKU", "sku"),
                   ("Variant Barcode", "barcode"), ("Variant EAN", "ean"), ("Variant UPC", "upc"),
                   ("Variant Allow Backorder", "allow_backorder"), ("Variant Manage Inventory", "manage_inventory"),
                   ("Variant Weight", "weight"), ("Variant Length", "length"), ("Variant Width", "width"),
                   ("Variant Height", "height"), ("Variant HS Code", "hs_code"),
                   ("Variant Origin Country", "origin_country"), ("Variant MID Code", "mid_code"),
                   ("Variant Material", "material"), ("Variant Rank", "variant_rank")]
BOOLEANS = {"discountable", "is_giftcard", "allow_backorder", "manage_inventory"}
NUMBERS = {"weight", "length", "width", "height"}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):  # numerics of rows PostgreSQL built as JSON (`query.json_sql`)
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    return str(value)


def products_to_csv(products: list[dict[str, Any]]) -> str:
    """One row per variant (a product without variants gets one row), Medusa's column names."""
    max_tags = max((len(p.get("tags") or []) for p in products), default=0)
    max_images = max((len(p.get("images") or []) for p in products), default=0)
    max_channels = max((len(p.get("sales_channels") or []) for p in products), default=0)
    max_options = max((len(v.get("options") or []) for p in products for v in p.get("variants") or []), default=0)
    currencies = sorted({pr["currency_code"] for p in products for v in p.get("variants") or []
                         for pr in v.get("prices") or [] if not pr.get("rules")})
    header = [h for h, _ in PRODUCT_COLUMNS]
    header += [f"Product Tag {i + 1}" for i in range(max_tags)]
    header += [f"Product Image {i + 1}" for i in range(max_images)]
    header += [f"Product Sales Channel {i + 1}" for i in range(max_channels)]
    header += [h for h, _ in VARIANT_COLUMNS]
    header += [f"Variant Price {c.upper()}" for c in currencies]
    for i in range(max_options):
        header += [f"Variant Option {i + 1} Name", f"Variant Option {i + 1} Value"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for p in products:
        base = [_cell(p.get(k)) for _, k in PRODUCT_COLUMNS]
        base += [_cell(t.get("value")) for t in p.get("tags") or []] + [""] * (max_tags - len(p.get("tags") or []))
        base += [_cell(i.get("url")) for i in p.get("images") or []] + [""] * (max_images - len(p.get("images") or []))
        base += [_cell(c.get("id")) for c in p.get("sales_channels") or []] + \
            [""] * (max_channels - len(p.get("sales_channels") or []))
        for v in p.get("variants") or [{}]:
            row = base + [_cell(v.get(k)) for _, k in VARIANT_COLUMNS]
            prices = {pr["currency_code"]: pr["amount"] for pr in v.get("prices") or [] if not pr.get("rules")}
            row += [_cell(prices.get(c)) for c in currencies]
            opts = v.get("options") or []
            for i in range(max_options):
                if i < len(opts):
                    row += [_cell((opts[i].get("option") or {}).get("title")), _cell(opts[i].get("value"))]
                else:
                    row += ["", ""]
            writer.writerow(row)
    return out.getvalue()


def _value(key: str, raw: str, line: int) -> Any:
    if raw == "":
        return None
    if key in BOOLEANS:
        if raw.strip().lower() not in ("true", "false"):
            raise invalid_data(f"Row {line}: expected TRUE or FALSE for {key}, got '{raw}'")
        return raw.strip().lower() == "true"
    if key in NUMBERS or key == "variant_rank":
        try:
            return int(raw) if key == "variant_rank" else Decimal(raw)
        except (ValueError, InvalidOperation):
            raise invalid_data(f"Row {line}: invalid number '{raw}' for {key}") from None
    return raw


def parse_csv(text: str) -> list[dict[str, Any]]:
    """CSV → product payloads (`id` set for updates), variants grouped under their product."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "Product Handle" not in reader.fieldnames and "Product Id" not in reader.fieldnames:
        raise invalid_data("Invalid CSV: a 'Product Id' or 'Product Handle' column is required")
    products: dict[str, dict[str, Any]] = {}
    for line, row in enumerate(reader, start=2):
        key = (row.get("Product Id") or "").strip() or (row.get("Product Handle") or "").strip()
        if not key:
            raise invalid_data(f"Row {line}: 'Product Id' or 'Product Handle' is required")
        entry = products.get(key)
        if entry is None:
            entry = {k: _value(k, row.get(h) or "", line) for h, k in PRODUCT_COLUMNS if h in row}
            entry = {k: v for k, v in entry.items() if v is not None}
            entry["tags"] = [v for h, v in row.items() if h and h.startswith("Product Tag ") and v]
            entry["images"] = [{"url": v} for h, v in row.items() if h and h.startswith("Product Image ") and v]
            channels = [{"id": v} for h, v in row.items() if h and h.startswith("Product Sales Channel ") and v]
            if channels:
                entry["sales_channels"] = channels
            entry["variants"] = []
            entry["__options__"] = {}
            products[key] = entry
        variant = {k: _value(k, row.get(h) or "", line) for h, k in VARIANT_COLUMNS if h in row}
        variant = {k: v for k, v in variant.items() if v is not None}
        if not variant:
            continue
        prices = []
        options: dict[str, str] = {}
        for header, raw in row.items():
            if not header or not raw:
                continue
            if header.startswith("Variant Price "):
                try:
                    prices.append({"currency_code": header.removeprefix("Variant Price ").strip().lower(),
                                   "amount": Decimal(raw)})
                except InvalidOperation:
                    raise invalid_data(f"Row {line}: invalid price '{raw}' in '{header}'") from None
            elif header.startswith("Variant Option ") and header.endswith(" Name"):
                value = row.get(header.removesuffix(" Name") + " Value") or ""
                options[raw] = value
        variant["prices"] = prices
        variant["options"] = options
        for name, value in options.items():
            entry["__options__"].setdefault(name, [])
            if value not in entry["__options__"][name]:
                entry["__options__"][name].append(value)
        if "title" not in variant:
            variant["title"] = " / ".join(options.values()) or entry.get("title") or "Default variant"
        entry["variants"].append(variant)
    out = []
    for entry in products.values():
        opts = entry.pop("__options__")
        if not entry.get("id"):
            if not entry.get("title"):
                raise invalid_data(f"Product {entry.get('handle')}: 'Product Title' is required to create it")
            entry["options"] = [{"title": k, "values": v} for k, v in opts.items()]
        out.append(entry)
    return out


async def import_summary(conn: Any, items: list[dict[str, Any]]) -> dict[str, int]:
    """`{toCreate, toUpdate}`; unknown product ids are refused up front."""
    ids = [i["id"] for i in items if i.get("id")]
    if ids:
        found = {r[0] for r in await conn.execute(select(product.c.id).where(product.c.id.in_(ids),
                                                                             product.c.deleted_at.is_(None)))}
        missing = [i for i in ids if i not in found]
        if missing:
            raise invalid_data(f"Products with ids {', '.join(missing)} do not exist")
    return {"toCreate": len(items) - len(ids), "toUpdate": len(ids)}


async def _tag_ids(conn: Any, values: list[str]) -> list[dict[str, str]]:
    """Tags by value, created when missing (as Medusa's import does)."""
    from euryale.modules.product import service as products
    from euryale.modules.product.models import product_tag
    out = []
    for value in dict.fromkeys(values):
        row = (await conn.execute(select(product_tag.c.id).where(product_tag.c.value == value,
                                                                 product_tag.c.deleted_at.is_(None)))).first()
        out.append({"id": row.id if row is not None else await products.create_row(conn, "tag", {"value": value})})
    return out


@step("normalize-product-csv")
async def _normalize(ctx: Any, input: dict[str, Any]) -> StepResponse:
    return StepResponse({"count": len(input["items"])})


@step("confirm-import", is_async=True)
async def _wait_for_confirmation(ctx: Any, input: dict[str, Any]) -> StepResponse:
    return StepResponse(None)


@step("import-products")
async def _import(ctx: Any, input: dict[str, Any]) -> StepResponse:
    created: list[str] = []
    updated: list[str] = []
    async with ctx.container.database().transaction() as conn:
        to_create = []
        for item in input["items"]:
            item = dict(item)
            item["tags"] = await _tag_ids(conn, item.get("tags") or [])
            for v in item.get("variants") or []:
                for p in v.get("prices") or []:
                    p["amount"] = Decimal(str(p["amount"]))
            if item.get("id"):
                pid = item.pop("id")
                variants = item.pop("variants", None) or []
                from euryale.modules.product import service as products
                await products.update_product(conn, product_id=pid, data=item)
                if variants:
                    await product_flows.upsert_variants_in(conn, pid, variants)
                updated.append(pid)
            else:
                to_create.append(item)
        created = await product_flows.create_products_in(conn, to_create)
    from euryale.query.cache import bump_catalog_version
    await bump_catalog_version(ctx.container)
    return StepResponse({"created": created, "updated": updated})


@step("generate-product-csv")
async def _generate(ctx: Any, input: dict[str, Any]) -> StepResponse:
    from euryale.modules.file import file_service
    resource = product_resource(store=False)
    sel = resource.selection("*variants,*variants.prices,*variants.options,*tags,*images,*sales_channels",
                             store=False)
    rows: list[dict[str, Any]] = []
    async with ctx.container.database().read() as conn:
        offset = 0
        while True:
            page, count = await list_resource(conn, resource, query=dict(input.get("filters") or {}),
                                              params=ListParams(limit=200, offset=offset, order="created_at",
                                                                fields=None), sel=sel)
            rows += page
            offset += 200
            if offset >= count:
                break
    content = products_to_csv(rows).encode()
    filename = f"{input['transaction_id']}-product-exports.csv"
    stored = await file_service(ctx.container).upload(filename=filename, content=content, mime_type="text/csv")
    return StepResponse({"file": {**stored, "filename": filename, "mime_type": "text/csv"}, "count": len(rows)})


@step("notify-product-export")
async def _notify(ctx: Any, input: dict[str, Any]) -> StepResponse:
    from euryale.modules.notification.service import notification_service
    file = ctx.results["generate-product-csv"]["file"]
    try:
        await notification_service(ctx.container).create_notifications([{
            "to": "", "channel": "feed", "template": "admin-ui",
            "data": {"title": "Product export", "description": "Product export completed successfully!",
                     "file": {"filename": file["filename"], "url": file.get("url"), "mimeType": "text/csv"}}}])
    except Exception as exc:  # no feed provider configured: the file is still in the workflow result
        log.info("product export notification skipped", error=str(exc))
    return StepResponse(None)


export_products = workflow("export-products", steps=[_generate, _notify],
                           result=lambda inp, res: res["generate-product-csv"])
import_products = workflow("import-products", steps=[_normalize, _wait_for_confirmation, _import],
                           result=lambda inp, res: res["import-products"])

_background: set[asyncio.Task[Any]] = set()


def start_in_background(container: Any, workflow_id: str, input: dict[str, Any], transaction_id: str) -> None:
    """Run a workflow without holding the request (the execution row shows its progress)."""
    engine = container.resolve("workflows")

    async def run() -> None:
        try:
            await engine.run(workflow_id, input=input, transaction_id=transaction_id, throw_on_error=False)
        except Exception:
            log.exception("background workflow failed", workflow_id=workflow_id, transaction_id=transaction_id)

    task = asyncio.create_task(run())
    _background.add(task)
    task.add_done_callback(_background.discard)


def new_transaction_id() -> str:
    """A fresh workflow transaction id."""
    return generate_id("tx")


async def start_import(container: Any, text: str) -> tuple[str, dict[str, int]]:
    """Validate the CSV and start the import workflow, which waits for confirmation."""
    items = parse_csv(text)
    async with container.database().read() as conn:
        summary = await import_summary(conn, items)
    transaction_id = new_transaction_id()
    payload = _jsonable(items)
    engine = container.resolve("workflows")
    # runs until the async confirmation step, so the execution exists before we answer
    await engine.run("import-products", input={"items": payload}, transaction_id=transaction_id,
                     throw_on_error=False)
    return transaction_id, summary


async def confirm_import(container: Any, transaction_id: str) -> None:
    """Release the import workflow's confirmation step (it then creates/updates the products)."""
    engine = container.resolve("workflows")
    await engine.set_step_success(transaction_id, "confirm-import", None, workflow_id="import-products",
                                  throw_on_error=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


__all__ = ["export_products", "import_products"]
