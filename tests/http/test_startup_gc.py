"""Start-up runs with the cyclic collector paused; the app's lifespan start-up freezes what it built and resumes it."""

from __future__ import annotations

import gc

from euryale.runtime import build_app, pause_gc_for_startup
from tests.conftest import make_config
from tests.support import services


async def test_collector_paused_while_building_and_back_on_once_ready(database: services.TestDatabase) -> None:
    pause_gc_for_startup()
    try:
        app = build_app(make_config(database, worker_mode="server"))
        assert not gc.isenabled()
        async with app.router.lifespan_context(app):
            assert gc.isenabled()  # under load the collector must run: request garbage has cycles
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
        gc.enable()
