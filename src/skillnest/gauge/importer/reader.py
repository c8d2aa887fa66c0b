"""The legacy side: MetaGauge's files found in both layouts, backed up and loaded."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator, Sequence
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
    """The top-level records of a legacy file, all at once (a file not a JSON list: an error).

    For ``users.json`` (validated as one list) and the small per-user files.
    """
    try:
        streamed = stream(source)
        records = [record for part in streamed.pieces() for record in part]
    except UnreadableFile as exc:
        return Loaded([], str(exc))
    return Loaded(records, None, streamed.nul_possible)


class UnreadableFile(Exception):
    """A legacy file that cannot be read as a JSON list; the message says why."""


# About this many bytes of a file are parsed at once. Parsed whole, the benchmark's 510 MB
# analyses.json holds 3.2 GB of Python objects (the import peaked at 3.3 GB); piece by
# piece the memory of written records is used again (peak 0.9 GB). Smaller pieces cost
# more CPU per byte (1 MB: +20 % importer CPU), larger ones more memory (64 MB: 1.3 GB).
PIECE_BYTES = 16 << 20


@dataclass
class Streamed:
    """A legacy file read whole, its records parsed a piece at a time (``pieces``)."""

    content: bytes
    estimate: int  # records, for progress: the top-level closing lines (or exact when whole)
    nul_possible: bool
    closer: bytes | None  # the line ending each record; None: ``whole`` is the file
    whole: list[Any] | None = None

    def pieces(self) -> Iterator[list[Any]]:
        """The file's records, in order, a few megabytes of them at a time.

        Raises ``UnreadableFile`` (possibly after some pieces) when the file is not a JSON
        list. A piece cut inside a record fails to parse and only costs a whole parse.
        """
        if self.closer is None:
            yield self.whole or []
            return
        done = 0
        try:
            for part in _split_records(self.content, self.closer):
                done += len(part)
                yield part
            return
        except (orjson.JSONDecodeError, _MisplacedCut):
            pass  # a cut inside a record, or a broken file: the whole file decides
        data = _parse_list(self.content)
        if done < len(data):
            yield data[done:]


def stream(source: SourceFile) -> Streamed:
    """Read a legacy file for ``Streamed.pieces``; raises ``UnreadableFile`` if unreadable."""
    try:
        content = source.path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read JSON: {exc}") from exc
    nul_possible = b"\\u0000" in content
    closer = _record_closer(content)
    if closer is None:  # one line, or not a list of objects: parsed at once
        whole = _parse_list(content)
        return Streamed(content, len(whole), nul_possible, None, whole)
    return Streamed(content, content.count(closer), nul_possible, closer)


def _parse_list(content: bytes) -> list[Any]:
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise UnreadableFile(f"cannot read JSON: {exc}") from exc
    if not isinstance(data, list):
        raise UnreadableFile("the file must hold a list")
    return data


def _record_closer(content: bytes) -> bytes | None:
    """The line that ends each top-level record of an indented JSON list, or None.

    A raw newline cannot occur inside a JSON string, so a newline, the first record's own
    indentation and ``}`` can only close an object: the top-level record's, or (in a file
    indented otherwise) a nested one, which leaves that piece unbalanced and failing to
    parse. A piece that parses is therefore whole records.
    """
    opening = content.find(b"[")
    if opening < 0 or content[:opening].strip():
        return None
    first = _past_blanks(content, opening + 1)
    newline = content.rfind(b"\n", opening, first)
    if content[first : first + 1] != b"{" or newline < 0:
        return None  # not a list of objects, or on one line: parsed whole
    return b"\n" + content[newline + 1 : first].rstrip(b"\r") + b"}"


_BLANKS = (b" ", b"\t", b"\r", b"\n")


class _MisplacedCut(Exception):
    """What follows a piece is no separator between records: the whole file decides."""


def _split_records(content: bytes, closer: bytes) -> Iterator[list[Any]]:
    start = content.find(b"{")
    while True:
        found = content.find(closer, start + PIECE_BYTES)
        if found < 0:
            yield orjson.loads(b"[" + content[start:])  # the rest holds the list's "]"
            return
        end = found + len(closer)
        yield orjson.loads(b"[" + content[start:end] + b"]")
        start = _next_record(content, end)


def _next_record(content: bytes, at: int) -> int:
    """Where the record after a piece starts: past blanks, one comma, blanks, at ``{``.

    With no comma the list must end there (``]``); the final piece parse checks the rest.
    Anything else (two commas, a trailing comma, records without a comma) is invalid JSON
    that piece-wise parsing would let through.
    """
    at = _past_blanks(content, at)
    if content[at : at + 1] != b",":
        if content[at : at + 1] != b"]":
            raise _MisplacedCut
        return at
    at = _past_blanks(content, at + 1)
    if content[at : at + 1] != b"{":
        raise _MisplacedCut
    return at


def _past_blanks(content: bytes, at: int) -> int:
    while content[at : at + 1] in _BLANKS:
        at += 1
    return at
