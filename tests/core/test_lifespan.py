"""What a serving worker does once it has started."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from skillnest.app import create_app

SERVED_WORKER = """
import asyncio, gc
import skillnest.serving
print(gc.isenabled())
app = skillnest.serving.serve_app()
async def main():
    async with app.router.lifespan_context(app):
        print(gc.isenabled(), gc.get_freeze_count() > 10_000)
asyncio.run(main())
"""


async def test_a_serving_worker_freezes_its_start_up_objects_and_a_test_app_does_not(settings):
    gc.unfreeze()
    try:
        served = create_app(settings, freeze_at_start=True)
        async with served.router.lifespan_context(served):
            assert gc.get_freeze_count() > 10_000  # the modules, routes and schemas
            assert gc.isenabled()
            assert served.state.platform is not None
        gc.unfreeze()
        plain = create_app(settings)
        async with plain.router.lifespan_context(plain):
            assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_worker_imports_with_the_collector_off_and_serves_with_it_on(tmp_path: Path):
    env = {
        **os.environ,
        "SKILLNEST_ENV": "development",
        "SKILLNEST_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}",
        "SKILLNEST_MEDIA_DIR": str(tmp_path / "media"),
    }
    env.pop("SKILLNEST_REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", SERVED_WORKER], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[:2] == ["False", "True True"]
