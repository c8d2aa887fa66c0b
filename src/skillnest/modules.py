"""The registry of feature modules: each one may contribute a router, CLI, models and demo data."""

from __future__ import annotations

import importlib
from types import ModuleType

# Order matters only for the demo loader and the OpenAPI tag order.
MODULES = ("accounts", "exchange", "help", "catalog", "careers", "gauge", "ops", "web")


def submodule(module: str, part: str) -> ModuleType | None:
    """Import ``skillnest.<module>.<part>`` if that file exists."""
    name = f"skillnest.{module}.{part}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def import_all_models() -> None:
    """Import every module's models so ``Base.metadata`` knows every table."""
    for module in MODULES:
        submodule(module, "models")
