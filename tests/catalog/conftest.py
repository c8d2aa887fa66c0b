from __future__ import annotations

import pytest

from skillnest.catalog import service
from skillnest.catalog.importer import CatalogData, read_catalog


@pytest.fixture(scope="session")
def catalog_data() -> CatalogData:
    """The real catalog (without the 35k-package lists, which no test needs)."""
    return read_catalog(include_package_lists=False)


@pytest.fixture
async def catalog(session, catalog_data) -> service.ImportSummary:
    """The real catalog imported into the test transaction."""
    return await service.import_catalog(session=session, data=catalog_data)


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    """A home and cache folder of our own, so the CLI never sees the real ones."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("SKILLNEST_CATALOG_SNAPSHOT", raising=False)
    monkeypatch.delenv("SKILLNEST_API_TOKEN", raising=False)
    return home
