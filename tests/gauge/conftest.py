"""Fixtures of the gauge tests: synthetic legacy folders, gauge users, a CLI environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from alembic import command
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.gauge.models import GaugeAccount
from skillnest.gauge.sample import write_sample
from skillnest.ops.service import alembic_config
from skillnest.settings import get_settings
from tests.conftest import drop_postgres_database, empty_database_url, make_settings
from tests.factories import login, make_user


@pytest.fixture
def legacy_dir(tmp_path: Path) -> Path:
    """A small legacy folder in both layouts (12 users, cheap bcrypt)."""
    directory = tmp_path / "data"
    write_sample(directory, users=12, bcrypt_rounds=4, analyses_per_user=(2, 4))
    return directory


def read_json(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def write_json(path: Path, data: Any) -> None:
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))


async def gauge_user(client, session: AsyncSession, tier: str = "free", **overrides: Any):
    """A user with a MetaGauge account of ``tier``; returns (user id, auth headers)."""
    user = await make_user(session, **overrides)
    session.add(GaugeAccount(user_id=user.id, tier=tier))
    await session.flush()
    user_id = user.id
    headers = await login(client, user)
    return user_id, headers


@pytest.fixture
def cli_database(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh migrated database for in-process CLI runs, configured through the environment."""
    url = empty_database_url(backend, tmp_path, prefix="skillnest_gauge_cli")
    command.upgrade(alembic_config(make_settings(url, None)), "head")
    monkeypatch.setenv("SKILLNEST_ENV", "test")
    monkeypatch.setenv("SKILLNEST_DATABASE_URL", url)
    monkeypatch.setenv("SKILLNEST_SECRET_KEY", "cli-test-secret-key-0123456789")
    monkeypatch.setenv("SKILLNEST_PSEUDONYM_KEY", "cli-test-pseudonym-key-0123456789")
    monkeypatch.delenv("SKILLNEST_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    if backend == "postgresql":
        drop_postgres_database(url)
