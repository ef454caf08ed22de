"""Shared request bodies and helpers of the customer / user routes (store and admin)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from pydantic import field_validator

from euryale.api.common import Strict as Strict  # re-exported: the people routes import it from here
from euryale.http.query import ListParams, list_params, parse_qs

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(value: str | None) -> str | None:
    """zod's `.email()`: a plausible address or 400 "Invalid email"."""
    if value is not None and not _EMAIL.match(value):
        raise ValueError("Invalid email")
    return value


class AddressBody(Strict):
    """Customer address payload (create and update share it, as Medusa's validators)."""

    address_name: str | None = None
    is_default_shipping: bool | None = None
    is_default_billing: bool | None = None
    company: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    country_code: str | None = None
    province: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    metadata: dict[str, Any] | None = None
    additional_data: dict[str, Any] | None = None

    def values(self) -> dict[str, Any]:
        data = self.model_dump(exclude_unset=True, exclude={"additional_data"})
        for flag in ("is_default_shipping", "is_default_billing"):
            if flag in data and data[flag] is None:
                data.pop(flag)
        if data.get("country_code"):
            data["country_code"] = str(data["country_code"]).lower()
        return data


class CustomerBody(Strict):
    email: str | None = None
    company_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return check_email(value)


class LinkBody(Strict):
    add: list[str] | None = None
    remove: list[str] | None = None


def read_query(request: Request, *, default_limit: int = 50) -> tuple[dict[str, Any], ListParams]:
    """The parsed query string and its list parameters (filters keep the rest)."""
    query = parse_qs(request.url.query)
    params = list_params(query, default_limit=default_limit)
    filters = {k: v for k, v in query.items()
               if k not in ("limit", "offset", "order", "fields", "with_deleted", "locale")}
    return filters, params


def fields_param(request: Request) -> str | None:
    """`fields` from the query string (select params of retrieve routes)."""
    query = parse_qs(request.url.query)
    value = query.get("fields")
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value) if value is not None else None


def list_envelope(key: str, rows: list[dict[str, Any]], count: int, params: ListParams) -> dict[str, Any]:
    return {key: rows, "count": count, "offset": params.offset, "limit": params.limit}
