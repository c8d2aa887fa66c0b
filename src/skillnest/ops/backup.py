"""``skillnest db backup|restore``: compressed, timestamped backups kept for N days.

pg_dump/pg_restore on PostgreSQL, the online backup API on SQLite (seed 001's cron script
made portable); each backup has a manifest of per-table row counts and ordered-row
checksums that ``restore`` checks.

Only the database is copied: the secret key, the pseudonym key and ``var/secrets.env`` live
outside it and never enter a backup.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import column, create_engine, inspect, select, table, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

from skillnest import __version__
from skillnest.core.errors import BadRequest, Conflict
from skillnest.settings import Settings

PG_SUFFIX = ".dump"
SQLITE_SUFFIX = ".sqlite3.gz"
MANIFEST_SUFFIX = ".json"
BACKUP_NAME = re.compile(r"^skillnest-.+-\d{8}_\d{6}(\.dump|\.sqlite3\.gz)$")


class BackupError(BadRequest):
    """A backup or restore could not be done."""


@dataclass
class TableFingerprint:
    """Rows of a table and a checksum over them in primary-key order."""

    rows: int
    checksum: str


@dataclass
class BackupResult:
    """What ``backup`` wrote and removed."""

    path: Path
    manifest: Path
    size: int
    tables: dict[str, TableFingerprint]
    removed: list[Path] = field(default_factory=list)


@dataclass
class RestoreResult:
    """What ``restore`` did and whether the database now matches the backup's manifest."""

    path: Path
    tables: dict[str, TableFingerprint]
    expected: dict[str, TableFingerprint] | None
    mismatches: list[str]

    @property
    def verified(self) -> bool | None:
        """True/False against the manifest; None when the backup had no manifest."""
        return None if self.expected is None else not self.mismatches


# --- fingerprints ---------------------------------------------------------------------


def sync_engine(settings: Settings) -> Engine:
    """A synchronous engine on the configured database (operations run outside the API)."""
    url = settings.database_url.replace("+aiosqlite", "")
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url)


def user_tables(conn: Connection) -> list[str]:
    """Every table of the database (PostgreSQL's public schema), SQLite's own excluded."""
    return sorted(n for n in inspect(conn).get_table_names() if not n.startswith("sqlite_"))


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def table_fingerprint(conn: Connection, name: str) -> TableFingerprint:
    """Count the rows of a table and hash them in primary-key order."""
    inspector = inspect(conn)
    names = [c["name"] for c in inspector.get_columns(name)]
    keys = inspector.get_pk_constraint(name).get("constrained_columns") or names
    target = table(name, *(column(n) for n in names))
    digest = hashlib.sha256()
    rows = 0
    query = select(target).order_by(*(target.c[k] for k in keys))
    result = conn.execution_options(yield_per=2000).execute(query)
    for row in result:
        digest.update(orjson.dumps(list(row), default=_default, option=orjson.OPT_SORT_KEYS))
        digest.update(b"\n")
        rows += 1
    return TableFingerprint(rows, digest.hexdigest())


def fingerprints(conn: Connection) -> dict[str, TableFingerprint]:
    """Row count and ordered-row checksum of every table."""
    return {name: table_fingerprint(conn, name) for name in user_tables(conn)}


def compare(expected: dict[str, TableFingerprint], found: dict[str, TableFingerprint]) -> list[str]:
    """Human-readable differences between two sets of fingerprints."""
    problems = []
    for name in sorted(set(expected) | set(found)):
        if name not in found:
            problems.append(f"{name}: missing")
        elif name not in expected:
            problems.append(f"{name}: not in the backup")
        elif expected[name].rows != found[name].rows:
            problems.append(f"{name}: {found[name].rows} rows, expected {expected[name].rows}")
        elif expected[name].checksum != found[name].checksum:
            problems.append(f"{name}: same row count but different contents")
    return problems


# --- PostgreSQL tools -----------------------------------------------------------------


def pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` matching the server: SKILLNEST_PG_BIN first, then PATH."""
    bin_dir = os.environ.get("SKILLNEST_PG_BIN")
    if bin_dir and (Path(bin_dir) / name).is_file():
        return str(Path(bin_dir) / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client or set SKILLNEST_PG_BIN"
        )
    return found


def _tool_major(path: str) -> int:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


def check_tool_version(path: str, conn: Connection) -> None:
    """pg_dump refuses (or worse, half-works) against a newer server: say so early."""
    server = int(str(conn.execute(text("SHOW server_version_num")).scalar())) // 10000
    tool = _tool_major(path)
    if tool < server:
        raise BackupError(
            f"{Path(path).name} {tool} is older than the server ({server}); set SKILLNEST_PG_BIN "
            f"to the bin folder of PostgreSQL {server}"
        )


def pg_env(url: URL) -> dict[str, str]:
    """The libpq environment for a URL: the password travels in PGPASSWORD, never in argv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if url.host:
        env["PGHOST"] = url.host
    if url.port:
        env["PGPORT"] = str(url.port)
    if url.username:
        env["PGUSER"] = url.username
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    if url.database:
        env["PGDATABASE"] = url.database
    sslmode = url.query.get("sslmode")
    if isinstance(sslmode, str):
        env["PGSSLMODE"] = sslmode
    return env


def _run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: {result.stderr.strip()[-2000:]}")


# --- backup ---------------------------------------------------------------------------


def _database_name(settings: Settings) -> str:
    url = make_url(settings.database_url)
    name = Path(url.database or "db").name if settings.is_sqlite else (url.database or "db")
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name.removesuffix(".db"))


def _private_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        directory.chmod(0o700)


def backup(
    settings: Settings, directory: Path, keep_days: int = 7, now: datetime | None = None
) -> BackupResult:
    """Write a compressed, timestamped backup and its manifest; prune old backups."""
    now = now or datetime.now(UTC)
    _private_dir(directory)
    stem = f"skillnest-{_database_name(settings)}-{now:%Y%m%d_%H%M%S}"
    suffix = SQLITE_SUFFIX if settings.is_sqlite else PG_SUFFIX
    path = directory / (stem + suffix)
    if path.exists():
        raise BackupError(f"{path} already exists")
    partial = directory / f".{stem}{suffix}.partial"
    try:
        if settings.is_sqlite:
            tables = _backup_sqlite(settings, partial)
        else:
            tables = _backup_postgres(settings, partial)
        partial.chmod(0o600)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    manifest = path.with_name(path.name + MANIFEST_SUFFIX)
    manifest.write_text(
        json.dumps(
            {
                "file": path.name,
                "sha256": _sha256(path),
                "dialect": "sqlite" if settings.is_sqlite else "postgresql",
                "created_at": now.isoformat(),
                "skillnest": __version__,
                "tables": {n: vars(t) for n, t in tables.items()},
            },
            indent=2,
        )
        + "\n"
    )
    manifest.chmod(0o600)
    removed = prune(directory, keep_days, now, keep={path})
    return BackupResult(path, manifest, path.stat().st_size, tables, removed)


def _backup_sqlite(settings: Settings, target: Path) -> dict[str, TableFingerprint]:
    source_file = make_url(settings.database_url).database
    if not source_file or not Path(source_file).exists():
        raise BackupError(f"no SQLite database at {source_file}")
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        copy = Path(tmp) / "copy.sqlite3"
        source = sqlite3.connect(source_file)
        destination = sqlite3.connect(copy)
        try:
            source.backup(destination)  # consistent even while the API is writing
        finally:
            destination.close()
            source.close()
        engine = create_engine(f"sqlite:///{copy}")
        try:
            with engine.connect() as conn:
                tables = fingerprints(conn)
        finally:
            engine.dispose()
        with copy.open("rb") as raw, gzip.open(target, "wb", compresslevel=6) as packed:
            shutil.copyfileobj(raw, packed, 1 << 20)
    return tables


def _backup_postgres(settings: Settings, target: Path) -> dict[str, TableFingerprint]:
    pg_dump = pg_tool("pg_dump")
    engine = sync_engine(settings)
    url = engine.url
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            # One snapshot for the manifest and for pg_dump: both see exactly the same rows.
            check_tool_version(pg_dump, conn)
            snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar())
            tables = fingerprints(conn)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--compress=6",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                pg_env(url),
            )
            conn.rollback()
    finally:
        engine.dispose()
    return tables


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prune(directory: Path, keep_days: int, now: datetime, keep: set[Path]) -> list[Path]:
    """Delete backups (and manifests) older than ``keep_days``, like ``find -mtime +N``."""
    cutoff = (now - timedelta(days=keep_days)).timestamp()
    removed = []
    for path in sorted(directory.iterdir()):
        if path in keep or not BACKUP_NAME.match(path.name):
            continue
        if path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(path)
            manifest = path.with_name(path.name + MANIFEST_SUFFIX)
            if manifest.exists():
                manifest.unlink()
                removed.append(manifest)
    return removed


# --- restore --------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, TableFingerprint] | None:
    """The table fingerprints recorded next to a backup, if its manifest is there."""
    manifest = path.with_name(path.name + MANIFEST_SUFFIX)
    if not manifest.exists():
        return None
    data = json.loads(manifest.read_text())
    if data.get("sha256") and data["sha256"] != _sha256(path):
        raise BackupError(f"{path.name} does not match its manifest: the file is damaged")
    return {n: TableFingerprint(**t) for n, t in data["tables"].items()}


def restore(settings: Settings, path: Path, force: bool = False) -> RestoreResult:
    """Restore a backup into the configured database, which must be empty unless ``force``."""
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    is_sqlite_backup = path.name.endswith(SQLITE_SUFFIX)
    if is_sqlite_backup != settings.is_sqlite:
        kind = "an SQLite" if is_sqlite_backup else "a PostgreSQL"
        raise BackupError(f"{path.name} is {kind} backup; the configured database is not")
    expected = read_manifest(path)
    engine = sync_engine(settings)
    try:
        with engine.connect() as conn:
            existing = user_tables(conn)
        if existing and not force:
            raise Conflict(
                f"the database is not empty ({len(existing)} tables); restore into an empty "
                "database, or pass --force to replace everything in it"
            )
        if settings.is_sqlite:
            engine.dispose()
            _restore_sqlite(settings, path)
        else:
            _restore_postgres(engine, path, wipe=bool(existing))
        engine.dispose()
        with engine.connect() as conn:
            found = fingerprints(conn)
    finally:
        engine.dispose()
    mismatches = compare(expected, found) if expected is not None else []
    return RestoreResult(path, found, expected, mismatches)


def _restore_sqlite(settings: Settings, path: Path) -> None:
    target = Path(make_url(settings.database_url).database or "")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        unpacked = Path(tmp) / "restore.sqlite3"
        with gzip.open(path, "rb") as packed, unpacked.open("wb") as raw:
            shutil.copyfileobj(packed, raw, 1 << 20)
        source = sqlite3.connect(unpacked)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)  # replaces the whole content, page by page
        finally:
            destination.close()
            source.close()


def _restore_postgres(engine: Engine, path: Path, wipe: bool) -> None:
    pg_restore = pg_tool("pg_restore")
    with engine.connect() as conn:
        check_tool_version(pg_restore, conn)
        if wipe:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            conn.commit()
    # Roles and grants belong to the target server: create-readonly-role sets them again.
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={engine.url.database}",
            str(path),
        ],
        pg_env(engine.url),
    )
