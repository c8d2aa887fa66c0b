"""What a serving worker does once it has started."""

from __future__ import annotations

import gc

from skillnest.app import create_app


async def test_a_serving_worker_freezes_its_start_up_objects_and_a_test_app_does_not(settings):
    gc.unfreeze()
    try:
        served = create_app(settings, freeze_at_start=True)
        async with served.router.lifespan_context(served):
            frozen = gc.get_freeze_count()
            assert frozen > 10_000  # the modules, routes and schemas: all of the application
            assert served.state.platform is not None
        gc.unfreeze()
        plain = create_app(settings)
        async with plain.router.lifespan_context(plain):
            assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
