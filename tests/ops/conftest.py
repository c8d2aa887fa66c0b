"""Fixtures of the ops tests: a fresh database of the backend, configured like production."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from skillnest.ops.service import alembic_config
from skillnest.settings import Settings, get_settings
from tests.conftest import drop_postgres_database, empty_database_url, make_settings, postgres_url

SECRET_KEY = "ops-test-secret-Zq8w1Lx0VtYc"
PSEUDONYM_KEY = "ops-test-pseudonym-Hh2Kp9Rr4Ms"


@pytest.fixture
def ops_database(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh migrated database (never the shared test one), set in the environment."""
    url = empty_database_url(backend, tmp_path, prefix="skillnest_ops")
    command.upgrade(alembic_config(make_settings(url, None)), "head")
    monkeypatch.setenv("SKILLNEST_ENV", "test")
    monkeypatch.setenv("SKILLNEST_DATABASE_URL", url)
    monkeypatch.setenv("SKILLNEST_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("SKILLNEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.delenv("SKILLNEST_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    if backend == "postgresql":
        drop_postgres_database(url)


def ops_settings() -> Settings:
    return get_settings()


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
