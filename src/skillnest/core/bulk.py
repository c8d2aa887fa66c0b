"""Bulk inserts: COPY on PostgreSQL, multi-row INSERT on SQLite.

psycopg turns ``%(name)s`` placeholders into ``$n`` in pure Python, which costs about
80 microseconds per row of a 1000-row multi-row INSERT: for the MetaGauge import that is
slower than the database itself. COPY sends rows without placeholders. Rows that need
``ON CONFLICT DO NOTHING`` (or ``DO UPDATE``, an upsert) or ``RETURNING`` are copied into a
temporary staging table first and moved with one ``INSERT ... SELECT``.

The one loader of the project: the MetaGauge import, the catalog import and ``jobs import``.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Column, MetaData, Table, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.db import is_postgres

_STAGING = MetaData()


def _jsonb_dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def _is_json(column: Column[Any], dialect: Any) -> bool:
    """Whether the column is JSON/JSONB on this dialect (a StringArray is an ARRAY there)."""
    return isinstance(column.type.dialect_impl(dialect), JSON)


async def bulk_insert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str] | None = None,
    returning: Sequence[str] = (),
    update: Sequence[str] = (),
    also_set: Mapping[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """Insert rows (all with the same keys); skip those hitting ``conflict``; return columns.

    With ``update`` (column names) a row hitting ``conflict`` refreshes those columns of the
    stored row from the incoming one instead, plus the SQL expressions of ``also_set`` (e.g.
    ``{"updated_at": func.now()}``): an upsert. Returns the ``returning`` columns of the rows
    inserted (and, with ``update``, of the rows refreshed). A row may not appear twice.
    """
    if not rows:
        return []
    if update and conflict is None:
        raise ValueError("update needs the conflict columns")
    also = dict(also_set or {})
    if update and "updated_at" in table.c and "updated_at" not in update:
        # A refreshed row is a changed row: its updated_at moves, as an ORM update's would.
        also.setdefault("updated_at", func.current_timestamp())
    on_conflict = _OnConflict(conflict, tuple(update), also)
    if is_postgres(session):
        return await _copy_insert(session, table, rows, on_conflict, returning)
    return await _multirow_insert(session, table, rows, on_conflict, returning)


class _OnConflict:
    """What to do with a row that hits the unique ``columns``: skip it, or refresh ``update``."""

    def __init__(
        self, columns: Sequence[str] | None, update: tuple[str, ...], also_set: dict[str, Any]
    ) -> None:
        self.columns = list(columns) if columns is not None else None
        self.update = update
        self.also_set = also_set

    def apply(self, stmt: Any) -> Any:
        """The statement with its ON CONFLICT clause (none without conflict columns)."""
        if self.columns is None:
            return stmt
        if not self.update:
            return stmt.on_conflict_do_nothing(index_elements=self.columns)
        refreshed = {name: stmt.excluded[name] for name in self.update} | self.also_set
        return stmt.on_conflict_do_update(index_elements=self.columns, set_=refreshed)


async def _multirow_insert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict: _OnConflict,
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    stmt: Any = conflict.apply(sqlite.insert(table))
    if returning:
        stmt = stmt.returning(*(table.c[name] for name in returning))
        return [tuple(row) for row in await session.execute(stmt, list(rows))]
    await session.execute(stmt, list(rows))
    return []


def _staging_table(table: Table, names: Sequence[str]) -> Table:
    """A temporary table with the columns being loaded (no constraints, no defaults).

    Named after the column set too: loads of different columns into one table in the same
    transaction each get their own staging table.
    """
    name = f"_stage_{table.name}_{zlib.crc32(','.join(names).encode()):08x}"
    existing = _STAGING.tables.get(name)
    if existing is not None and [c.name for c in existing.columns] == list(names):
        return existing
    if existing is not None:
        _STAGING.remove(existing)
    return Table(
        name,
        _STAGING,
        *(Column(n, table.c[n].type) for n in names),
        prefixes=["TEMPORARY"],
    )


async def _copy_insert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict: _OnConflict,
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    names = list(rows[0])
    direct = conflict.columns is None and not returning
    connection = await session.connection()
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in names)
    target = quote(table.name)
    if not direct:
        staging = _staging_table(table, names)
        target = quote(staging.name)
        # Created once per transaction; emptied before each batch.
        await connection.execute(
            text(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {target} ON COMMIT DROP AS "
                f"SELECT {columns} FROM {quote(table.name)} WITH NO DATA"
            )
        )
        await connection.execute(text(f"TRUNCATE {target}"))
    # Imported here: psycopg loads libpq, which an SQLite-only process never needs.
    from psycopg.types.json import Jsonb

    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    json_columns = {n for n in names if _is_json(table.c[n], connection.dialect)}
    async with driver.cursor() as cursor:
        async with cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for row in rows:
                await copy.write_row(
                    [
                        Jsonb(row[n], dumps=_jsonb_dumps)
                        if n in json_columns and row[n] is not None
                        else row[n]
                        for n in names
                    ]
                )
    if direct:
        return []
    stmt: Any = conflict.apply(
        postgresql.insert(table).from_select(names, select(*staging.columns))
    )
    if returning:
        stmt = stmt.returning(*(table.c[name] for name in returning))
        return [tuple(row) for row in await connection.execute(stmt)]
    await connection.execute(stmt)
    return []
