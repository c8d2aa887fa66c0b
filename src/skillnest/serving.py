"""What uvicorn imports in each worker of ``skillnest serve``: the app factory.

The cyclic garbage collector is turned off before anything else is imported, and stays off
until the worker has started: building the application allocates some 300,000 objects that
all live as long as the worker, and on the way the collector walked them in 681 collections,
about a third of the start-up. The app's lifespan then freezes them and turns the collector
back on (``create_app(freeze_at_start=True)``). The ``gc`` documentation gives the same
order (disable early, freeze once the long-lived objects exist, enable) for servers that
fork, to keep pages shared; here it is for the collections' cost.
"""

from __future__ import annotations

import gc

gc.disable()

# Imported with the collector off:
from fastapi import FastAPI  # noqa: E402

from skillnest.app import create_app  # noqa: E402
from skillnest.core.logs import configure_logging  # noqa: E402
from skillnest.settings import get_settings  # noqa: E402


def serve_app() -> FastAPI:
    """The uvicorn factory: logging set up in the worker, then the app, frozen once started."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings, freeze_at_start=True)
