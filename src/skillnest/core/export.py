"""Reading a user's rows for the data export (GDPR access and portability).

Each module's ``export.py`` has ``export_user(*, session, user_id) -> dict``, built on these
helpers over its own tables; ``accounts`` gathers them into one document.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

FORMAT = "skillnest-export/1"


def plain(value: Any) -> Any:
    """A JSON-ready value: datetimes as ISO 8601, UUIDs and decimals as text, bytes base64."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


async def rows_of(
    session: AsyncSession,
    model: type[DeclarativeBase],
    *where: ColumnElement[bool],
    exclude: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Every row of ``model`` matching ``where``, as plain dicts, in primary-key order."""
    skip = set(exclude)
    table = model.__table__
    columns = [c for c in table.columns if c.name not in skip]
    order = list(table.primary_key.columns)  # type: ignore[attr-defined]
    result = await session.execute(select(*columns).where(*where).order_by(*order))
    return [{k: plain(v) for k, v in row.items()} for row in result.mappings()]


def ids(rows: list[dict[str, Any]], key: str = "id") -> list[Any]:
    """The ids of exported rows, to export their children."""
    return [row[key] for row in rows]
