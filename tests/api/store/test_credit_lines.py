"""Credit lines: an order's (POST /admin/orders/:id/credit-lines, refunds beyond what is owed) are served on the
store's order reads with the totals that account for them; a cart's (the cart module's credit lines) lower its
total, let a fully credited cart complete without payment and become the order's."""

from __future__ import annotations

import httpx

from euryale.container import Container
from tests.api.admin.order_factory import admin_headers
from tests.api.store.test_checkout import checkout_cart
from tests.support.commerce import make_shop


async def test_store_order_reads_serve_credit_lines_and_their_totals(client: httpx.AsyncClient,
                                                                     container: Container) -> None:
    shop = await make_shop(container, prices=[32])
    pc = await checkout_cart(client, shop)
    order = (await client.post(f"/store/carts/{pc['cart_id']}/complete", headers=shop.headers)).json()["order"]
    assert order["credit_lines"] == [] and order["total"] == 42
    r = await client.post(f"/admin/orders/{order['id']}/credit-lines", headers=admin_headers(container),
                          json={"amount": 7, "reference": "goodwill", "reference_id": "ticket-9"})
    assert r.status_code == 200, r.text
    r = await client.get(f"/store/orders/{order['id']}", headers=shop.headers,
                         params={"fields": "*credit_lines,+credit_line_total,+total"})
    assert r.status_code == 200, r.text
    got = r.json()["order"]
    assert [(c["amount"], c["reference"], c["reference_id"]) for c in got["credit_lines"]] == [
        (7, "goodwill", "ticket-9")]
    assert got["credit_line_total"] == 7 and got["total"] == 35
