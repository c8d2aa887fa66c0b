"""MetaGauge's other per-user files, kept whole as JSON documents owned by user and contract.

The origin's own migration (``scripts/migrate-data.js``) carries, beside the five record
files, each user's ``metrics.json``, ``metrics_history.json`` (one snapshot per date),
``competitor_metrics.json``, ``live_poll.json``, ``traction.json``, ``agent-memory.json``
and ``competitors/*.json`` (one per competitor address and chain). They go to
``gauge_user_documents`` with the same guarantees as the rest: validated (a JSON object, a
history entry with a unique date, a competitor with an address), written with ``ON
CONFLICT DO NOTHING`` on (user, kind, key), read back, counted and checksummed.

Every other file of the folder is named in the report with the reason it was not imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import cast as type_cast

import orjson
from sqlalchemy import Table, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.bulk import bulk_insert
from skillnest.gauge import legacy
from skillnest.gauge.importer.reader import ANONYMOUS, SourceFile
from skillnest.gauge.importer.report import KINDS, SourceGroup
from skillnest.gauge.importer.rows import CONTRACTS, Checksum, row_digest
from skillnest.gauge.importer.state import RunState
from skillnest.gauge.importer.validator import Validator
from skillnest.gauge.models import UserDocument

DOCUMENTS: Table = type_cast(Table, UserDocument.__table__)
TABLE = "user_documents"

# file name in a user's folder -> document kind (the origin's names, hyphen included)
SINGLE_FILES = {
    "metrics.json": "metrics",
    "metrics_history.json": "metrics_history",
    "competitor_metrics.json": "competitor_metrics",
    "live_poll.json": "live_poll",
    "traction.json": "traction",
    "agent-memory.json": "agent_memory",
}
COMPETITORS_DIR = "competitors"
MAX_KEY = 200

# Files of the origin's data folder that have no skillnest counterpart, and why.
GLOBAL_FILES = {
    "alerts.json": "MetaGauge's triggered alerts: skillnest has no alerts",
    "alert-configs": "MetaGauge's alert rules: skillnest has no alerts",
    "agent-configs.json": "MetaGauge's AI agent settings: skillnest has no agents",
    "ai-tasks.json": "MetaGauge's AI task queue: transient work, not user data",
}
# Folders the importer writes into the data folder itself.
OWN_OUTPUT = ("backup-", "import-")


def discover_documents(data_dir: Path) -> list[SourceFile]:
    """The per-user document files (the ``anonymous`` folder is reported by the reader)."""
    users_dir = data_dir / "users"
    if not users_dir.is_dir():
        return []
    found: list[SourceFile] = []
    for folder in sorted(p for p in users_dir.iterdir() if p.is_dir()):
        if folder.name == ANONYMOUS:
            continue
        for name, kind in SINGLE_FILES.items():
            if (folder / name).is_file():
                rel = f"users/{folder.name}/{name}"
                found.append(SourceFile(kind, folder / name, rel, folder.name))
        competitors = folder / COMPETITORS_DIR
        if competitors.is_dir():
            for path in sorted(competitors.glob("*.json")):
                if path.is_file():
                    rel = f"users/{folder.name}/{COMPETITORS_DIR}/{path.name}"
                    found.append(SourceFile("competitor", path, rel, folder.name))
    return found


def not_imported(data_dir: Path, imported: set[str]) -> list[str]:
    """Every other file of the data folder, by name, with the reason it is not imported."""
    notes: list[str] = []
    for rel, path in _walk(data_dir, data_dir):
        if rel in imported:
            continue
        parts = rel.split("/")
        if parts[0] in GLOBAL_FILES:
            reason = GLOBAL_FILES[parts[0]]
        elif parts[0] == "users" and len(parts) > 2 and parts[1] == ANONYMOUS:
            continue  # the reader already names the folder and its records
        elif path.name.endswith(".backup") or ".backup." in path.name:
            reason = "a backup copy (the original migration skips these too)"
        elif parts[0] == "users" and len(parts) == 2:
            reason = "a file directly in users/, where only user folders are read"
        else:
            reason = "not a MetaGauge file the importer knows"
        notes.append(f"{rel}: {reason}; not imported")
    return notes


def _walk(root: Path, folder: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(folder.iterdir()):
        rel = path.relative_to(root).as_posix()
        if folder == root and path.is_dir() and path.name.startswith(OWN_OUTPUT):
            continue
        if path.is_dir():
            yield from _walk(root, path)
        elif path.is_file():
            yield rel, path


@dataclass
class Doc:
    """A valid document waiting to be written."""

    user_id: int
    kind: str
    key: str
    data: Any
    address: tuple[str, str] | None


def _address_of(data: Any) -> tuple[str, str] | None:
    """The (address, chain) of the user's contract a document is about, if it names one."""
    if not isinstance(data, dict):
        return None
    address = data.get("contractAddress")
    chain = data.get("contractChain") or data.get("chain") or "ethereum"
    if isinstance(address, str) and address.strip() and isinstance(chain, str):
        return address.strip().lower(), chain
    return None


class DocumentImporter:
    """Validates, writes and verifies the per-user documents of one run."""

    def __init__(
        self, session: AsyncSession, state: RunState, validator: Validator, batch_size: int
    ) -> None:
        self.session, self.state, self.validator = session, state, validator
        self.batch_size = batch_size
        self.pending: list[Doc] = []
        self.seen: dict[tuple[int, str, str], str] = {}
        self.valid_keys: set[tuple[str, str, str]] = set()
        self.expected = Checksum()
        self.inserted: set[int] = set()

    async def run(self, files: list[SourceFile], groups: list[SourceGroup]) -> None:
        """Read, validate and write every document file (grouped by kind in the report)."""
        by_kind: dict[str, SourceGroup] = {}
        t = self.state.t[TABLE]
        for source in files:
            label = (
                f"users/*/{COMPETITORS_DIR}/*.json"
                if source.kind == "competitor"
                else f"users/*/{source.path.name}"
            )
            group = by_kind.get(label)
            if group is None:
                group = by_kind[label] = SourceGroup(label, TABLE)
                groups.append(group)
            before = t.rejected
            records = self._records(source)
            group.files += 1
            group.records += len(records)
            for index, raw in enumerate(records):
                t.read += 1
                self._check(source, index, raw)
            group.rejected += t.rejected - before
        await self._write()

    def _records(self, source: SourceFile) -> list[Any]:
        """A history file's entries, or the one document of any other file."""
        try:
            content = source.path.read_bytes()
            data = orjson.loads(content)
        except (OSError, orjson.JSONDecodeError) as exc:
            problem = ("(file)", f"cannot read JSON: {exc}")
            self.validator.reject(TABLE, source.rel, None, None, [problem])
            return []
        if source.kind == "metrics_history":
            if not isinstance(data, list):
                problem = ("(file)", "the file must hold a list")
                self.validator.reject(TABLE, source.rel, None, None, [problem])
                return []
            return data
        return [data]

    def _check(self, source: SourceFile, index: int, raw: Any) -> None:
        """File the problems of one document, or queue it."""
        reject = self.validator.reject
        if not isinstance(raw, dict):
            reject(TABLE, source.rel, index, raw, [("(record)", "must be an object")])
            return
        nul = legacy.find_nul(raw)
        if nul is not None:
            reason = "contains a NUL character, which PostgreSQL cannot store"
            reject(TABLE, source.rel, index, raw, [(nul, reason)])
            return
        key, issue = self._key(source.kind, raw)
        if issue is not None:
            reject(TABLE, source.rel, index, raw, [issue])
            return
        owner = self.validator.owner(TABLE, source, index, raw, None)
        if owner is None:
            return
        first = self.seen.get((owner, source.kind, key))
        if first is not None:
            what = "date" if source.kind == "metrics_history" else "address and chain"
            reject(TABLE, source.rel, index, raw, [(what, f"same {what} as {first}")])
            return
        self.seen[(owner, source.kind, key)] = f"{source.rel}[{index}]"
        self.valid_keys.add((self.state.user_legacy[owner], source.kind, key))
        self.pending.append(Doc(owner, source.kind, key, raw, _address_of(raw)))

    @staticmethod
    def _key(kind: str, raw: dict[str, Any]) -> tuple[str, tuple[str, str] | None]:
        """The document's key within its kind, or the problem with it."""
        if kind == "metrics_history":
            date = raw.get("date")
            if not isinstance(date, str) or not date.strip():
                return "", ("date", "is missing (a history snapshot is keyed on its date)")
            if len(date) > MAX_KEY:
                return "", ("date", f"is longer than {MAX_KEY} characters")
            return date, None
        if kind == "competitor":
            address, chain = raw.get("address"), raw.get("chain") or "ethereum"
            if not isinstance(address, str) or not address.strip():
                return "", ("address", "is missing (a competitor is keyed on its address)")
            if not isinstance(chain, str):
                return "", ("chain", "must be a string")
            key = f"{address.strip().lower()}:{chain}"
            if len(key) > MAX_KEY:
                return "", ("address", f"with its chain is longer than {MAX_KEY} characters")
            return key, None
        return "", None

    async def _contracts(self) -> dict[tuple[int, str, str], int]:
        """(user, lower address, chain) -> contract id, for the owners of queued documents."""
        owners = sorted({d.user_id for d in self.pending if d.address})
        found: dict[tuple[int, str, str], int] = {}
        for start in range(0, len(owners), 500):
            rows = await self.session.execute(
                select(
                    CONTRACTS.c.id,
                    CONTRACTS.c.user_id,
                    func.lower(CONTRACTS.c.address),
                    CONTRACTS.c.chain,
                )
                .where(CONTRACTS.c.user_id.in_(owners[start : start + 500]))
                .order_by(CONTRACTS.c.id.desc())
            )
            for contract_id, user_id, address, chain in rows:
                found[(user_id, address, chain)] = contract_id  # the oldest one wins
        return found

    async def _write(self) -> None:
        """Insert the queued documents; count and checksum the new ones."""
        contracts = await self._contracts()
        t = self.state.t[TABLE]
        pending, self.pending = self.pending, []
        for start in range(0, len(pending), self.batch_size):
            batch = pending[start : start + self.batch_size]
            rows = [
                {
                    "user_id": d.user_id,
                    "kind": d.kind,
                    "doc_key": d.key,
                    "contract_id": contracts.get((d.user_id, *d.address)) if d.address else None,
                    "data": d.data,
                }
                for d in batch
            ]
            result = await bulk_insert(
                self.session,
                DOCUMENTS,
                rows,
                conflict=("user_id", "kind", "doc_key"),
                returning=("id", "user_id", "kind", "doc_key"),
            )
            new = {(u, k, key): row_id for row_id, u, k, key in result}
            for row in rows:
                row_id = new.get((row["user_id"], row["kind"], row["doc_key"]))
                if row_id is None:
                    t.present += 1
                    continue
                t.inserted += 1
                self.inserted.add(row_id)
                self.expected.add(self._digest(row["user_id"], row))

    def _digest(self, user_id: int, row: dict[str, Any]) -> int:
        legacy_user = self.state.user_legacy[user_id]
        values = [legacy_user, row["kind"], row["doc_key"], row["contract_id"], row["data"]]
        return row_digest(TABLE, values)

    async def verify(self) -> None:
        """Read the documents back: count the valid keys, checksum the rows inserted now."""
        t = self.state.t[TABLE]
        t.expected_checksum = self.expected.hexdigest()
        found, count = Checksum(), 0
        d = DOCUMENTS
        query = select(
            d.c.id, d.c.user_id, d.c.kind, d.c.doc_key, d.c.contract_id, cast(d.c.data, Text)
        )
        result = await self.session.stream(query.execution_options(yield_per=2000))
        async for partition in result.partitions():
            for row_id, user_id, kind, key, contract_id, text in partition:
                legacy_user = self.state.user_legacy.get(user_id)
                if legacy_user is None:
                    continue
                count += (legacy_user, kind, key) in self.valid_keys
                if row_id in self.inserted:
                    row = {
                        "kind": kind,
                        "doc_key": key,
                        "contract_id": contract_id,
                        "data": orjson.loads(text),
                    }
                    found.add(self._digest(user_id, row))
        t.found = count
        t.found_checksum = found.hexdigest()


def imported_names(files: list[SourceFile]) -> set[str]:
    """The relative names of the files a run reads."""
    return {f.rel for f in files}


__all__ = [
    "DOCUMENTS",
    "KINDS",
    "DocumentImporter",
    "discover_documents",
    "imported_names",
    "not_imported",
]
