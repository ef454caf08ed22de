"""The read engine's compiled statements (retrieve by primary key, children loaders) read what its SQLAlchemy
statements read: same rows, same values and types, same 404; a resource is retrieved through SQLAlchemy when extra
conditions are given, which is the reference here."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text, true

from euryale.container import Container
from euryale.errors import MedusaError
from euryale.query import catalog
from euryale.query.engine import Resource, retrieve_resource
from tests.support.catalog import channel_with_key, make_region


async def _both(container: Container, resource: Resource, row_id: str, fields: str | None = None) -> list[Any]:
    sel = resource.selection(fields)
    async with container.database().read() as conn:
        compiled = await retrieve_resource(conn, resource, id=row_id, sel=sel)
        reference = await retrieve_resource(conn, resource, id=row_id, sel=resource.selection(fields),
                                            extra=[true()])  # SQLAlchemy's statement
    return [compiled, reference]


async def test_compiled_retrieves_read_what_sqlalchemy_reads(container: Container) -> None:
    async with container.database().read() as conn:  # two countries no other test's region holds yet
        free = list((await conn.execute(text(
            "SELECT iso_2 FROM region_country WHERE region_id IS NULL ORDER BY iso_2 DESC LIMIT 2"))).scalars())
    region_id = await make_region(container, "eur", countries=free)
    _, _, key_id = await channel_with_key(container)
    cases = [(catalog.region_resource(store=True), region_id, None),
             (catalog.region_resource(store=False), region_id, "*payment_providers,+automatic_taxes"),
             (catalog.api_key_resource(), key_id, None)]
    for resource, row_id, fields in cases:
        compiled, reference = await _both(container, resource, row_id, fields)
        assert compiled == reference
        assert [type(v) for v in compiled.values()] == [type(v) for v in reference.values()]
        assert list(compiled) == list(reference)  # key order: the wire's
    assert resource.compiled_retrieve and resource.compiled_retrieve[0] is not None  # the compiled path ran
    countries = (await _both(container, catalog.region_resource(store=True), region_id))[0]["countries"]
    assert len(free) == 2 and [c["iso_2"] for c in countries] == sorted(free)


async def test_a_soft_deleted_row_is_not_found(container: Container) -> None:
    region_id = await make_region(container, "eur")
    async with container.database().transaction() as conn:
        await conn.execute(text("UPDATE region SET deleted_at = now() WHERE id = :id"), {"id": region_id})
    resource = catalog.region_resource(store=True)
    for extra in ((), [true()]):
        async with container.database().read() as conn:
            with pytest.raises(MedusaError) as err:
                await retrieve_resource(conn, resource, id=region_id, sel=resource.selection(None), extra=extra)
        assert err.value.type == "not_found" and err.value.message == f"Region with id: {region_id} was not found"
