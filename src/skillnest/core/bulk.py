"""Bulk inserts: COPY on PostgreSQL, multi-row INSERT on SQLite.

psycopg turns ``%(name)s`` placeholders into ``$n`` in pure Python, which costs about
80 microseconds per row of a 1000-row multi-row INSERT: for the MetaGauge import that is
slower than the database itself. COPY sends rows without placeholders. Rows that need
``ON CONFLICT DO NOTHING ... RETURNING`` are copied into a temporary staging table first
and moved with one ``INSERT ... SELECT``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Column, MetaData, Table, select, text
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
) -> list[tuple[Any, ...]]:
    """Insert rows (all with the same keys); skip those hitting ``conflict``; return columns.

    Returns the ``returning`` columns of the rows actually inserted.
    """
    if not rows:
        return []
    if is_postgres(session):
        return await _copy_insert(session, table, rows, conflict, returning)
    return await _multirow_insert(session, table, rows, conflict, returning)


async def _multirow_insert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str] | None,
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    stmt: Any = sqlite.insert(table)
    if conflict is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        stmt = stmt.returning(*(table.c[name] for name in returning))
        return [tuple(row) for row in await session.execute(stmt, list(rows))]
    await session.execute(stmt, list(rows))
    return []


def _staging_table(table: Table, names: Sequence[str]) -> Table:
    """A temporary table with the columns being loaded (no constraints, no defaults)."""
    name = f"_stage_{table.name}"
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
    conflict: Sequence[str] | None,
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    names = list(rows[0])
    direct = conflict is None and not returning
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
    stmt: Any = postgresql.insert(table).from_select(names, select(*staging.columns))
    if conflict is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        stmt = stmt.returning(*(table.c[name] for name in returning))
        return [tuple(row) for row in await connection.execute(stmt)]
    await connection.execute(stmt)
    return []
