"""Request-body bases and response envelopes shared by every route group (store, admin, auth)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A request body: unknown keys answer 400 "Unrecognized fields" as Medusa's zod schemas do."""

    model_config = ConfigDict(extra="forbid")

    def sent(self) -> dict[str, Any]:
        """Only the keys the client sent (so an update never overwrites with defaults)."""
        return self.model_dump(exclude_unset=True)


class AddRemove(Strict):
    """A link endpoint's body: ids to `add` and to `remove`."""

    add: list[str] = []
    remove: list[str] = []


class AddressBody(Strict):
    """Medusa's address payload (cart, order, fulfillment delivery addresses)."""

    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    company: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    country_code: str | None = None
    province: str | None = None
    postal_code: str | None = None
    metadata: dict[str, Any] | None = None


class LabelBody(Strict):
    """A fulfillment's shipping label (create-fulfillment and create-shipment bodies)."""

    tracking_number: str
    tracking_url: str
    label_url: str


def deleted(id: str, obj: str, **extra: Any) -> dict[str, Any]:
    """Medusa's delete response `{id, object, deleted: true}` (+ `parent` for nested deletes)."""
    return {"id": id, "object": obj, "deleted": True, **extra}


def batch_deleted(ids: list[str], obj: str) -> dict[str, Any]:
    """The `deleted` part of a batch response: `{ids, object, deleted: true}`."""
    return {"ids": ids, "object": obj, "deleted": True}
