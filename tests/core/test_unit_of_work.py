"""The request path's unit of work: a session only when used, commit or roll back whole."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, func, select, text, update

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


async def test_a_reading_request_opens_a_transaction_only_to_write(database):
    """A GET's unit of work: reads send no BEGIN; from the first write on it is atomic."""
    email = f"reader-{uuid.uuid4().hex[:8]}@example.org"
    async with database.unit_of_work() as session:
        session.add(User(name="Reader", email=email, password_hash="x"))
    postgres = database.dialect == "postgresql"
    # True outside a transaction: each statement then starts its own.
    alone = text("SELECT transaction_timestamp() = statement_timestamp()")
    mine = User.email == email

    async def name() -> str | None:
        async with database.unit_of_work() as session:
            return await session.scalar(select(User.name).where(mine))

    try:
        with pytest.raises(RuntimeError):
            async with database.lazy_unit_of_work(readonly=True) as session:
                assert await session.scalar(select(func.count()).where(mine)) == 1
                if postgres:
                    assert await session.scalar(alone) is True  # no BEGIN was sent
                await session.execute(select(User.id).where(mine).with_for_update())
                if postgres:
                    assert await session.scalar(alone) is False  # the lock opened one
                await session.execute(update(User).where(mine).values(name="Changed"))
                raise RuntimeError("the route failed after writing")
        assert await name() == "Reader"  # the write went with the failed request
        async with database.lazy_unit_of_work(readonly=True) as session:
            await session.execute(update(User).where(mine).values(name="Changed"))
        assert await name() == "Changed"  # and a successful one commits it
    finally:
        async with database.unit_of_work() as session:
            await session.execute(delete(User).where(mine))


async def test_the_read_connection_reads_committed_rows_outside_any_transaction(database):
    email = f"read-{uuid.uuid4().hex[:8]}@example.org"
    async with database.unit_of_work() as session:
        session.add(User(name="Read Path", email=email, password_hash="x"))
    try:
        for _ in range(2):  # the second time on a connection the pool got back
            async with database.read_connection() as conn:
                assert await conn.scalar(select(func.count()).where(User.email == email)) == 1
                if database.dialect == "postgresql":
                    # Each statement is its own transaction: no BEGIN was sent before it.
                    stamp = "SELECT transaction_timestamp() = statement_timestamp()"
                    assert await conn.scalar(text(stamp)) is True
                else:
                    raw = await conn.get_raw_connection()
                    assert raw.driver_connection.in_transaction is False  # type: ignore[union-attr]
        # Units of work on those pooled connections still get their transactions (savepoints).
        with pytest.raises(RuntimeError):
            async with database.unit_of_work() as session, session.begin_nested():
                await session.execute(delete(User).where(User.email == email))
                raise RuntimeError("undo the nested block")
        assert await _count(database, email) == 1
    finally:
        async with database.unit_of_work() as session:
            await session.execute(delete(User).where(User.email == email))


async def test_a_driver_read_answers_as_the_orm_path(database):
    """``Database.fetch_one`` (the hot routes' driver path) gives the values SQLAlchemy gives."""
    from skillnest.accounts import service

    email = f"driver-{uuid.uuid4().hex[:8]}@example.org"
    async with database.unit_of_work() as session:
        user = User(name="Driver Path", email=email, password_hash="x", skills_to_offer=["Go"])
        session.add(user)
        await session.flush()
        user_id = user.id
    try:
        for _ in range(2):  # the second time on the reader's kept connection
            row = await database.fetch_one(service.PUBLIC_PROFILE_READ, {"user_id": user_id})
            async with database.unit_of_work() as session:
                expected = await service.public_profile(session=session, user_id=user_id)
            assert service.public_profile_bytes(row) == expected.model_dump_json().encode()
        missing = {"user_id": user_id + 10_000_000}
        assert await database.fetch_one(service.PUBLIC_PROFILE_READ, missing) is None
    finally:
        async with database.unit_of_work() as session:
            await session.execute(delete(User).where(User.email == email))
        if database.driver_reader is not None:
            await database.driver_reader.close()  # not dispose(): the engine is the session's
