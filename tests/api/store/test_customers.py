"""`/store/customers*`: the register → create customer → login → me flow of samples/store/014..017, addresses."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import httpx
import jwt
import pytest

from euryale.container import Container
from euryale.ids import generate_id
from euryale.modules.api_key.models import api_key
from tests.conftest import TEST_SECRET

CUSTOMER_KEYS = {"id", "email", "company_name", "first_name", "last_name", "phone", "metadata", "has_account",
                 "deleted_at", "created_at", "updated_at", "addresses"}
# Medusa 2.21.2's GET /store/customers/me/addresses(/:id) keys; the addresses embedded in `customer` add deleted_at
ADDRESS_KEYS = {"id", "address_name", "company", "customer_id", "first_name", "last_name", "address_1", "address_2",
                "city", "province", "postal_code", "country_code", "phone", "metadata", "is_default_shipping",
                "is_default_billing", "created_at", "updated_at"}


@pytest.fixture(scope="module")
async def pk(container: Container) -> str:
    token = "pk_" + secrets.token_hex(32)
    async with container.database().transaction() as conn:
        await conn.execute(api_key.insert().values(id=generate_id("apk"), token=token, salt="", redacted=token[:6],
                                                   title="customers test", type="publishable", created_by="test"))
    return token


async def register_customer(client: httpx.AsyncClient, pk: str, **profile: Any) -> tuple[str, str, dict[str, Any]]:
    """Register + create + log in; returns (email, login token, customer)."""
    email = f"cust-{uuid.uuid4().hex[:10]}@example.com"
    r = await client.post("/auth/customer/emailpass/register", json={"email": email, "password": "pw-1"})
    reg = r.json()["token"]
    r = await client.post("/store/customers", json={"email": email, **profile},
                          headers={"Authorization": f"Bearer {reg}", "x-publishable-api-key": pk})
    assert r.status_code == 200, r.text
    customer = r.json()["customer"]
    r = await client.post("/auth/customer/emailpass", json={"email": email, "password": "pw-1"})
    return email, r.json()["token"], customer


def h(pk: str, token: str | None = None) -> dict[str, str]:
    headers = {"x-publishable-api-key": pk}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


async def test_register_create_login_me(client: httpx.AsyncClient, pk: str) -> None:
    email, token, customer = await register_customer(client, pk, first_name="Ada", last_name="Lovelace")
    assert set(customer) == CUSTOMER_KEYS
    assert customer["id"].startswith("cus_") and customer["has_account"] is True
    assert (customer["email"], customer["first_name"], customer["addresses"]) == (email, "Ada", [])
    assert customer["created_at"].endswith("Z") and customer["metadata"] is None
    claims = jwt.decode(token, TEST_SECRET, algorithms=["HS256"])
    assert claims["actor_id"] == customer["id"] and claims["app_metadata"] == {"customer_id": customer["id"]}

    r = await client.get("/store/customers/me", headers=h(pk, token))
    assert r.status_code == 200 and r.json() == {"customer": customer}
    r = await client.get("/store/customers/me?fields=id,email", headers=h(pk, token))
    assert r.json()["customer"] == {"id": customer["id"], "email": email}
    r = await client.get("/store/customers/me?fields=+orders.id", headers=h(pk, token))
    assert "orders" not in r.json()["customer"]  # restricted store fields are dropped silently


async def test_create_customer_errors(client: httpx.AsyncClient, pk: str) -> None:
    _, token, _ = await register_customer(client, pk)
    # a token that already has a customer cannot create another
    r = await client.post("/store/customers", json={"email": "x@example.com"}, headers=h(pk, token))
    assert (r.status_code, r.json()["message"]) == (400, "Request already authenticated as a customer.")
    # without a token, or with an admin registration token
    assert (await client.post("/store/customers", json={}, headers=h(pk))).status_code == 401
    e = f"adm-{uuid.uuid4().hex[:8]}@example.com"
    user_reg = (await client.post("/auth/user/emailpass/register", json={"email": e, "password": "p"})).json()["token"]
    assert (await client.post("/store/customers", json={}, headers=h(pk, user_reg))).status_code == 401
    # validation
    e = f"v-{uuid.uuid4().hex[:8]}@example.com"
    reg = (await client.post("/auth/customer/emailpass/register", json={"email": e, "password": "p"})).json()["token"]
    r = await client.post("/store/customers", json={"email": e, "nickname": "x"}, headers=h(pk, reg))
    assert r.status_code == 400 and "Unrecognized fields: 'nickname'" in r.json()["message"]
    r = await client.post("/store/customers", json={"email": "not-an-email"}, headers=h(pk, reg))
    assert r.status_code == 400 and r.json()["type"] == "invalid_data"
    # the publishable key is required as on every store route
    assert (await client.get("/store/customers/me", headers={"Authorization": f"Bearer {token}"})).status_code == 400


async def test_me_requires_customer(client: httpx.AsyncClient, pk: str) -> None:
    assert (await client.get("/store/customers/me", headers=h(pk))).status_code == 401
    e = f"unreg-{uuid.uuid4().hex[:8]}@example.com"
    reg = (await client.post("/auth/customer/emailpass/register", json={"email": e, "password": "p"})).json()["token"]
    assert (await client.get("/store/customers/me", headers=h(pk, reg))).status_code == 401


async def test_update_me(client: httpx.AsyncClient, pk: str) -> None:
    _, token, customer = await register_customer(client, pk)
    r = await client.post("/store/customers/me", json={"first_name": "Grace", "metadata": {"vip": True}},
                          headers=h(pk, token))
    assert r.status_code == 200
    assert r.json()["customer"]["first_name"] == "Grace" and r.json()["customer"]["metadata"] == {"vip": True}
    r = await client.post("/store/customers/me", json={"email": "new@example.com"}, headers=h(pk, token))
    assert r.status_code == 400 and "Unrecognized fields: 'email'" in r.json()["message"]


async def test_addresses_crud(client: httpx.AsyncClient, pk: str) -> None:
    _, token, customer = await register_customer(client, pk)
    r = await client.post("/store/customers/me/addresses", headers=h(pk, token), json={
        "first_name": "Ada", "address_1": "1 Main St", "city": "London", "country_code": "GB",
        "postal_code": "N1", "is_default_shipping": True})
    assert r.status_code == 200
    addresses = r.json()["customer"]["addresses"]
    assert len(addresses) == 1 and addresses[0]["country_code"] == "gb" and addresses[0]["is_default_shipping"]
    first = addresses[0]["id"]
    assert first.startswith("cuaddr_")
    assert set(addresses[0]) == ADDRESS_KEYS | {"deleted_at"} and addresses[0]["deleted_at"] is None

    r = await client.post("/store/customers/me/addresses", headers=h(pk, token),
                          json={"address_1": "2 Side St", "city": "Paris", "is_default_shipping": True})
    by_id = {a["id"]: a for a in r.json()["customer"]["addresses"]}
    assert len(by_id) == 2 and by_id[first]["is_default_shipping"] is False  # the new default wins

    r = await client.get("/store/customers/me/addresses", headers=h(pk, token))
    body = r.json()
    assert (body["count"], body["offset"], body["limit"]) == (2, 0, 50)
    assert set(body["addresses"][0]) == ADDRESS_KEYS
    r = await client.get("/store/customers/me/addresses?city=Paris", headers=h(pk, token))
    assert [a["city"] for a in r.json()["addresses"]] == ["Paris"]

    r = await client.get(f"/store/customers/me/addresses/{first}", headers=h(pk, token))
    assert r.status_code == 200 and r.json()["address"]["city"] == "London"
    assert set(r.json()["address"]) == ADDRESS_KEYS
    r = await client.post(f"/store/customers/me/addresses/{first}", json={"city": "Leeds"}, headers=h(pk, token))
    assert {a["id"]: a["city"] for a in r.json()["customer"]["addresses"]}[first] == "Leeds"
    r = await client.post(f"/store/customers/me/addresses/{first}", json={"planet": "Mars"}, headers=h(pk, token))
    assert r.status_code == 400

    r = await client.delete(f"/store/customers/me/addresses/{first}", headers=h(pk, token))
    body = r.json()
    assert (body["id"], body["object"], body["deleted"]) == (first, "customer_address", True)
    assert body["parent"]["id"] == customer["id"] and len(body["parent"]["addresses"]) == 1
    r = await client.get(f"/store/customers/me/addresses/{first}", headers=h(pk, token))
    assert r.status_code == 404 and r.json()["type"] == "not_found"


async def test_other_customers_address_is_404(client: httpx.AsyncClient, pk: str) -> None:
    _, token_a, _ = await register_customer(client, pk)
    _, token_b, _ = await register_customer(client, pk)
    r = await client.post("/store/customers/me/addresses", json={"city": "Oslo"}, headers=h(pk, token_a))
    address_id = r.json()["customer"]["addresses"][0]["id"]
    for method in ("GET", "POST", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"city": "x"}} if method == "POST" else {}
        r = await client.request(method, f"/store/customers/me/addresses/{address_id}", headers=h(pk, token_b),
                                 **kwargs)
        assert r.status_code == 404, method
    r = await client.get(f"/store/customers/me/addresses/{address_id}", headers=h(pk, token_a))
    assert r.json()["address"]["city"] == "Oslo"


@pytest.mark.parametrize("fields", [None, "+groups.id,*addresses"])
async def test_create_answer_is_the_customer_as_read_back(client: httpx.AsyncClient, pk: str,
                                                         fields: str | None) -> None:
    """The new customer is answered from the row it inserted: byte for byte GET /store/customers/me's answer."""
    email = f"cust-{uuid.uuid4().hex[:10]}@example.com"
    params = {"fields": fields} if fields else {}
    reg = (await client.post("/auth/customer/emailpass/register", json={"email": email, "password": "pw-1"})
           ).json()["token"]
    created = await client.post("/store/customers", params=params, headers=h(pk, reg), json={
        "email": email, "first_name": "Ada", "company_name": "ACME", "phone": "+351 1",
        "metadata": {"b": 1, "a": {"z": [2.5, None]}, "long_key": "x"}})
    assert created.status_code == 200, created.text
    token = (await client.post("/auth/customer/emailpass", json={"email": email, "password": "pw-1"})).json()["token"]
    read = await client.get("/store/customers/me", params=params, headers=h(pk, token))
    assert read.status_code == 200 and created.text == read.text
    assert created.json()["customer"]["addresses"] == [] and ("groups" in created.json()["customer"]) == bool(fields)
