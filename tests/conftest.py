"""Shared fixtures: every database test runs on SQLite and on PostgreSQL + Redis.

One migrated database per backend for the whole session; each test runs inside an outer
transaction that is rolled back at the end, with the session swapped into the app through
``dependency_overrides``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis as sync_redis
from alembic import command
from httpx import ASGITransport, AsyncClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from skillnest.app import create_app
from skillnest.core.cache import Cache, MemoryCache, make_cache
from skillnest.core.cli import use_settings
from skillnest.core.db import Database, install_sqlite_hooks, make_engine
from skillnest.core.deps import get_session
from skillnest.core.platform import Platform
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import Hub, RedisHub
from skillnest.ops.service import alembic_config
from skillnest.settings import Settings

BACKENDS = ["sqlite", "postgresql"]
TEST_SECRET_KEY = "test-secret-key-0123456789abcdef"
TEST_PSEUDONYM_KEY = "test-pseudonym-key-0123456789abcdef"
# The `person` factory, shared by every module's tests.
pytest_plugins = ["tests.factories"]
# The files that take minutes, longest first (seconds on the 2-core machines, both backends).
# `make test` hands whole files to its two workers in collection order
# (`--dist loadfile --no-loadscope-reorder`); started last, these left one worker running
# alone for minutes while the other idled.
SLOW_FILES = (
    "tests/web/test_every_page.py",  # 165 s
    "tests/contract/test_conformance.py",  # 147 s
    "tests/web/test_careers.py",  # 110 s
    "tests/ops/test_cli.py",  # 90 s
    "tests/web/test_admin.py",  # 64 s
    "tests/ops/test_live_ops.py",  # 55 s
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect the slow files first (the rest keep their order)."""
    rank = {path: index for index, path in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(SLOW_FILES)))


def required_env(name: str) -> str:
    """A URL that `make test` exports; missing means the run is broken, not skippable."""
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: run the suite with `make test`, which starts PostgreSQL "
            "and Redis (scripts/services.sh) and exports their URLs",
            pytrace=False,
        )
    return value


def postgres_url() -> str:
    """URL of the PostgreSQL test server's maintenance database."""
    return required_env("SKILLNEST_TEST_ADMIN_DATABASE_URL")


def redis_url() -> str:
    """URL of the Redis test server: its own database for each parallel worker.

    Tests flush their Redis database; under ``pytest -n`` (workers gw0, gw1...) each worker
    gets a database 8 numbers apart, so no worker flushes another's keys.
    """
    url = required_env("SKILLNEST_TEST_REDIS_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    base, _, number = url.rpartition("/")
    return f"{base}/{(int(number or 0) + 8 * int(worker[2:])) % 16}"


def create_postgres_database(prefix: str) -> str:
    """Create a fresh, empty PostgreSQL database and return its URL."""
    admin_url = postgres_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(url: str) -> None:
    """Drop a database made by ``create_postgres_database``."""
    name = url.rsplit("/", 1)[1]
    admin = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# Every test backend's media folder lives under one folder per test process, removed when the
# process ends (one left-over folder per settings object would otherwise pile up in /tmp).
_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="skillnest-test-media-"))
atexit.register(shutil.rmtree, _MEDIA_ROOT, ignore_errors=True)


def make_settings(database_url: str, redis: str | None) -> Settings:
    """Settings for a test backend."""
    return Settings(
        env="test",
        database_url=database_url,
        redis_url=redis,
        secret_key=TEST_SECRET_KEY,  # type: ignore[arg-type]
        pseudonym_key=TEST_PSEUDONYM_KEY,  # type: ignore[arg-type]
        media_dir=Path(tempfile.mkdtemp(dir=_MEDIA_ROOT)),
    )


def empty_database_url(backend: str, tmp_path: Path, prefix: str = "skillnest_t") -> str:
    """A new empty database for the backend."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / f'{prefix}.db'}"
    return create_postgres_database(prefix)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this run of the test: ``sqlite`` or ``postgresql``."""
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per backend for the whole session."""
    url = empty_database_url(backend, tmp_path_factory.mktemp(backend))
    settings = make_settings(url, None)
    command.upgrade(alembic_config(settings), "head")
    yield url
    if backend == "postgresql":
        drop_postgres_database(url)


@pytest.fixture
def cli_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database of the backend (never the shared one) for in-process CLI runs.

    The commands run inside `use_settings`, so they use it without touching the process
    environment or the cached process settings.
    """
    url = empty_database_url(backend, tmp_path, prefix="skillnest_cli")
    settings = make_settings(url, None)
    command.upgrade(alembic_config(settings), "head")
    try:
        with use_settings(settings):
            yield url
    finally:
        if backend == "postgresql":
            drop_postgres_database(url)


@pytest.fixture(scope="session")
def settings(database_url: str, backend: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the backend: PostgreSQL runs together with Redis; mails land in a temp dir."""
    base = make_settings(database_url, redis_url() if backend == "postgresql" else None)
    return base.model_copy(update={"mail_dir": tmp_path_factory.mktemp(f"mail-{backend}")})


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The async engine of the backend's test database."""
    engine = make_engine(settings.database_url, settings)
    yield engine
    await engine.dispose()


@pytest.fixture
def sync_engine(settings: Settings) -> Iterator[Engine]:
    """A synchronous engine on the same database (raw SQL checks, seed statements)."""
    engine = create_engine(settings.database_url.replace("+aiosqlite", ""))
    if engine.dialect.name == "sqlite":
        install_sqlite_hooks(engine)
    yield engine
    engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside an outer transaction that is rolled back after the test."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        if conn.dialect.name == "postgresql":
            # Deferred triggers fire at COMMIT, which this transaction never reaches: fire
            # them at the end of each statement instead, where a commit would have.
            await conn.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        session = AsyncSession(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            await session.close()
            await outer.rollback()


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    """The pub/sub hub of the backend."""
    hub = RedisHub(settings.redis_url) if settings.redis_url else Hub()
    yield hub
    await hub.close()


@pytest.fixture
async def cache(settings: Settings, hub: Hub) -> AsyncIterator[Cache]:
    """A clean cache as production builds it: Redis (flushed) behind the near layer with
    PostgreSQL, in-process with SQLite."""
    if settings.redis_url:
        sync_redis.Redis.from_url(settings.redis_url).flushdb()
        near = make_cache(settings.redis_url, hub)
        yield near
        await near.close()
    else:
        yield MemoryCache()


@pytest.fixture
async def limiter(settings: Settings) -> AsyncIterator[RateLimiter]:
    """Rate limits on the backend's storage (Redis with PostgreSQL)."""
    limiter = RateLimiter(settings.redis_url)
    yield limiter
    await limiter.close()


@pytest.fixture
def platform(
    settings: Settings, engine: AsyncEngine, cache: Cache, hub: Hub, limiter: RateLimiter
) -> Platform:
    """The platform the test app runs on."""
    return Platform(
        settings=settings, db=Database(settings, engine), cache=cache, hub=hub, limiter=limiter
    )


@pytest.fixture
def app(platform: Platform, session: AsyncSession):  # type: ignore[no-untyped-def]
    """The API wired to the test transaction."""
    application = create_app(platform=platform)

    async def test_session() -> AsyncIterator[AsyncSession]:
        # Same contract as production: commit on success (releases the savepoint),
        # roll back on error (to the savepoint); the outer transaction is never committed.
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise

    application.dependency_overrides[get_session] = test_session
    return application


@pytest.fixture
async def client(app) -> AsyncIterator[AsyncClient]:  # type: ignore[no-untyped-def]
    """An HTTP client talking to the app in-process."""
    transport = ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
