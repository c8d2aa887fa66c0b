"""The gauge module's dialect-specific SQL, each need with its SQLite twin beside it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.db import is_postgres

IMPORT_LOCK_ID = 0x6A06E1  # serialises concurrent imports on PostgreSQL


async def lock_imports(session: AsyncSession) -> None:
    """Hold the import lock until the transaction ends (SQLite: its write lock serialises)."""
    if is_postgres(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": IMPORT_LOCK_ID})


async def read_times_in_utc(session: AsyncSession) -> None:
    """Make the transaction read times in UTC (SQLite's are stored and read as UTC)."""
    if is_postgres(session):
        await session.execute(text("SET LOCAL TIME ZONE 'UTC'"))


def seconds_between(session: AsyncSession, start: Any, end: Any) -> Any:
    """SQL for the seconds from ``start`` to ``end`` (two timestamp columns)."""
    if is_postgres(session):
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


async def prepare_verification(session: AsyncSession, tables: dict[str, Sequence[str]]) -> None:
    """Statistics for the import's temporary tables, and room to join them in memory.

    PostgreSQL has none for a temporary table until it is analysed, and would guess its
    size; the joins compare hundreds of thousands of rows, which 4 MB of ``work_mem`` would
    send to disk. Only the key columns (``tables``: name -> keys) are analysed: the plan
    needs the sizes and the keys, and the documents' statistics cost most of an ANALYZE.
    SQLite plans its joins on the keys' indexes without either.
    """
    if not is_postgres(session):
        return
    await session.execute(text("SET LOCAL work_mem = '64MB'"))
    for name, keys in tables.items():
        columns = ", ".join(f'"{key}"' for key in keys)
        await session.execute(text(f"ANALYZE {name} ({columns})"))


async def next_ids(session: AsyncSession, table: Any, count: int) -> list[int] | None:
    """``count`` new ids from the sequence of ``table.id`` (None on SQLite, which has none)."""
    if not is_postgres(session):
        return None
    # The sequence is looked up once, in a scalar subquery (an init plan): called per row,
    # pg_get_serial_sequence made drawing 5,000 ids take 18 ms instead of 5.
    rows = await session.execute(
        text(
            "SELECT nextval((SELECT CAST(pg_get_serial_sequence(:table, 'id') AS regclass))) "
            "FROM generate_series(1, :n)"
        ),
        {"table": table.name, "n": count},
    )
    return list(rows.scalars())


def temporary(session: AsyncSession, name: str) -> str:
    """A temporary table's name qualified by its schema, never a permanent table's."""
    return f"{'pg_temp' if is_postgres(session) else 'temp'}.{name}"
