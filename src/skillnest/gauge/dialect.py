"""The gauge module's dialect-specific SQL, each need with its SQLite twin beside it."""

from __future__ import annotations

from sqlalchemy import text
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
