"""Export orders to a CSV file stored by the file module (Medusa's `export-orders` workflow)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from euryale.db import Database
from euryale.modules.file import file_service
from euryale.query.admin_orders import list_admin_orders

COLUMNS = ("Order ID", "Display ID", "Status", "Payment Status", "Fulfillment Status", "Email", "Currency Code",
           "Subtotal", "Shipping Total", "Tax Total", "Discount Total", "Total", "Created At")
PAGE = 200


def _row(o: Mapping[str, Any]) -> list[Any]:
    created = o["created_at"].isoformat() if o.get("created_at") else ""
    return [o["id"], o["display_id"], o["status"], o["payment_status"], o["fulfillment_status"], o["email"] or "",
            o["currency_code"], o["subtotal"], o["shipping_total"], o["tax_total"], o["discount_total"], o["total"],
            created]


async def export_orders(db: Database, *, filters: Mapping[str, Any], container: Any) -> dict[str, str]:
    """Write every matching order (page by page) to `orders-export.csv`; returns the stored file `{id, url}`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    offset = 0
    async with db.read() as conn:
        while True:
            rows, count = await list_admin_orders(conn, filters=filters, limit=PAGE, offset=offset, order=None,
                                                  fields=None)
            writer.writerows(_row(o) for o in rows)
            offset += PAGE
            if offset >= count:
                break
    return await file_service(container).upload(filename="orders-export.csv",
                                                content=buffer.getvalue().encode(), mime_type="text/csv")
