"""Fixtures of the ops tests: a fresh database of the backend, configured like production."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from skillnest.core.cli import cli_settings
from skillnest.settings import Settings
from tests.conftest import (
    TEST_PSEUDONYM_KEY,
    TEST_SECRET_KEY,
    drop_postgres_database,
    postgres_url,
)

SECRET_KEY = TEST_SECRET_KEY
PSEUDONYM_KEY = TEST_PSEUDONYM_KEY


@pytest.fixture
def ops_database(cli_database: str) -> str:
    """A fresh migrated database (never the shared test one) that the commands run on."""
    return cli_database


def ops_settings() -> Settings:
    """The settings the commands run with."""
    return cli_settings()


def recreate_empty(url: str) -> None:
    """Drop the database and create it again, empty, under the same name."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    drop_postgres_database(url)
    name = url.rsplit("/", 1)[1]
    admin = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
