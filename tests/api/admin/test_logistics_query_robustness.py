"""No `fields`, `order`, filter or pagination value makes a logistics list route answer 500."""

from __future__ import annotations

import httpx
import pytest

from euryale.container import Container
from tests.support.logistics import admin_headers

LISTS = ["/admin/stock-locations", "/admin/inventory-items", "/admin/reservations", "/admin/shipping-options",
         "/admin/shipping-profiles", "/admin/shipping-option-types", "/admin/fulfillment-providers",
         "/admin/tax-regions", "/admin/tax-rates", "/admin/promotions", "/admin/campaigns"]
ODD = [
    "fields=*nope,+ghost,-id", "fields=a.b.c.d.e", "order=-nope", "order=created_at,-updated_at", "q[]=x&q[]=y",
    "created_at[$gte]=not-a-date", "created_at[$weird]=1", "id[]=a&id[]=b", "limit=abc", "offset=-3",
    "with_deleted=true", "id=null", "location_levels[location_id][]=sloc_x", "stock_location_id=sloc_x",
    "is_return=true", "admin_only=true", "fields=", "limit=1000000",
]


@pytest.mark.parametrize("path", LISTS)
async def test_odd_query_values_never_500(client: httpx.AsyncClient, container: Container, path: str) -> None:
    h = admin_headers(container)
    for q in ODD:
        res = await client.get(f"{path}?{q}", headers=h)
        assert res.status_code in (200, 400), (path, q, res.status_code, res.text)
        if res.status_code == 400:
            assert res.json()["type"] == "invalid_data", (path, q)


BAD_BODIES: list[tuple[str, object]] = [
    ("/admin/stock-locations", {"name": 1}), ("/admin/stock-locations", []),
    ("/admin/stock-locations", {"name": "x", "address": {"city": "no address_1"}}),
    ("/admin/shipping-profiles", {"name": "x"}), ("/admin/shipping-option-types", {"label": "x"}),
    ("/admin/shipping-options", {"name": "x"}),
    ("/admin/shipping-options", {"name": "x", "service_zone_id": "serzo_no", "shipping_profile_id": "sp_no",
                                 "provider_id": "manual_manual", "type_id": "sotype_no",
                                 "prices": [{"currency_code": "eur", "amount": "ten"}]}),
    ("/admin/inventory-items", {"sku": ["a"]}), ("/admin/inventory-items", {"location_levels": [{"x": 1}]}),
    ("/admin/inventory-items", {"location_levels": [{"location_id": "sloc_x", "stocked_quantity": 1.5}]}),
    ("/admin/reservations", {"quantity": 1}),
    ("/admin/reservations", {"inventory_item_id": "iitem_no", "location_id": "sloc_no", "quantity": 1}),
    ("/admin/tax-regions", {"province_code": "x"}), ("/admin/tax-regions", {"country_code": "zz", "parent_id": "no"}),
    ("/admin/tax-rates", {"tax_region_id": "txreg_no", "code": "c", "name": "n", "rate": "high"}),
    ("/admin/promotions", {"code": "X", "type": "standard"}),
    ("/admin/promotions", {"code": "X", "type": "standard", "campaign_id": "procamp_no",
                           "application_method": {"type": "fixed", "target_type": "order", "value": 1}}),
    ("/admin/campaigns", {"name": "x"}),
    ("/admin/campaigns", {"name": "x", "campaign_identifier": "y", "starts_at": "yesterday"}),
    ("/admin/fulfillment-sets/fuset_no/service-zones", {"name": "z", "geo_zones": [{"country_code": "de"}]}),
    ("/admin/stock-locations/sloc_no/fulfillment-sets", {"name": "s", "type": "shipping"}),
    ("/admin/inventory-items/iitem_no/location-levels/batch", {"create": [{"location_id": "sloc_no"}]}),
    ("/admin/inventory-items/location-levels/batch", {"update": [{"inventory_item_id": "iitem_no",
                                                                  "location_id": "sloc_no"}]}),
    ("/admin/promotions/promo_no/rules/batch", {"delete": ["x"]}),
    ("/admin/shipping-options/so_no/rules/batch", {"delete": ["x"]}),
    ("/admin/tax-rates/txr_no/rules", {"reference": "product", "reference_id": "p"}),
    ("/admin/campaigns/procamp_no/promotions", {"add": ["promo_no"]}),
]


@pytest.mark.parametrize(("path", "body"), BAD_BODIES, ids=[f"{i}-{p}" for i, (p, _) in enumerate(BAD_BODIES)])
async def test_bad_bodies_answer_4xx(client: httpx.AsyncClient, container: Container, path: str,
                                     body: object) -> None:
    res = await client.post(path, headers=admin_headers(container), json=body)
    assert res.status_code in (400, 404, 422), (path, body, res.status_code, res.text)
    assert res.json()["type"] in ("invalid_data", "not_found", "duplicate_error", "not_allowed")
