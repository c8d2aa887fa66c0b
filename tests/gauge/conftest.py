"""Fixtures of the gauge tests: synthetic legacy folders, gauge users, a CLI environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.gauge.models import GaugeAccount
from skillnest.gauge.sample import write_sample
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
