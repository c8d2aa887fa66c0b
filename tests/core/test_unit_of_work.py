"""The request path's unit of work: a session only when used, commit or roll back whole."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, func, select

from skillnest.accounts.models import User
from skillnest.core.db import Database


@pytest.fixture
def database(settings, engine) -> Database:  # type: ignore[no-untyped-def]
    """A Database on the backend's real test database (work here really commits)."""
    return Database(settings, engine)


async def _count(database: Database, email: str) -> int:
    async with database.unit_of_work() as session:
        return int(await session.scalar(select(func.count()).where(User.email == email)) or 0)


async def test_an_unused_session_is_never_created(database):
    async with database.lazy_unit_of_work() as session:
        pass
    assert not session.used  # type: ignore[attr-defined]


async def test_work_is_committed_when_the_block_succeeds(database):
    email = f"uow-{uuid.uuid4().hex[:8]}@example.org"
    try:
        async with database.lazy_unit_of_work() as session:
            session.add(User(name="Unit Of Work", email=email, password_hash="x"))
            await session.flush()
        assert await _count(database, email) == 1
    finally:
        async with database.unit_of_work() as session:
            await session.execute(delete(User).where(User.email == email))


async def test_work_is_rolled_back_when_the_block_raises(database):
    email = f"uow-{uuid.uuid4().hex[:8]}@example.org"
    with pytest.raises(RuntimeError):
        async with database.lazy_unit_of_work() as session:
            session.add(User(name="Unit Of Work", email=email, password_hash="x"))
            await session.flush()
            raise RuntimeError("the route failed")
    assert await _count(database, email) == 0
