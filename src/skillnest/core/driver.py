"""Hot reads through the database driver itself: pre-built statements and kept readers.

A one-statement hot read skips SQLAlchemy's execute path and the pool's checkout and ping
(CONTRIBUTING.md, "Hot reads through the driver"); the values are still converted by
SQLAlchemy's own type processors, and driver errors are raised as SQLAlchemy's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Select
from sqlalchemy.sql.selectable import TextualSelect

from skillnest.settings import Settings

# How long a writer waits for SQLite's single write lock before answering 503.
SQLITE_BUSY_TIMEOUT_MS = 30_000


class _DriverPlan:
    """A statement compiled for one dialect: its SQL and how to bind and read values."""

    __slots__ = ("binds", "keys", "processors", "sql", "named")

    def __init__(self, statement: Select[Any] | TextualSelect, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.named = not compiled.positional
        names = compiled.positiontup or list(compiled.binds)
        self.binds = [
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        ]
        columns = list(statement.selected_columns)
        self.keys = [str(column.key) for column in columns]
        self.processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]

    def parameters(self, values: dict[str, Any]) -> Any:
        """The driver's parameters: a dict (named style) or a tuple (positional)."""
        bound = [(name, p(values[name]) if p else values[name]) for name, p in self.binds]
        return dict(bound) if self.named else tuple(value for _, value in bound)

    def mapping(self, row: Any) -> dict[str, Any]:
        """One driver row as ``{column key: value}``, with the column types' conversions."""
        return {
            key: (p(value) if p else value)
            for key, p, value in zip(self.keys, self.processors, row, strict=True)
        }

    def values(self, row: Any) -> tuple[Any, ...]:
        """One driver row as a tuple, with the column types' conversions."""
        return tuple(
            p(value) if p else value for p, value in zip(self.processors, row, strict=True)
        )


class DriverStatement:
    """A pre-built Core ``select`` run through the database driver itself (hot reads).

    Compiled once per dialect; a call binds the values, sends the SQL on the driver connection
    under ``connection`` (one driver call: no SQLAlchemy cursor, result or cache-key work) and
    converts the row with the same type processors SQLAlchemy would apply, so the values are
    those of ``connection.execute(statement)``. Driver errors are raised as SQLAlchemy's
    (``DBAPIError`` subclasses), so they are answered as any database error is.
    """

    def __init__(self, statement: Select[Any] | TextualSelect) -> None:
        self.statement = statement
        self._plans: dict[str, _DriverPlan] = {}

    def plan(self, dialect: Dialect) -> _DriverPlan:
        """The statement compiled for this dialect (once)."""
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = _DriverPlan(self.statement, dialect)
        return plan

    async def fetch_one(
        self, connection: AsyncConnection, values: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The first row as a mapping of column keys, or None."""
        return await self._on_connection(connection, partial(self.fetch_one_on, values=values))

    async def fetch_all(
        self, connection: AsyncConnection, values: dict[str, Any]
    ) -> list[tuple[Any, ...]]:
        """Every row, as tuples in the order of the selected columns."""
        return await self._on_connection(connection, partial(self.fetch_all_on, values=values))

    @staticmethod
    async def _on_connection(connection: AsyncConnection, read: Callable[..., Any]) -> Any:
        dialect = connection.dialect
        raw = await connection.get_raw_connection()
        try:
            return await read(raw.driver_connection, dialect)
        except DBAPIError as exc:
            if exc.connection_invalidated:
                await connection.invalidate(exc.orig)
            raise

    async def fetch_one_on(
        self, driver: Any, dialect: Dialect, values: dict[str, Any]
    ) -> dict[str, Any] | None:
        """``fetch_one`` on a driver connection (aiosqlite or psycopg) of this dialect."""
        plan = self.plan(dialect)
        rows = await self._rows(plan, driver, dialect, values, first=True)
        return plan.mapping(rows[0]) if rows else None

    async def fetch_all_on(
        self, driver: Any, dialect: Dialect, values: dict[str, Any]
    ) -> list[tuple[Any, ...]]:
        """``fetch_all`` on a driver connection (aiosqlite or psycopg) of this dialect."""
        plan = self.plan(dialect)
        return [plan.values(row) for row in await self._rows(plan, driver, dialect, values)]

    @staticmethod
    async def _rows(
        plan: _DriverPlan,
        driver: Any,
        dialect: Dialect,
        values: dict[str, Any],
        first: bool = False,
    ) -> Sequence[Any]:
        """The driver's rows (only the first one fetched when ``first``)."""
        parameters = plan.parameters(values)
        try:
            if dialect.name == "sqlite":
                return list(await driver.execute_fetchall(plan.sql, parameters))  # one thread hop
            cursor = await driver.execute(plan.sql, parameters)
            if first:
                row = await cursor.fetchone()
                return [] if row is None else [row]
            return list(await cursor.fetchall())
        except dialect.loaded_dbapi.Error as exc:
            error = DBAPIError.instance(
                plan.sql, parameters, exc, dialect.loaded_dbapi.Error, dialect=dialect
            )
            error.connection_invalidated = dialect.is_disconnect(exc, driver, None)
            raise error from exc


class _Reader:
    """What both readers answer: a statement's first row, or all its rows."""

    async def fetch_one(
        self, statement: DriverStatement, values: dict[str, Any]
    ) -> dict[str, Any] | None:
        """``statement``'s first row through one of the reader's connections."""
        return await self._read(partial(statement.fetch_one_on, values=values))

    async def fetch_all(
        self, statement: DriverStatement, values: dict[str, Any]
    ) -> list[tuple[Any, ...]]:
        """``statement``'s rows through one of the reader's connections."""
        return await self._read(partial(statement.fetch_all_on, values=values))

    async def _read(self, read: Callable[..., Any]) -> Any:
        """``read(driver connection, dialect)`` on one of the reader's connections."""
        raise NotImplementedError


class SQLiteReader(_Reader):
    """One read-only aiosqlite connection of a process, for hot one-statement reads.

    A pooled connection costs a hop to aiosqlite's thread per cursor step and another for the
    reset when it goes back to the pool; this one is opened once and answers a statement in
    one hop. It reads in autocommit (each statement sees the last commit; WAL readers never
    wait for writers) and ``query_only`` makes SQLite refuse any write through it.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.dialect = engine.dialect
        self._args = engine.dialect.create_connect_args(engine.url)
        self._connection: Any = None
        self._lock = asyncio.Lock()

    @staticmethod
    def usable(engine: AsyncEngine) -> bool:
        """Whether the engine's database is a file another connection can open."""
        url = engine.url
        database = url.database or ""
        return (
            engine.dialect.name == "sqlite"
            and database not in ("", ":memory:")
            and "memory" not in str(url.query.get("mode", ""))
        )

    async def _connect(self) -> Any:
        import aiosqlite  # the driver of SQLAlchemy's sqlite+aiosqlite, already installed

        async with self._lock:
            if self._connection is None:
                args, kwargs = self._args
                connection = await aiosqlite.connect(*args, **kwargs)
                connection.isolation_level = None  # autocommit: no BEGIN, as read_connection
                await connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
                await connection.execute("PRAGMA query_only=ON")
                self._connection = connection
        return self._connection

    async def _read(self, read: Callable[..., Any]) -> Any:
        connection = self._connection or await self._connect()
        try:
            return await read(connection, self.dialect)
        except DBAPIError:
            await self.close()  # the next read opens a fresh connection
            raise

    async def close(self) -> None:
        """Close the connection (a later read opens a new one)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()


class PostgresReader(_Reader):
    """A few autocommit psycopg connections of a process, for hot one-statement reads.

    The engine's pool pings every connection it hands out (``pool_pre_ping``): a second
    round trip for a one-statement read. These connections are used as they are, like a
    bare driver pool; one found dead (a restarted server) is dropped and the read retried
    once on a new connection, which is what the ping buys. At most ``size`` at a time.
    """

    def __init__(self, engine: AsyncEngine, settings: Settings, size: int) -> None:
        self.dialect = engine.dialect
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        if settings.db_sslmode:
            kwargs["sslmode"] = settings.db_sslmode
        self._conninfo = args[0] if args else ""
        self._kwargs = {**kwargs, "autocommit": True}
        self._idle: list[Any] = []
        self._slots = asyncio.Semaphore(size)

    async def _connect(self) -> Any:
        import psycopg

        try:
            return await psycopg.AsyncConnection.connect(self._conninfo, **self._kwargs)
        except psycopg.Error as exc:
            error = self.dialect.loaded_dbapi.Error
            raise DBAPIError.instance(None, None, exc, error, dialect=self.dialect) from exc

    async def _read(self, read: Callable[..., Any]) -> Any:
        async with self._slots:
            for attempt in (1, 2):
                reused = bool(self._idle)
                connection = self._idle.pop() if reused else await self._connect()
                try:
                    result = await read(connection, self.dialect)
                except DBAPIError as exc:
                    await connection.close()
                    if attempt == 1 and reused and exc.connection_invalidated:
                        continue  # it died while idle: once more on a new connection
                    raise
                self._idle.append(connection)
                return result
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        """Close the idle connections."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
