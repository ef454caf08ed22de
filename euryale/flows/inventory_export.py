"""Export inventory items (with their stock per location) to a CSV file in the file module, as the registered
workflow `export-inventory-items` (so the run shows up in `/admin/workflows-executions`)."""

from __future__ import annotations

import csv
import io
from typing import Any

from euryale.http.query import ListParams
from euryale.modules.file import file_service
from euryale.query.engine import list_resource
from euryale.query.logistics import inventory_item_resource
from euryale.workflows import StepContext, StepResponse, step, workflow

WORKFLOW_ID = "export-inventory-items"
COLUMNS = ("Inventory Item Id", "SKU", "Title", "Description", "Requires Shipping", "Location Id",
           "Stocked Quantity", "Reserved Quantity", "Incoming Quantity", "Available Quantity")
PAGE = 200
ITEMS = inventory_item_resource()


async def export_inventory_items(container: Any, *, filters: dict[str, Any]) -> dict[str, str]:
    """One CSV row per item and location level (an item without levels gets one row); returns the file `{id, url}`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    sel = ITEMS.selection(None)
    offset = 0
    async with container.database().read() as conn:
        while True:
            params = ListParams(limit=PAGE, offset=offset, order=None, fields=None)
            rows, count = await list_resource(conn, ITEMS, query=filters, params=params, sel=sel)
            for item in rows:
                base = [item["id"], item.get("sku") or "", item.get("title") or "", item.get("description") or "",
                        "true" if item.get("requires_shipping") else "false"]
                levels = item.get("location_levels") or [{}]
                for lv in levels:
                    writer.writerow([*base, lv.get("location_id", ""), lv.get("stocked_quantity", ""),
                                     lv.get("reserved_quantity", ""), lv.get("incoming_quantity", ""),
                                     lv.get("available_quantity", "")])
            offset += PAGE
            if offset >= count:
                break
    return await file_service(container).upload(filename="inventory-items-export.csv",
                                                content=buffer.getvalue().encode(), mime_type="text/csv")


@step(f"{WORKFLOW_ID}-step")
async def _export_step(ctx: StepContext, input: Any) -> StepResponse:
    return StepResponse(await export_inventory_items(ctx.container, filters=dict(input.get("filters") or {})))


workflow(WORKFLOW_ID, steps=[_export_step])


async def start_export(container: Any, *, filters: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Run the export; answers the execution's transaction id and the stored file."""
    result = await container.resolve("workflows").run(WORKFLOW_ID, input={"filters": filters})
    return str(result.transaction_id), result.result
