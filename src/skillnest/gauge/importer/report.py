"""The import report: per-table counts and checksums, problems, and where it is written."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from skillnest.core.errors import BadRequest

KINDS = ("users", "contracts", "analyses", "chat_sessions", "chat_messages")
TABLES = (
    "users",
    "user_onboarding",
    "user_preferences",
    "contracts",
    "contract_competitors",
    "contract_rpc_config",
    "contract_analysis_params",
    "analyses",
    "chat_sessions",
    "chat_messages",
)


class BackupFailed(BadRequest):
    """The legacy files could not be copied aside: the import does not start."""


@dataclass
class Problem:
    """Why one record (or a whole file, ``index`` None) was not imported."""

    file: str
    index: int | None
    field: str
    reason: str


@dataclass
class TableResult:
    """Counts and verification of one table."""

    read: int = 0
    rejected: int = 0
    inserted: int = 0
    present: int = 0
    found: int = 0
    expected_checksum: str = ""
    found_checksum: str = ""

    @property
    def valid(self) -> int:
        """Records that passed validation."""
        return self.read - self.rejected

    @property
    def verified(self) -> bool:
        """Every valid record is in the table and the inserted rows match the JSON."""
        return self.found == self.valid and self.expected_checksum == self.found_checksum


@dataclass
class SourceGroup:
    """One legacy file, or all per-user files of one kind."""

    label: str
    kind: str
    files: int = 0
    records: int = 0
    rejected: int = 0


@dataclass
class ImportReport:
    """Everything an import did, for the summary table, ``--json`` and report.json."""

    data_dir: str
    layouts: list[str] = field(default_factory=list)
    dry_run: bool = False
    skip_invalid: bool = False
    backup_dir: str | None = None
    sources: list[SourceGroup] = field(default_factory=list)
    tables: dict[str, TableResult] = field(
        default_factory=lambda: {t: TableResult() for t in TABLES}
    )
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    dropped_fields: dict[str, int] = field(default_factory=dict)
    rejected_records: list[dict[str, Any]] = field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        """Whether every table passed its count and checksum check."""
        return all(t.verified for t in self.tables.values())

    @property
    def should_commit(self) -> bool:
        """Commit only a verified real run without invalid records (unless skipping them)."""
        if self.dry_run or not self.verified:
            return False
        return self.skip_invalid or not self.problems

    @property
    def records_read(self) -> int:
        """Legacy records read (top-level records of every file)."""
        return sum(s.records for s in self.sources)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document (rejected records themselves go to rejected.jsonl)."""
        return {
            "data_dir": self.data_dir,
            "layouts": self.layouts,
            "dry_run": self.dry_run,
            "skip_invalid": self.skip_invalid,
            "committed": self.committed,
            "verified": self.verified,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "records_read": self.records_read,
            "backup_dir": self.backup_dir,
            "sources": [asdict(s) for s in self.sources],
            "tables": {
                name: {
                    "read": t.read,
                    "rejected": t.rejected,
                    "inserted": t.inserted,
                    "already_present": t.present,
                    "found": t.found,
                    "expected_checksum": t.expected_checksum,
                    "found_checksum": t.found_checksum,
                    "verified": t.verified,
                }
                for name, t in self.tables.items()
            },
            "problems": [asdict(p) for p in self.problems],
            "skipped": self.skipped,
            "dropped_fields": self.dropped_fields,
        }


class Progress(Protocol):
    """Where the importer reports its progress (a Rich progress bar in the CLI)."""

    def start(self, label: str, total: int) -> None:
        """A new file (or group of files) begins; ``total`` steps."""

    def advance(self, steps: int = 1) -> None:
        """Some steps of the current file are done."""


class NoProgress:
    """Progress that goes nowhere."""

    def start(self, label: str, total: int) -> None:
        """Ignore."""

    def advance(self, steps: int = 1) -> None:
        """Ignore."""


def write_report(report: ImportReport, directory: Path) -> Path:
    """Write report.json (and rejected.jsonl when records were rejected) to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "report.json"
    path.write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n")
    if report.rejected_records:
        with (directory / "rejected.jsonl").open("w") as handle:
            for item in report.rejected_records:
                handle.write(json.dumps(item, default=str, ensure_ascii=False) + "\n")
    return path
