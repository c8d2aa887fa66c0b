"""Bulk inserts: COPY on PostgreSQL, multi-row INSERT on SQLite.

psycopg turns ``%(name)s`` placeholders into ``$n`` in pure Python, which costs about
80 microseconds per row of a 1000-row multi-row INSERT: for the MetaGauge import that is
slower than the database itself. COPY sends rows without placeholders. Rows that need
``ON CONFLICT DO NOTHING`` (or ``DO UPDATE``, an upsert) or ``RETURNING`` are copied into a
temporary staging table first and moved with one ``INSERT ... SELECT``. A batch's COPY text
is built at once (``copy_text``) and sent in one write, not one awaited ``write_row`` per row;
``copy_rows`` sends the same text to several tables (a table and its verification copy).

``BulkValidator`` validates the records of a batch in one call before they are loaded.

The one loader of the project: the MetaGauge import, the catalog import and ``jobs import``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from operator import methodcaller
from typing import Any, Generic, TypeVar
from uuid import UUID

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import JSON, Column, MetaData, String, Table, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.db import is_postgres

_STAGING = MetaData()
M = TypeVar("M", bound=BaseModel)


class BulkValidator(Generic[M]):
    """Validates a batch of parsed records with one pydantic ``TypeAdapter`` over the list.

    pydantic-core walks the whole list in one call instead of one call per record; a batch
    holding an invalid record is validated again record by record, so that each error is
    reported against its own record and the valid ones still load.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.many: TypeAdapter[list[M]] = TypeAdapter(list[model])  # type: ignore[valid-type]

    def validate(self, records: Sequence[Any]) -> list[M | ValidationError]:
        """Each record as a model, or the ValidationError of that record alone."""
        try:
            return list(self.many.validate_python(records))
        except ValidationError:
            return [self._one(record) for record in records]

    def _one(self, record: Any) -> M | ValidationError:
        try:
            return self.model.model_validate(record)
        except ValidationError as exc:
            return exc

    def dump(self, items: Sequence[M]) -> list[dict[str, Any]]:
        """``model_dump()`` of every item, in one call."""
        return self.many.dump_python(list(items))


# COPY's text format carries every value as the text PostgreSQL reads into the column's type.
# Arrays of strings and JSON documents are written out here: psycopg's per-value dumpers for
# lists and Jsonb cost more than the rest of a row together.
_ARRAY_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"'})


def _array_text(items: Sequence[Any]) -> str:
    """A list of strings as an array literal (quotes and backslashes escaped, NULL for None)."""
    if all(type(item) is str for item in items):
        probe = "".join(items)
        if '"' not in probe and "\\" not in probe:  # nothing to escape: one join
            return '{"' + '","'.join(items) + '"}' if items else "{}"
    return (
        "{"
        + ",".join(
            "NULL" if item is None else '"' + str(item).translate(_ARRAY_ESCAPES) + '"'
            for item in items
        )
        + "}"
    )


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


# Text COPY: a backslash starts an escape, tab and newline end a value or a row.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SCALARS: dict[type, Callable[[Any], str]] = {
    int: int.__repr__,
    float: float.__repr__,
    bool: {True: "t", False: "f"}.__getitem__,
    datetime: methodcaller("isoformat", " "),  # psycopg's text: a space, not a T
    date: date.isoformat,
    Decimal: str,
    UUID: str,
}


_NULL = "\\N"


class _Unwritten(Exception):
    """A value of a type ``copy_text`` does not write (psycopg's dumpers take the batch)."""


def _escaped(value: str) -> str:
    # isprintable() is false for tab, newline and carriage return: one C scan decides.
    if value.isprintable() and "\\" not in value:
        return value
    return value.translate(_COPY_ESCAPES)


def _texts(values: list[Any]) -> list[str]:
    """A column of strings (None for NULL) as COPY text."""
    probe = "".join([v for v in values if v is not None])
    if probe.isprintable() and "\\" not in probe:  # the whole column needs no escape
        return [_NULL if v is None else v for v in values]
    return [_NULL if v is None else _escaped(v) for v in values]


def _column_text(values: list[Any], writer: Callable[[Any], str] | None) -> list[str]:
    """One column of a batch as COPY text, a column at a time (the loops stay in C)."""
    if writer is not None:
        return _texts([None if v is None else writer(v) for v in values])
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if not kinds:
        return [_NULL] * len(values)
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind is not None and issubclass(kind, str):
        return _texts(values)
    scalar = _SCALARS.get(kind) if kind is not None else None
    if scalar is not None:
        return [_NULL if v is None else scalar(v) for v in values]
    return [_text_value(v) for v in values]  # mixed types: value by value


def _text_value(value: Any) -> str:
    """One value as COPY text (NULL as backslash-N)."""
    if value is None:
        return _NULL
    if isinstance(value, str):
        return _escaped(value)
    scalar = _SCALARS.get(type(value))
    if scalar is None:
        raise _Unwritten(type(value).__name__)
    return scalar(value)


def copy_text(table: Table, rows: Sequence[dict[str, Any]], dialect: Any) -> bytes | None:
    """Rows (all with the same keys) as one block of COPY text; None for an unwritten type.

    One string per batch instead of one ``write_row`` call per row: the same text psycopg's
    dumpers write (ISO dates, ``t``/``f``, JSON and string arrays as above), sent at once.
    """
    shape = _copy_shape(table, list(rows[0]), dialect)
    try:
        columns = [_column_text([row[name] for row in rows], writer) for name, writer in shape]
    except _Unwritten:
        return None
    return ("\n".join(map("\t".join, zip(*columns, strict=True))) + "\n").encode()


def _copy_shape(
    table: Table, names: Sequence[str], dialect: Any
) -> list[tuple[str, Callable[[Any], str] | None]]:
    """Each column with the function writing its values as text, or None (psycopg's dumper)."""
    shape: list[tuple[str, Callable[[Any], str] | None]] = []
    for name in names:
        impl = table.c[name].type.dialect_impl(dialect)
        if isinstance(impl, JSON):
            shape.append((name, _json_text))
        elif isinstance(impl, postgresql.ARRAY) and isinstance(impl.item_type, String):
            shape.append((name, _array_text))
        else:
            shape.append((name, None))
    return shape


async def copy_rows(
    session: AsyncSession,
    tables: Sequence[Table],
    rows: Sequence[dict[str, Any]],
    data: bytes | None = None,
) -> None:
    """Rows that cannot conflict COPY'd into each of ``tables`` (same columns), written once.

    PostgreSQL only. The text of the batch is built once and sent to every table, e.g. a
    table and the temporary table a verification compares it with; ``data`` is that text
    when the caller built it ahead (``copy_text``).
    """
    if not rows:
        return
    connection = await session.connection()
    if data is None:
        data = copy_text(tables[0], rows, connection.dialect)
    for table in tables:
        await _copy(connection, table, table.name, rows, data)


async def _copy(
    connection: Any, table: Table, target: str, rows: Sequence[dict[str, Any]],
    data: bytes | None,
) -> None:  # fmt: skip
    """COPY ``data`` (or, where it is None, the rows through psycopg's dumpers) into ``target``."""
    quote = connection.dialect.identifier_preparer.quote
    names = list(rows[0])
    columns = ", ".join(quote(n) for n in names)
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    async with driver.cursor() as cursor:
        async with cursor.copy(f"COPY {quote(target)} ({columns}) FROM STDIN") as copy:
            if data is not None:
                await copy.write(data)
                return
            shape = _copy_shape(table, names, connection.dialect)
            for row in rows:
                await copy.write_row(
                    [
                        value if (value := row[n]) is None or text is None else text(value)
                        for n, text in shape
                    ]
                )


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
    data = copy_text(table, rows, connection.dialect)
    await _copy(connection, table, table.name if direct else staging.name, rows, data)
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
