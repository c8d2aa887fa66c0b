"""Database core: engines, the declarative Base, portable types and the unit of work."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, cast

from sqlalchemy import JSON, ColumnElement, DateTime, MetaData, String, event, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, mapped_column
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine, Uuid

from skillnest.core import metrics, replicas
from skillnest.core.cache import Cache
from skillnest.core.driver import SQLITE_BUSY_TIMEOUT_MS as SQLITE_BUSY_TIMEOUT_MS
from skillnest.core.driver import DriverStatement as DriverStatement
from skillnest.core.driver import PostgresReader, SQLiteReader
from skillnest.core.errors import NotFound
from skillnest.settings import Settings, get_settings

log = logging.getLogger("skillnest.db")
slow_log = logging.getLogger("skillnest.db.slow")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; constraint names follow one convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Read server-generated values (ids, timestamps, defaults) back with RETURNING at
    # flush time, so nothing lazy-loads later in async code.
    __mapper_args__ = {"eager_defaults": True}


# --- portable types -------------------------------------------------------------------


def StringArray(length: int | None = None) -> TypeEngine[list[str]]:  # noqa: N802
    """An array of strings: ``VARCHAR(n)[]``/``TEXT[]`` on PostgreSQL, a JSON list on SQLite."""
    item: TypeEngine[str] = String(length) if length else postgresql.TEXT()
    return JSON().with_variant(postgresql.ARRAY(item), "postgresql")


Document: TypeEngine[Any] = JSON().with_variant(postgresql.JSONB(), "postgresql")
"""A JSON document: JSONB on PostgreSQL, JSON text on SQLite."""

UUID: type[Uuid[uuid.UUID]] = Uuid
"""Native ``UUID`` on PostgreSQL, 32-character text on SQLite."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp; SQLite hands back naive values, so they are marked UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store aware times in UTC: SQLite keeps the wall-clock time and drops the offset."""
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to naive datetimes read from SQLite."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class gen_random_uuid(FunctionElement[uuid.UUID]):  # noqa: N801 - reads as the SQL it emits
    """Server-side random UUID: ``gen_random_uuid()`` on PostgreSQL, random hex on SQLite."""

    type = Uuid()
    inherit_cache = True


@compiles(gen_random_uuid, "postgresql")
def _gen_random_uuid_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return "gen_random_uuid()"


@compiles(gen_random_uuid, "sqlite")
def _gen_random_uuid_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # SQLAlchemy stores a non-native Uuid as 32 hex characters: produce the same shape.
    return "(lower(hex(randomblob(16))))"


# Server-side defaults that read the same on both dialects, so that the seeds' INSERT
# statements that omit these columns work on a skillnest database.
NOW = text("CURRENT_TIMESTAMP")
FALSE = text("false")
TRUE = text("true")

# The two timestamp columns most tables carry, declared once: ``created_at: Mapped[CreatedAt]``.
CreatedAt = Annotated[datetime, mapped_column(UTCDateTime, server_default=NOW, nullable=False)]
UpdatedAt = Annotated[
    datetime,
    mapped_column(UTCDateTime, server_default=NOW, onupdate=func.now(), nullable=False),
]


# --- objects only the migrations create ----------------------------------------------

_MIGRATION_ONLY: set[str] = set()


def migration_only(*names: str) -> None:
    """Declare objects that only migrations create, so autogenerate never proposes dropping them.

    Names are tables, indexes or ``table.column``; a trailing ``*`` matches a prefix (an FTS5
    table and the shadow tables SQLite makes for it). Used for what SQLAlchemy cannot model:
    FTS5 virtual tables, generated ``tsvector`` columns and their GIN indexes.
    """
    _MIGRATION_ONLY.update(names)


def is_migration_only(name: str | None) -> bool:
    """Whether ``name`` (table, index or ``table.column``) was declared migration-only."""
    if not name:
        return False
    return any(
        name.startswith(entry[:-1]) if entry.endswith("*") else name == entry
        for entry in _MIGRATION_ONLY
    )


# --- engines --------------------------------------------------------------------------


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers, enforced foreign keys, and waiting instead of failing."""
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Execution option naming how an SQLite transaction starts. A unit of work that writes
# takes the write lock up front (BEGIN IMMEDIATE): SQLite then waits up to busy_timeout for a
# concurrent writer. A deferred BEGIN that later writes must upgrade its read lock, and that
# upgrade fails at once ("database is locked") instead of waiting when another writer committed
# meanwhile. Read-only work keeps the deferred BEGIN, so readers never queue behind writers.
SQLITE_BEGIN = "skillnest_sqlite_begin"
AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    if mode == "NONE":
        return  # Database.read_connection: each statement is its own implicit transaction
    conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


# PostgreSQL units of work of reading requests (GET, HEAD, OPTIONS) run on an autocommit
# connection: a request that only reads sends no BEGIN and no COMMIT, one round trip each (the
# commit of a connection with no transaction open is no round trip in psycopg). The first
# statement that may write (anything but a plain SELECT: a SELECT ... FOR UPDATE, one taking an
# advisory lock or a sequence value, a SAVEPOINT, SET, INSERT ...) first opens a transaction
# with BEGIN, so from there on the unit of work is atomic and commits or rolls back as any
# other. Reads before it see, as under READ COMMITTED anyway, each its own snapshot.
BEGIN_ON_WRITE = "skillnest_begin_on_write"
_WRITE_MARKERS = (" FOR UPDATE", " FOR SHARE", " FOR NO KEY UPDATE", " FOR KEY SHARE")
_SIDE_EFFECTS = ("pg_advisory", "pg_try_advisory", "nextval", "setval", "set_config")
IDLE_TRANSACTION = 0  # psycopg.pq.TransactionStatus.IDLE (an IntEnum): no transaction open


def is_plain_read(statement: str) -> bool:
    """Whether a statement only reads (a SELECT that locks, or changes, nothing)."""
    if statement.lstrip()[:6].upper() != "SELECT":
        return False
    upper = statement.upper()
    if any(marker in upper for marker in _WRITE_MARKERS):
        return False
    lower = statement.lower()
    return not any(name in lower for name in _SIDE_EFFECTS)


def _begin_before_write(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
) -> None:
    if not conn.get_execution_options().get(BEGIN_ON_WRITE) or is_plain_read(statement):
        return
    driver = conn.connection.driver_connection
    if driver is not None and driver.pgconn.transaction_status == IDLE_TRANSACTION:
        cursor.execute("BEGIN")


def install_postgres_hooks(sync_engine: Engine) -> None:
    """Open a transaction before the first write of a reading unit of work (``BEGIN_ON_WRITE``)."""
    event.listen(sync_engine, "before_cursor_execute", _begin_before_write)


def install_sqlite_hooks(sync_engine: Engine) -> None:
    """Make an SQLite engine behave: pragmas on connect, explicit BEGIN for real savepoints."""
    event.listen(sync_engine, "connect", _sqlite_pragmas)
    event.listen(sync_engine, "begin", _sqlite_begin)


def install_slow_query_log(sync_engine: Engine, threshold_ms: int) -> None:
    """Log statements slower than the threshold with their duration, never their parameters.

    The text logged is the statement as sent with placeholders (``%(email)s``, ``?``), with
    whitespace collapsed and cut at 2000 characters (a 1000-row INSERT stays readable); the
    bound values, which may be personal data or secrets, are not logged. The duration and
    the text are also attached to the record (``duration_ms``, ``statement``) for
    structured log handlers.
    """
    max_chars = 2000

    def before(
        conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        # On the execution context, not a per-connection stack: a statement that fails
        # never reaches "after", and must not leave a stale start time behind.
        if context is not None:
            context._slow_log_started = time.perf_counter()
        else:
            conn.info["query_start"] = time.perf_counter()

    def after(
        conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        started = getattr(context, "_slow_log_started", None)
        if started is None:
            started = conn.info.pop("query_start", None)
        if started is None:
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        if elapsed_ms < threshold_ms:
            return
        text_ = " ".join(statement.split())
        if len(text_) > max_chars:
            text_ = f"{text_[:max_chars]}... ({len(text_)} characters)"
        slow_log.warning(
            "slow query %.1f ms: %s",
            elapsed_ms,
            text_,
            extra={"duration_ms": round(elapsed_ms, 1), "statement": text_},
        )

    event.listen(sync_engine, "before_cursor_execute", before)
    event.listen(sync_engine, "after_cursor_execute", after)


def make_engine(url: str, settings: Settings | None = None, **kwargs: Any) -> AsyncEngine:
    """Create an async engine with the right options for its dialect."""
    settings = settings or get_settings()
    # Bound values (emails, hashes, message text) stay out of error messages and tracebacks,
    # which end up in the server log.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        install_sqlite_hooks(engine.sync_engine)
    else:
        kwargs.setdefault("pool_size", settings.db_pool_size)
        kwargs.setdefault("max_overflow", settings.db_max_overflow)
        kwargs.setdefault("pool_pre_ping", settings.db_pool_pre_ping)
        kwargs.setdefault("pool_recycle", settings.db_pool_recycle)
        kwargs.setdefault("pool_timeout", settings.db_pool_timeout)
        if settings.db_sslmode:
            kwargs.setdefault("connect_args", {})["sslmode"] = settings.db_sslmode
        engine = create_async_engine(url, **kwargs)
        install_postgres_hooks(engine.sync_engine)
    install_slow_query_log(engine.sync_engine, settings.slow_query_ms)
    metrics.watch_pool(engine.sync_engine)
    return engine


class LazySession:
    """Stands in for an ``AsyncSession`` and creates it on first attribute access."""

    __slots__ = ("_factory", "_session")

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory
        self._session: AsyncSession | None = None

    @property
    def used(self) -> bool:
        """Whether anything asked for the session."""
        return self._session is not None

    def __getattr__(self, name: str) -> Any:
        if self._session is None:
            self._session = self._factory()
        return getattr(self._session, name)


class Database:
    """The engines and session factory of one process (the API or a CLI command).

    With ``SKILLNEST_DATABASE_REPLICA_URLS`` set, :meth:`read_session` hands out sessions on
    streaming replicas (``core.replicas``), and each unit of work that writes records the
    primary's WAL position for its user in ``positions`` (the shared cache).
    """

    def __init__(self, settings: Settings | None = None, engine: AsyncEngine | None = None):
        self.settings = settings or get_settings()
        self.engine = engine or make_engine(self.settings.database_url, self.settings)
        self.replicas = replicas.ReplicaSet(
            (url, make_engine(replicas.replica_url(url), self.settings, **replicas.OPTIONS))
            for url in self.settings.database_replica_urls
        )
        self.positions: Cache | None = None
        self.sessionmaker = async_sessionmaker(
            self.engine,
            expire_on_commit=False,
            sync_session_class=replicas.TrackedSession if self.replicas else Session,
        )
        # PostgreSQL: reading requests' units of work, in autocommit until their first write.
        self.reading_sessionmaker = async_sessionmaker(
            self.engine.execution_options(**AUTOCOMMIT, **{BEGIN_ON_WRITE: True})
            if self.dialect == "postgresql"
            else self.engine,
            expire_on_commit=False,
            sync_session_class=replicas.TrackedSession if self.replicas else Session,
        )
        self._sqlite_writer = asyncio.Lock()
        # The same pool; on SQLite its transactions start with BEGIN IMMEDIATE.
        self.write_sessionmaker = async_sessionmaker(
            self.engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}), expire_on_commit=False
        )
        # The same pool again, without transactions: PostgreSQL in autocommit (no BEGIN, no
        # COMMIT or ROLLBACK round trip); on SQLite no BEGIN, so pysqlite's own autocommit
        # applies (switching SQLite to SQLAlchemy's AUTOCOMMIT level would re-enable pysqlite's
        # transaction handling when the connection goes back to the pool).
        no_transaction = {SQLITE_BEGIN: "NONE"} if self.dialect == "sqlite" else AUTOCOMMIT
        self.read_engine = self.engine.execution_options(**no_transaction)
        # Hot reads wait for one of the pool's kept connections rather than opening an
        # overflow one: under load an overflow connection is opened and closed per request
        # (a new server process and its first statement preparations, each time).
        self._readers = asyncio.Semaphore(self.settings.db_pool_size)
        # Hot one-statement reads through the driver (DriverStatement, Database.fetch_one).
        self.driver_reader: SQLiteReader | PostgresReader | None = None
        if SQLiteReader.usable(self.engine):
            self.driver_reader = SQLiteReader(self.engine)
        elif self.dialect == "postgresql":
            size = max(1, self.settings.db_pool_size // 2)
            self.driver_reader = PostgresReader(self.engine, self.settings, size)

    @property
    def dialect(self) -> str:
        """``postgresql`` or ``sqlite``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def unit_of_work(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """One transaction: commit when the block succeeds, roll back when it raises.

        ``readonly`` says the work is expected only to read: on SQLite it then does not take
        the write lock up front (it still may write, at the risk of a busy answer under load).
        """
        if readonly or self.dialect != "sqlite":
            async with self._session(self.sessionmaker) as session:
                yield session
            return
        # SQLite has one writer: queue this process's writers here, in order and without
        # holding a pooled connection, rather than in SQLite's busy handler (which polls, is
        # unfair, and ties up a connection per waiter). BEGIN IMMEDIATE still orders writers
        # of other processes (CLI commands) through busy_timeout.
        async with self._sqlite_writer, self._session(self.write_sessionmaker) as session:
            yield session

    @asynccontextmanager
    async def _session(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[AsyncSession]:
        async with factory() as session:
            try:
                yield session
                readers = replicas.hold_readers(session) if self.positions else None
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            if readers:
                await replicas.release_readers(session, self.positions, readers)

    @asynccontextmanager
    async def lazy_unit_of_work(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """A unit of work whose session is created on first use (the request path).

        Many requests never touch the database (cached answers, token lookups served from
        the cache): they pay for no session, no commit and no close. Used or not, the
        contract is the one of :meth:`unit_of_work`: commit when the block succeeds (before
        the response is sent), roll back when it raises. A writing unit on SQLite queues for
        the process's one writer up front, as :meth:`unit_of_work` does.
        """
        if readonly or self.dialect != "sqlite":
            factory = self.reading_sessionmaker if readonly else self.sessionmaker
            async with self._lazy(factory) as session:
                yield session
            return
        async with self._sqlite_writer, self._lazy(self.write_sessionmaker) as session:
            yield session

    @asynccontextmanager
    async def _lazy(self, factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        lazy = LazySession(factory)
        session = cast(AsyncSession, lazy)
        try:
            yield session
            if lazy.used:
                readers = replicas.hold_readers(session) if self.positions else None
                await lazy.commit()
                if readers:
                    await replicas.release_readers(session, self.positions, readers)
        except BaseException:
            if lazy.used:
                await lazy.rollback()
            raise
        finally:
            if lazy.used:
                await lazy.close()

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection of the primary's pool outside any transaction, for one-statement reads.

        The hot read routes run one pre-built Core statement on it: one round trip, nothing
        to commit or roll back. Never write through it (nothing would be atomic); writes and
        reads of several statements that must agree go through a unit of work.
        """
        async with self._readers, self.read_engine.connect() as conn:
            yield conn

    async def fetch_one(
        self, statement: DriverStatement, values: dict[str, Any]
    ) -> dict[str, Any] | None:
        """A one-statement hot read through the driver, outside any transaction.

        Through the process's reader (``SQLiteReader``, ``PostgresReader``); on an SQLite
        database in memory, on a :meth:`read_connection`.
        """
        if self.driver_reader is not None:
            return await self.driver_reader.fetch_one(statement, values)
        async with self.read_connection() as connection:
            return await statement.fetch_one(connection, values)

    async def fetch_all(
        self, statement: DriverStatement, values: dict[str, Any]
    ) -> list[tuple[Any, ...]]:
        """Every row of a one-statement hot read, as :meth:`fetch_one` reads its first."""
        if self.driver_reader is not None:
            return await self.driver_reader.fetch_all(statement, values)
        async with self.read_connection() as connection:
            return await statement.fetch_all(connection, values)

    @asynccontextmanager
    async def read_session(self, needed: int | None) -> AsyncIterator[AsyncSession | None]:
        """A session on a replica that has replayed ``needed``; None means: use the primary.

        ``needed`` None (the position cannot be known) always means the primary.
        """
        picked = await self.replicas.connect(needed) if needed is not None else None
        if picked is None:
            yield None
            return
        replica, conn = picked
        session = AsyncSession(bind=conn, expire_on_commit=False)
        try:
            yield session
        except (OperationalError, InterfaceError) as exc:
            replica.mark_down(exc)  # lost mid-request: the next reads go elsewhere
            raise
        finally:
            await session.close()
            await conn.close()

    async def replica_status(self) -> list[dict[str, Any]]:
        """Each replica's state and lag behind the primary (empty without replicas)."""
        if not self.replicas:
            return []
        primary = None
        try:
            async with self.engine.connect() as conn:
                primary = replicas.parse_lsn(
                    await conn.scalar(text("SELECT pg_current_wal_lsn()::text"))
                )
        except Exception:  # noqa: BLE001 - the primary's own state is reported by ping
            log.warning("could not read the primary's WAL position")
        return await self.replicas.status(primary)

    async def ping(self) -> bool:
        """Whether the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not reachable" here
            log.exception("database ping failed")
            return False

    async def revision(self) -> str | None:
        """The migration revision of the database: None if down, "" if never migrated."""
        try:
            async with self.engine.connect() as conn:
                return str(await conn.scalar(text("SELECT version_num FROM alembic_version")) or "")
        except Exception:  # noqa: BLE001 - a missing table or a dead server alike
            if await self.ping():
                return ""
            return None

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self.driver_reader is not None:
            await self.driver_reader.close()
        await self.engine.dispose()
        await self.replicas.dispose()


def is_postgres(session: AsyncSession) -> bool:
    """Whether this session talks to PostgreSQL (for the dialect-specific paths)."""
    return session.get_bind().dialect.name == "postgresql"


ModelT = TypeVar("ModelT", bound=Base)


async def get_owned_or_404(
    session: AsyncSession,
    model: type[ModelT],
    ident: int,
    *,
    owner: InstrumentedAttribute[Any] | None = None,
    owner_id: int | None = None,
    detail: str = "Not found.",
    where: ColumnElement[bool] | None = None,
) -> ModelT:
    """The row of ``model`` with this primary key owned by ``owner_id``, else ``NotFound``.

    Someone else's row answers exactly like a missing one, so existence is never revealed.
    """
    pk = model.__mapper__.primary_key[0]
    query = select(model).where(pk == ident)
    if owner is not None:
        query = query.where(owner == owner_id)
    if where is not None:
        query = query.where(where)
    row = await session.scalar(query)
    if row is None:
        raise NotFound(detail)
    return row


def is_sqlite_busy(exc: BaseException) -> bool:
    """Whether a database error is SQLite's "database is locked" (busy, busy snapshot)."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    return (
        isinstance(orig, sqlite3.OperationalError)
        and code is not None
        and code & 0xFF == (sqlite3.SQLITE_BUSY)
    )
