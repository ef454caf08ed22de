from collections.abc import AsyncIterator

import pytest

from euryale.container import Container
from tests.support import services
from tests.support.arch import arch_config, started
from tests.support.arch_fixtures import prefix

__all__ = ["prefix"]


@pytest.fixture(params=["inmemory", "redis"])
async def container(request: pytest.FixtureRequest, arch_db: services.TestDatabase, prefix: str
                    ) -> AsyncIterator[Container]:
    """The same workflow suite against both engines (each on the private database)."""
    c = await started(arch_config(arch_db, prefix=prefix, redis=request.param == "redis",
                                  workflows={"claim_ttl_ms": 2000}))
    try:
        yield c
    finally:
        await c.stop()
