"""pytest-alembic's built-in checks, on an empty database of each backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_alembic.tests import (  # noqa: F401 - collected as tests
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from skillnest.core.db import install_sqlite_hooks
from skillnest.ops.service import alembic_config as skillnest_alembic_config
from tests.conftest import drop_postgres_database, empty_database_url, make_settings


@pytest.fixture
def alembic_database_url(backend: str, tmp_path) -> Iterator[str]:
    url = empty_database_url(backend, tmp_path, prefix="skillnest_alembic")
    yield url
    if backend == "postgresql":
        drop_postgres_database(url)


@pytest.fixture
def alembic_config(alembic_database_url: str):
    return skillnest_alembic_config(make_settings(alembic_database_url, None))


@pytest.fixture
def alembic_engine(alembic_database_url: str) -> Iterator[Engine]:
    engine = create_engine(alembic_database_url.replace("+aiosqlite", ""))
    if engine.dialect.name == "sqlite":
        install_sqlite_hooks(engine)
    yield engine
    engine.dispose()


def test_upgrade_downgrade_upgrade(alembic_runner):
    alembic_runner.migrate_up_to("heads")
    alembic_runner.migrate_down_to("base")
    alembic_runner.migrate_up_to("heads")
