"""``skillnest db stats``: seed 001's monitoring queries, and their SQLite equivalents."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from skillnest.ops.backup import sync_engine, user_tables
from skillnest.settings import Settings


@dataclass
class TableStats:
    """Size on disk (table, indexes and TOAST) and rows of one table."""

    name: str
    size_bytes: int
    rows: int
    rows_exact: bool


@dataclass
class DatabaseStats:
    """The database's size, its tables, and how many connections are working right now."""

    dialect: str
    database: str
    size_bytes: int
    active_connections: int | None
    total_connections: int | None
    tables: list[TableStats] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document."""
        return asdict(self)


def collect(settings: Settings) -> DatabaseStats:
    """Measure the configured database."""
    engine = sync_engine(settings)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                return _postgres(conn)
            return _sqlite(conn, settings)
    finally:
        engine.dispose()


def _postgres(conn: Connection) -> DatabaseStats:
    database = str(conn.execute(text("SELECT current_database()")).scalar())
    size = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0)
    # Seed 001: "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'", per database.
    active, total = conn.execute(
        text(
            "SELECT count(*) FILTER (WHERE state = 'active'), count(*) FROM pg_stat_activity "
            "WHERE datname = current_database()"
        )
    ).one()
    rows = conn.execute(
        text(
            # Seed 001's table sizes, with the planner's row estimate beside them.
            "SELECT t.tablename, pg_total_relation_size(quote_ident(t.schemaname) || '.' || "
            "quote_ident(t.tablename)) AS size, "
            "GREATEST(COALESCE(s.n_live_tup, 0), COALESCE(c.reltuples, 0)::bigint) AS estimate "
            "FROM pg_tables t "
            "LEFT JOIN pg_stat_user_tables s "
            "  ON s.schemaname = t.schemaname AND s.relname = t.tablename "
            "LEFT JOIN pg_class c ON c.oid = (quote_ident(t.schemaname) || '.' || "
            "  quote_ident(t.tablename))::regclass "
            "WHERE t.schemaname = 'public' ORDER BY size DESC, t.tablename"
        )
    )
    tables = [TableStats(name, int(size), int(estimate), False) for name, size, estimate in rows]
    return DatabaseStats("postgresql", database, size, int(active), int(total), tables)


def _sqlite(conn: Connection, settings: Settings) -> DatabaseStats:
    path = Path(make_url(settings.database_url).database or "")
    page_size = int(conn.execute(text("PRAGMA page_size")).scalar() or 0)
    pages = int(conn.execute(text("PRAGMA page_count")).scalar() or 0)
    wal = path.with_name(path.name + "-wal")
    size = page_size * pages + (wal.stat().st_size if wal.exists() else 0)
    # dbstat lists tables and indexes separately; add each index to its table.
    owners: dict[str, str] = {
        name: table
        for name, table in conn.execute(
            text("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")
        )
    }
    sizes: dict[str, int] = {}
    for name, bytes_ in conn.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")):
        owner = owners.get(name, name)
        sizes[owner] = sizes.get(owner, 0) + int(bytes_)
    tables = []
    for name in user_tables(conn):
        count = int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() or 0)
        tables.append(TableStats(name, sizes.get(name, 0), count, True))
    tables.sort(key=lambda t: (-t.size_bytes, t.name))
    # An embedded database has no server connections to count.
    return DatabaseStats("sqlite", str(path), size, None, None, tables)


def human(size: int) -> str:
    """Like pg_size_pretty."""
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 10240 or unit == "GB":
            return f"{value:.0f} {unit}"
        value /= 1024
    return f"{value:.0f} TB"
