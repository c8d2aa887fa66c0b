"""The catalog snapshot file: what the offline ``skillnest suggest`` ranks from.

``skillnest catalog export`` and ``skillnest catalog import`` write it, the CLI caches the
server's copy (``GET /api/v1/catalog/snapshot``) after answering online, and a copy built
from the repository's data ships inside the package as the last resort.
"""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from skillnest.catalog.ranking import CatalogSkill, Mapping

FORMAT = "skillnest-catalog-snapshot"
VERSION = 1
SNAPSHOT_ENV = "SKILLNEST_CATALOG_SNAPSHOT"
BUNDLED = Path(__file__).resolve().parent / "catalog-snapshot.json.gz"


class SnapshotError(ValueError):
    """A snapshot file is missing or not a catalog snapshot."""


def default_snapshot_path() -> Path:
    """``$SKILLNEST_CATALOG_SNAPSHOT``, else ``$XDG_CACHE_HOME/skillnest/catalog-snapshot.json``."""
    configured = os.environ.get(SNAPSHOT_ENV)
    if configured:
        return Path(configured).expanduser()
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "skillnest" / "catalog-snapshot.json"


def snapshot_document(skills: list[CatalogSkill], source: str) -> dict[str, Any]:
    """The JSON document of a snapshot."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": datetime.now(UTC).isoformat(),
        "source": source,
        "skills": [
            {
                "id": s.id,
                "skill_id": s.skill_id,
                "title": s.title,
                "description": s.description,
                "repo": s.repo,
                "installs": s.installs,
                "packages": [[m.name, m.ecosystem, m.confidence] for m in s.mappings],
            }
            for s in skills
        ],
    }


def encode(document: dict[str, Any]) -> bytes:
    """Serialise a snapshot document."""
    return orjson.dumps(document)


def write_snapshot(path: Path, document: dict[str, Any]) -> Path:
    """Write atomically (gzip when the name ends in ``.gz``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = encode(document)
    if path.suffix == ".gz":
        raw = gzip.compress(raw, mtime=0)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(raw)
    tmp.replace(path)
    return path


def parse_snapshot(raw: bytes, origin: str) -> tuple[list[CatalogSkill], dict[str, Any]]:
    """Skills and header of a snapshot (gzip or plain JSON)."""
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SnapshotError(f"{origin} is not JSON") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError(f"{origin} is not a skillnest catalog snapshot")
    if document.get("version") != VERSION:
        raise SnapshotError(f"{origin} has snapshot version {document.get('version')}")
    try:
        skills = [
            CatalogSkill(
                id=s["id"],
                skill_id=s["skill_id"],
                title=s["title"],
                description=s["description"],
                repo=s["repo"],
                installs=int(s["installs"]),
                mappings=tuple(Mapping(n, e, float(c)) for n, e, c in s["packages"]),
            )
            for s in document["skills"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"{origin} has a malformed skill: {exc}") from exc
    header = {k: v for k, v in document.items() if k != "skills"}
    return skills, header


def read_snapshot(path: Path) -> tuple[list[CatalogSkill], dict[str, Any]]:
    """Read a snapshot file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{path} cannot be read: {exc.strerror}") from exc
    return parse_snapshot(raw, str(path))
