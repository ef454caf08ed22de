"""Which shipping options a cart sees, and their flat prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from euryale.container import Container
from euryale.errors import MedusaError
from euryale.ids import generate_id
from euryale.modules.fulfillment import service as fulfillment
from tests.support.logistics import make_location, make_sales_channel, make_shipping_option


async def test_geo_zone_match_sales_channel_and_rules(container: Container) -> None:
    region = generate_id("reg")
    async with container.database().transaction() as conn:
        sc = await make_sales_channel(conn)
        loc = await make_location(conn, sales_channel_id=sc)
        de = await make_shipping_option(conn, location_id=loc, geo_zones=[{"type": "country", "country_code": "DE"}],
                                        prices=[{"currency_code": "eur", "amount": 10},
                                                {"currency_code": "eur", "amount": 7, "region_id": region}])
        by = await make_shipping_option(conn, location_id=loc, geo_zones=[
            {"type": "province", "country_code": "de", "province_code": "de-by"}],
            prices=[{"currency_code": "eur", "amount": 4}])
        hidden = await make_shipping_option(conn, location_id=loc, geo_zones=[{"country_code": "de"}],
                                            prices=[{"currency_code": "eur", "amount": 1}],
                                            rules=[{"attribute": "enabled_in_store", "operator": "eq",
                                                    "value": "false"}])

        berlin = await fulfillment.list_shipping_options_for_context(
            conn, sales_channel_id=sc, address={"country_code": "de", "city": "Berlin"})
        munich = await fulfillment.list_shipping_options_for_context(
            conn, sales_channel_id=sc, address={"country_code": "DE", "province": "DE-BY"})
        france = await fulfillment.list_shipping_options_for_context(
            conn, sales_channel_id=sc, address={"country_code": "fr"})
        other_channel = await fulfillment.list_shipping_options_for_context(
            conn, sales_channel_id=generate_id("sc"), address={"country_code": "de"})
        assert {o["id"] for o in berlin} == {de}
        assert {o["id"] for o in munich} == {de, by}
        assert hidden not in {o["id"] for o in munich}
        assert france == [] and other_channel == []
        option = next(o for o in berlin if o["id"] == de)
        assert (option["provider"]["id"], option["provider"]["is_enabled"]) == ("manual_manual", True)
        assert option["type"]["code"] == "standard"
        assert option["service_zone"]["fulfillment_set"]["location"] == {"id": loc}
        assert {(r["attribute"], r["value"]) for r in option["rules"]} == {("enabled_in_store", "true"),
                                                                          ("is_return", "false")}

        prices = await fulfillment.shipping_option_prices(conn, option_ids=[de, by], currency_code="EUR",
                                                          region_id=region)
        assert prices == {de: Decimal(7), by: Decimal(4)}
        prices = await fulfillment.shipping_option_prices(conn, option_ids=[de], currency_code="eur", region_id=None)
        assert prices == {de: Decimal(10)}
        assert await fulfillment.shipping_option_prices(conn, option_ids=[de], currency_code="usd",
                                                        region_id=None) == {}


async def test_fulfillment_lifecycle(container: Container) -> None:
    async with container.database().transaction() as conn:
        loc = await make_location(conn)
        order_id = generate_id("order")
        ful = await fulfillment.create_fulfillment(
            conn, location_id=loc, provider_id="manual_manual", order_id=order_id,
            delivery_address={"first_name": "Ada", "country_code": "de", "city": "Berlin"},
            items=[{"title": "Shirt", "sku": "S-1", "quantity": 2, "line_item_id": "ordli_1"}], labels=[])
        assert ful["packed_at"] is not None and ful["shipped_at"] is None
        assert ful["items"][0]["quantity"] == Decimal(2)
        assert ful["delivery_address"]["city"] == "Berlin"
        shipped = await fulfillment.create_shipment(conn, fulfillment_id=ful["id"], labels=[
            {"tracking_number": "TRK1", "tracking_url": "https://t/1", "label_url": "https://l/1"}])
        assert shipped["shipped_at"] is not None and shipped["labels"][0]["tracking_number"] == "TRK1"
        with pytest.raises(MedusaError, match="already shipped"):
            await fulfillment.cancel_fulfillment(conn, fulfillment_id=ful["id"])
        delivered = await fulfillment.mark_delivered(conn, fulfillment_id=ful["id"])
        assert delivered["delivered_at"] is not None

        other = await fulfillment.create_fulfillment(
            conn, location_id=loc, provider_id="manual_manual", delivery_address=None,
            items=[{"title": "Cap", "sku": "C-1", "quantity": 1}])
        canceled = await fulfillment.cancel_fulfillment(conn, fulfillment_id=other["id"])
        assert canceled["canceled_at"] is not None
        with pytest.raises(MedusaError, match="canceled"):
            await fulfillment.create_shipment(conn, fulfillment_id=other["id"])
        with pytest.raises(MedusaError) as err:
            await fulfillment.retrieve_fulfillment(conn, fulfillment_id="ful_missing")
        assert err.value.type == "not_found"
