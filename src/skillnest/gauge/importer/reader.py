"""The legacy side: MetaGauge's files found in both layouts, backed up and loaded."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from skillnest.core.errors import BadRequest
from skillnest.gauge.importer.report import KINDS, BackupFailed

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class SourceFile:
    """A legacy JSON file; ``owner`` is the user folder name in the per-user layout."""

    kind: str
    path: Path
    rel: str
    owner: str | None = None


def discover(data_dir: Path) -> tuple[list[SourceFile], list[str], list[str]]:
    """The legacy files of both layouts, the layouts seen, and what is skipped (and why)."""
    if not (data_dir / "users.json").is_file():
        raise BadRequest(f"{data_dir / 'users.json'} does not exist: not a MetaGauge data folder")
    files = [SourceFile("users", data_dir / "users.json", "users.json")]
    layouts: list[str] = []
    skipped: list[str] = []
    for kind in KINDS[1:]:
        path = data_dir / f"{kind}.json"
        if path.is_file():
            files.append(SourceFile(kind, path, f"{kind}.json"))
            if "seed" not in layouts:
                layouts.append("seed")
    users_dir = data_dir / "users"
    if users_dir.is_dir():
        folders = sorted(p for p in users_dir.iterdir() if p.is_dir())
        if folders:
            layouts.append("per-user")
        for folder in folders:
            if folder.name == ANONYMOUS:
                count = sum(_count_records(folder / f"{k}.json") for k in KINDS[1:])
                skipped.append(
                    f"users/{ANONYMOUS}/: {count} records without an owner account were not "
                    "imported (the original tool skips this folder too)"
                )
                continue
            for kind in KINDS[1:]:
                path = folder / f"{kind}.json"
                if path.is_file():
                    files.append(
                        SourceFile(kind, path, f"users/{folder.name}/{kind}.json", folder.name)
                    )
    return files, layouts or ["seed"], skipped


def _count_records(path: Path) -> int:
    if not path.is_file():
        return 0
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return 0
    return len(data) if isinstance(data, list) else 0


def backup_sources(data_dir: Path, files: Sequence[SourceFile], when: datetime) -> Path:
    """Copy every source file to ``DATA_DIR/backup-<timestamp>/`` and check the copies."""
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    target = data_dir / f"backup-{stamp}"
    suffix = 1
    while target.exists():
        suffix += 1
        target = data_dir / f"backup-{stamp}-{suffix}"
    try:
        target.mkdir(parents=True)
        for source in files:
            copy = target / source.rel
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source.path, copy)
            if _sha256(copy) != _sha256(source.path):
                raise OSError(f"the copy of {source.rel} differs from the original")
    except OSError as exc:
        raise BackupFailed(
            f"cannot back up the legacy files to {target}: {exc}; nothing was imported"
        ) from exc
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Loaded:
    """A legacy file's records, or why it could not be read (``error``)."""

    records: list[Any]
    error: str | None = None
    # JSON must escape control characters, so only an escaped NUL can hide in a file.
    nul_possible: bool = False


def load(source: SourceFile) -> Loaded:
    """The top-level records of a legacy file (a file that is not a JSON list is an error)."""
    try:
        content = source.path.read_bytes()
        data = orjson.loads(content)
    except (OSError, orjson.JSONDecodeError) as exc:
        return Loaded([], f"cannot read JSON: {exc}")
    nul_possible = b"\\u0000" in content
    if not isinstance(data, list):
        return Loaded([], "the file must hold a list", nul_possible)
    return Loaded(data, None, nul_possible)
