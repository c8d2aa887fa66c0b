"""``skillnest import metagauge``: MetaGauge's JSON files into skillnest, losslessly.

The import mapping (legacy record -> rows):

- ``users.json`` -> ``users`` (name, email lower-cased, the bcrypt hash as is, admin only for
  an explicit ``role: "admin"``, createdAt/updatedAt/lastLogin) + ``gauge_accounts`` (legacy
  id, tier, SHA-256 of the API key, usage counters, billing, unknown keys) +
  ``user_onboarding`` + ``user_preferences`` (one each per user).
- ``contracts.json`` -> ``contracts`` + ``contract_competitors`` (position 0-4) +
  ``contract_rpc_config`` (one row per chain) + ``contract_analysis_params`` (one row).
- ``analyses.json`` -> ``analyses`` (``configId`` -> ``contract_id`` of the same owner).
- ``chat_sessions.json`` / ``chat_messages.json`` -> ``chat_sessions`` / ``chat_messages``.

Every table is written in the caller's one transaction, in batches keyed on the legacy
ids with ``ON CONFLICT DO NOTHING`` (COPY through a staging table on PostgreSQL, multi-row
INSERT on SQLite: ``core/bulk.py``), so a second run inserts nothing. Then each table is
read back: the rows carrying the imported legacy keys are counted and the rows this run
inserted are checksummed field by field against the same checksum computed from the JSON.
The caller commits only if there was no invalid record (or ``--skip-invalid``), the
verification passed, and it is not a dry run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from typing import cast as type_cast

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, Text, cast, false, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from skillnest.accounts.models import User, UserOnboarding, UserPreferences
from skillnest.core.bulk import bulk_insert
from skillnest.core.db import is_postgres
from skillnest.core.errors import BadRequest
from skillnest.core.security import token_digest
from skillnest.gauge import legacy
from skillnest.gauge.models import (
    Analysis,
    ChatMessage,
    ChatSession,
    Contract,
    ContractAnalysisParams,
    ContractCompetitor,
    ContractRpcConfig,
    GaugeAccount,
)

# The tables as Core objects (bulk statements work on tables, not on ORM classes).
USERS: Table = type_cast(Table, User.__table__)
ACCOUNTS: Table = type_cast(Table, GaugeAccount.__table__)
ONBOARDING: Table = type_cast(Table, UserOnboarding.__table__)
PREFERENCES: Table = type_cast(Table, UserPreferences.__table__)
CONTRACTS: Table = type_cast(Table, Contract.__table__)
COMPETITORS: Table = type_cast(Table, ContractCompetitor.__table__)
RPC_CONFIG: Table = type_cast(Table, ContractRpcConfig.__table__)
PARAMS: Table = type_cast(Table, ContractAnalysisParams.__table__)
ANALYSES: Table = type_cast(Table, Analysis.__table__)
CHAT_SESSIONS: Table = type_cast(Table, ChatSession.__table__)
CHAT_MESSAGES: Table = type_cast(Table, ChatMessage.__table__)

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
ANONYMOUS = "anonymous"
IMPORT_LOCK_ID = 0x6A06E1  # serialises concurrent imports on PostgreSQL
_HASH_MOD = 1 << 128


class BackupFailed(BadRequest):
    """The legacy files could not be copied aside: the import does not start."""


# --- report ---------------------------------------------------------------------------


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


# --- sources and backup ---------------------------------------------------------------


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


# --- checksums ------------------------------------------------------------------------


_DIGEST_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z


def row_digest(table: str, values: Iterable[Any]) -> int:
    """A 128-bit digest of one row's imported fields.

    Times must be in UTC on both sides (the legacy dates are parsed to UTC; the read-back
    sets the session to UTC on PostgreSQL, and SQLite's are marked UTC): orjson then writes
    them natively. Documents are written with sorted keys (JSONB reorders them). A number
    that JSONB rewrites (``1e21`` comes back as an integer) would show as a mismatch: a
    false alarm that stops the import, never a silent difference.
    """
    payload = orjson.dumps([table, *values], option=_DIGEST_OPTIONS)
    return int.from_bytes(hashlib.sha256(payload).digest()[:16], "big")


class Checksum:
    """An order-independent checksum of a set of rows (sum of row digests mod 2**128)."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, digest: int) -> None:
        """Count one row in."""
        self.total = (self.total + digest) % _HASH_MOD

    def hexdigest(self) -> str:
        """The checksum as 32 hex digits."""
        return f"{self.total:032x}"


# The imported fields of each table, in checksum order (after the legacy key columns).
FIELDS: dict[str, tuple[str, ...]] = {
    "users": ("name", "email", "password_hash", "is_admin", "created_at", "updated_at",
              "last_active_at"),
    "gauge_accounts": ("tier", "api_key_hash", "is_active", "email_verified", "analysis_count",
                       "ai_query_count", "monthly_analysis_count", "monthly_ai_query_count",
                       "last_analysis_at", "current_month", "monthly_reset_date", "billing",
                       "extra"),
    "user_onboarding": ("completed", "current_step", "social_links", "logo",
                        "default_contract", "extra"),
    "user_preferences": ("email_notifications", "analysis_notifications", "default_chain",
                         "extra"),
    "contracts": ("name", "description", "address", "chain", "target_name", "abi",
                  "function_signatures", "tags", "is_active", "is_default", "last_analyzed_at",
                  "analysis_count", "extra", "created_at", "updated_at"),
    "contract_competitors": ("address", "chain", "name", "abi"),
    "contract_rpc_config": ("urls",),
    "contract_analysis_params": ("search_strategy", "smart_search", "whale_threshold",
                                 "max_concurrent_requests", "failover_timeout", "max_retries",
                                 "output_formats", "extra"),
    "analyses": ("contract_address", "chain", "analysis_type", "status", "progress", "results",
                 "metadata", "error_message", "has_errors", "logs", "current_step",
                 "completed_at", "extra", "created_at", "updated_at"),
    "chat_sessions": ("title", "contract_address", "contract_chain", "contract_name",
                      "is_active", "message_count", "last_message_at", "metadata", "extra",
                      "created_at", "updated_at"),
    "chat_messages": ("role", "content", "components", "metadata", "is_streaming", "extra",
                      "created_at"),
}  # fmt: skip


_DOCUMENT_COLUMNS = frozenset(
    {"billing", "extra", "social_links", "default_contract", "function_signatures", "results",
     "metadata", "logs", "components"}
)  # fmt: skip


def _values(table: str, row: dict[str, Any]) -> list[Any]:
    return [row[name] for name in FIELDS[table]]


# --- legacy record -> rows (pure) -----------------------------------------------------


def _merge_extra(base: dict[str, Any] | None, **nested: dict[str, Any] | None) -> Any:
    merged = dict(base or {})
    for key, value in nested.items():
        if value:
            merged[key] = value
    return merged or None


def user_rows(rec: legacy.LegacyUser) -> dict[str, dict[str, Any]]:
    """The ``users``, ``gauge_accounts``, onboarding and preferences rows of a legacy user."""
    usage = rec.usage or legacy.LegacyUsage()
    onboarding = rec.onboarding or legacy.LegacyOnboarding()
    prefs = rec.preferences or legacy.LegacyPreferences()
    notifications = prefs.notifications or legacy.LegacyNotifications()
    return {
        "users": {
            "name": rec.name,
            "email": rec.email,
            "password_hash": rec.password,
            "is_admin": rec.role == "admin",
            "created_at": rec.created_at,
            "updated_at": rec.updated_at,
            "last_active_at": rec.last_login,
        },
        "gauge_accounts": {
            "legacy_id": rec.id,
            "tier": rec.tier,
            "api_key_hash": token_digest(rec.api_key) if rec.api_key else None,
            "is_active": rec.is_active,
            "email_verified": rec.email_verified,
            "analysis_count": usage.analysis_count,
            "ai_query_count": usage.ai_query_count,
            "monthly_analysis_count": usage.monthly_analysis_count,
            "monthly_ai_query_count": usage.monthly_ai_query_count,
            "last_analysis_at": usage.last_analysis,
            "current_month": usage.current_month,
            "monthly_reset_date": usage.monthly_reset_date,
            "billing": rec.billing,
            "extra": _merge_extra(rec.leftovers(), usage=usage.leftovers()),
        },
        "user_onboarding": {
            "completed": onboarding.completed,
            "current_step": onboarding.current_step,
            "social_links": onboarding.social_links,
            "logo": onboarding.logo,
            "default_contract": onboarding.default_contract,
            "extra": onboarding.leftovers(),
        },
        "user_preferences": {
            "email_notifications": notifications.email,
            "analysis_notifications": notifications.analysis,
            "default_chain": prefs.default_chain,
            "extra": _merge_extra(prefs.leftovers(), notifications=notifications.leftovers()),
        },
    }


def contract_rows(rec: legacy.LegacyContract) -> dict[str, Any]:
    """The contract row and its children (competitors, RPC config, analysis params)."""
    target = rec.target_contract
    params = rec.analysis_params or legacy.LegacyAnalysisParams()
    return {
        "contracts": {
            "legacy_id": rec.id,
            "name": rec.name,
            "description": rec.description,
            "address": target.address,
            "chain": target.chain,
            "target_name": target.name,
            "abi": target.abi,
            "function_signatures": target.function_signatures,
            "tags": rec.tags,
            "is_active": rec.is_active,
            "is_default": rec.is_default,
            "last_analyzed_at": rec.last_analyzed,
            "analysis_count": rec.analysis_count,
            "extra": _merge_extra(rec.leftovers(), targetContract=target.leftovers()),
            "created_at": rec.created_at,
            "updated_at": rec.updated_at,
        },
        "contract_competitors": [
            {"position": i, "address": c.address, "chain": c.chain, "name": c.name, "abi": c.abi}
            for i, c in enumerate(rec.competitors)
        ],
        "contract_rpc_config": [
            {"chain": chain, "urls": urls} for chain, urls in rec.rpc_config.items()
        ],
        "contract_analysis_params": {
            "search_strategy": params.search_strategy,
            "smart_search": params.smart_search,
            "whale_threshold": params.whale_threshold,
            "max_concurrent_requests": params.max_concurrent_requests,
            "failover_timeout": params.failover_timeout,
            "max_retries": params.max_retries,
            "output_formats": params.output_formats,
            "extra": params.leftovers(),
        },
    }


def analysis_row(rec: legacy.LegacyAnalysis) -> dict[str, Any]:
    """The ``analyses`` row of a legacy analysis (``contract_id`` is filled in later)."""
    return {
        "legacy_id": rec.id,
        "contract_address": rec.contract_address,
        "chain": rec.chain,
        "analysis_type": rec.analysis_type,
        "status": rec.status,
        "progress": rec.progress,
        "results": rec.results,
        "metadata": rec.metadata,
        "error_message": rec.error_message,
        "has_errors": rec.has_errors,
        "logs": rec.logs,
        "current_step": rec.current_step,
        "completed_at": rec.completed_at,
        "extra": rec.leftovers(),
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
    }


def chat_session_row(rec: legacy.LegacyChatSession) -> dict[str, Any]:
    """The ``chat_sessions`` row of a legacy session."""
    return {
        "legacy_id": rec.id,
        "title": rec.title,
        "contract_address": rec.contract_address,
        "contract_chain": rec.contract_chain,
        "contract_name": rec.contract_name,
        "is_active": rec.is_active,
        "message_count": rec.message_count,
        "last_message_at": rec.last_message_at,
        "metadata": rec.metadata,
        "extra": rec.leftovers(),
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
    }


def chat_message_row(rec: legacy.LegacyChatMessage) -> dict[str, Any]:
    """The ``chat_messages`` row of a legacy message."""
    return {
        "legacy_id": rec.id,
        "role": rec.role,
        "content": rec.content,
        "components": rec.components,
        "metadata": rec.metadata,
        "is_streaming": rec.is_streaming,
        "extra": rec.leftovers(),
        "created_at": rec.created_at,
    }


# --- the import -----------------------------------------------------------------------


def _as_text(column: Any) -> Any:
    """A JSON column read as its text (parsed later with orjson, only where needed)."""
    if column.name in _DOCUMENT_COLUMNS:
        return cast(column, Text).label(column.name)
    return column


def _is_text_doc(column: Any) -> bool:
    return getattr(column, "name", None) in _DOCUMENT_COLUMNS and isinstance(column.type, Text)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Pending:
    """A valid record waiting in a batch.

    ``parent`` is the owner's user id (the chat session id for messages), ``key`` the legacy
    ids that identify the row in the checksum (the first ``KEY_WIDTH`` of them are its
    identity), ``children`` the child rows of a contract.
    """

    parent: int
    legacy_id: str
    row: dict[str, Any]
    key: list[Any]
    children: dict[str, Any] | None = None


KEY_WIDTH = {"contracts": 2, "analyses": 2, "chat_sessions": 2, "chat_messages": 3}
CHILD_TABLES: dict[str, Table] = {
    "contract_competitors": COMPETITORS,
    "contract_rpc_config": RPC_CONFIG,
    "contract_analysis_params": PARAMS,
}


class Importer:
    """One import run inside the caller's transaction (see the module docstring)."""

    def __init__(
        self,
        *,
        session: AsyncSession,
        data_dir: Path,
        dry_run: bool = False,
        skip_invalid: bool = False,
        progress: Progress | None = None,
        batch_size: int = 1000,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.session = session
        self.data_dir = data_dir
        self.progress = progress or NoProgress()
        self.batch_size = batch_size
        self.now = now
        self.report = ImportReport(
            data_dir=str(data_dir), dry_run=dry_run, skip_invalid=skip_invalid
        )
        self.t = self.report.tables
        self.dropped: Counter[str] = Counter()
        # legacy user id <-> skillnest user id (this run's valid users and earlier imports)
        self.user_ids: dict[str, int] = {}
        self.user_legacy: dict[int, str] = {}
        # where a rejected record was, so that its dependants can say why they are rejected
        self.rejected: dict[tuple[Any, ...], str] = {}
        self.contract_ids: dict[tuple[int, str], int] = {}
        self.session_ids: dict[tuple[int, str], int] = {}
        self.session_owners: dict[str, list[int]] = {}  # legacy session id -> owners
        self.seen: set[tuple[Any, ...]] = set()
        self.pending: dict[str, list[_Pending]] = {kind: [] for kind in KINDS}
        self.nul_possible = True
        self.expected = {t: Checksum() for t in TABLES}
        self.inserted_ids: dict[str, set[int]] = {t: set() for t in TABLES}
        self.valid_keys: dict[str, set[tuple[Any, ...]]] = {t: set() for t in ("users", *KEY_WIDTH)}

    # -- problems and validation

    def _reject(
        self, table: str, file: str, index: int | None, raw: Any, issues: list[tuple[str, str]]
    ) -> None:
        for field_name, reason in issues:
            self.report.problems.append(Problem(file, index, field_name, reason))
        if index is not None:
            self.t[table].rejected += 1
            self.report.rejected_records.append(
                {
                    "file": file,
                    "index": index,
                    "errors": [{"field": f, "reason": r} for f, r in issues],
                    "record": raw,
                }
            )

    def _validate(
        self, model: type[BaseModel], table: str, source: SourceFile, index: int, raw: Any
    ) -> Any | None:
        if not isinstance(raw, dict):
            self._reject(table, source.rel, index, raw, [("(record)", "must be an object")])
            return None
        nul = legacy.find_nul(raw) if self.nul_possible else None
        if nul is not None:
            reason = "contains a NUL character, which PostgreSQL cannot store"
            self._reject(table, source.rel, index, raw, [(nul, reason)])
            return None
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            issues = [
                (
                    ".".join(str(p) for p in err["loc"]) or "(record)",
                    str(err["msg"]).removeprefix("Value error, "),
                )
                for err in exc.errors()
            ]
            self._reject(table, source.rel, index, raw, issues)
            self._remember_rejected(table, source, raw, index)
            return None

    def _remember_rejected(self, table: str, source: SourceFile, raw: Any, index: int) -> None:
        """Note a rejected user, contract or chat session for its dependants' reports."""
        legacy_id = raw.get("id")
        if not isinstance(legacy_id, str):
            return
        where = f"{source.rel} #{index}"
        if table == "users":
            self.rejected.setdefault(("users", legacy_id), where)
            return
        owner_legacy = source.owner or raw.get("userId")
        owner = self.user_ids.get(owner_legacy) if isinstance(owner_legacy, str) else None
        if owner is not None:
            self.rejected.setdefault((table, owner, legacy_id), where)

    def _load(self, source: SourceFile, table: str) -> list[Any]:
        try:
            content = source.path.read_bytes()
            data = orjson.loads(content)
        except (OSError, orjson.JSONDecodeError) as exc:
            self._reject(table, source.rel, None, None, [("(file)", f"cannot read JSON: {exc}")])
            return []
        # JSON must escape control characters, so only an escaped NUL can hide in a file.
        self.nul_possible = b"\\u0000" in content
        if not isinstance(data, list):
            self._reject(table, source.rel, None, None, [("(file)", "the file must hold a list")])
            return []
        return data

    def _owner(
        self, table: str, source: SourceFile, index: int, raw: Any, record_owner: str | None
    ) -> int | None:
        """The skillnest id of the record's owner, or None (and a problem) if there is none."""
        if source.owner is not None and record_owner not in (None, source.owner):
            reason = f"is {record_owner!r} but the file is in the folder of {source.owner!r}"
            self._reject(table, source.rel, index, raw, [("userId", reason)])
            return None
        legacy_owner = source.owner if source.owner is not None else record_owner
        if legacy_owner is None:
            self._reject(table, source.rel, index, raw, [("userId", "is missing")])
            return None
        if legacy_owner in self.user_ids:
            return self.user_ids[legacy_owner]
        where = self.rejected.get(("users", legacy_owner))
        reason = (
            f"its user ({where}) was rejected"
            if where
            else f"no user with id {legacy_owner!r} in users.json"
        )
        self._reject(table, source.rel, index, raw, [("userId", reason)])
        return None

    def _first_seen(self, table: str, key: tuple[Any, ...], source: SourceFile, index: int,
                    raw: Any) -> bool:  # fmt: skip
        if key in self.seen:
            self._reject(table, source.rel, index, raw, [("id", "duplicate id for this owner")])
            return False
        self.seen.add(key)
        return True

    # -- the run

    async def run(self, *, make_backup: bool = True) -> ImportReport:
        """Back up, validate and write every file, then verify; return the report."""
        started = time.perf_counter()
        files, self.report.layouts, self.report.skipped = discover(self.data_dir)
        if make_backup and not self.report.dry_run:
            self.report.backup_dir = str(backup_sources(self.data_dir, files, self.now()))
        self.report.timings["backup"] = time.perf_counter() - started
        if is_postgres(self.session):
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:id)"), {"id": IMPORT_LOCK_ID}
            )
        await self._load_existing_users()
        by_kind = {kind: [f for f in files if f.kind == kind] for kind in KINDS}
        handlers = {
            "users": self._users,
            "contracts": self._contracts,
            "analyses": self._analyses,
            "chat_sessions": self._chat_sessions,
            "chat_messages": self._chat_messages,
        }
        writing = time.perf_counter()
        for kind in KINDS:
            await self._each_group(kind, by_kind[kind], handlers[kind])
        verifying = time.perf_counter()
        self.report.timings["read_validate_write"] = verifying - writing
        await self._verify()
        self.report.timings["verify"] = time.perf_counter() - verifying
        self.report.dropped_fields = dict(self.dropped)
        self.report.seconds = time.perf_counter() - started
        return self.report

    async def _each_group(
        self,
        kind: str,
        files: list[SourceFile],
        handler: Callable[[SourceFile, list[Any]], Awaitable[None]],
    ) -> None:
        for source in (f for f in files if f.owner is None):
            records = self._load(source, kind)
            group = SourceGroup(source.rel, kind, files=1, records=len(records))
            self.progress.start(source.rel, len(records))
            before = self.t[kind].rejected
            await handler(source, records)
            group.rejected = self.t[kind].rejected - before
            self.report.sources.append(group)
        await self._flush(kind)
        per_user = [f for f in files if f.owner is not None]
        if per_user:
            label = f"users/*/{kind}.json"
            group = SourceGroup(label, kind, files=len(per_user))
            self.progress.start(f"{label} ({len(per_user)} files)", len(per_user))
            before = self.t[kind].rejected
            for source in per_user:
                records = self._load(source, kind)
                group.records += len(records)
                await handler(source, records)
                self.progress.advance(1)
            await self._flush(kind)
            group.rejected = self.t[kind].rejected - before
            self.report.sources.append(group)

    def _step(self, source: SourceFile) -> None:
        if source.owner is None:  # single files advance per record, per-user groups per file
            self.progress.advance(1)

    async def _load_existing_users(self) -> None:
        rows = await self.session.execute(
            select(GaugeAccount.legacy_id, GaugeAccount.user_id).where(
                GaugeAccount.legacy_id.is_not(None)
            )
        )
        for legacy_id, user_id in rows:
            self.user_ids[legacy_id] = user_id
            self.user_legacy[user_id] = legacy_id

    # -- users

    async def _users(self, source: SourceFile, records: list[Any]) -> None:
        valid: list[tuple[int, Any, legacy.LegacyUser]] = []
        emails: dict[str, int] = {}
        key_hashes: dict[str, int] = {}
        for index, raw in enumerate(records):
            self.t["users"].read += 1
            self._step(source)
            rec = self._validate(legacy.LegacyUser, "users", source, index, raw)
            if rec is None:
                continue
            issues = []
            if ("user", rec.id) in self.seen:
                issues.append(("id", "duplicate user id"))
            if rec.email in emails:
                issues.append(("email", f"same email as {source.rel} #{emails[rec.email]}"))
            digest = token_digest(rec.api_key) if rec.api_key else None
            if digest and digest in key_hashes:
                issues.append(("apiKey", f"same API key as {source.rel} #{key_hashes[digest]}"))
            if issues:
                self._reject("users", source.rel, index, raw, issues)
                self.rejected.setdefault(("users", rec.id), f"{source.rel} #{index}")
                continue
            self.seen.add(("user", rec.id))
            emails[rec.email] = index
            if digest:
                key_hashes[digest] = index
            valid.append((index, raw, rec))
        await self._write_users(source, valid)

    async def _write_users(
        self, source: SourceFile, valid: list[tuple[int, Any, legacy.LegacyUser]]
    ) -> None:
        new = []
        for index, raw, rec in valid:
            if rec.id in self.user_ids:
                self.valid_keys["users"].add((rec.id,))
                self.t["users"].present += 1
                for table in ("user_onboarding", "user_preferences"):
                    self.t[table].read += 1
                    self.t[table].present += 1
            else:
                new.append((index, raw, rec))
        taken = await self._taken("email", [rec.email for _, _, rec in new])
        taken_keys = await self._taken(
            "api_key_hash", [token_digest(rec.api_key) for _, _, rec in new if rec.api_key]
        )
        accepted: list[tuple[legacy.LegacyUser, dict[str, dict[str, Any]]]] = []
        for index, raw, rec in new:
            issues = []
            if rec.email in taken:
                reason = "already used by a skillnest account not imported from MetaGauge"
                issues.append(("email", reason))
            if rec.api_key and token_digest(rec.api_key) in taken_keys:
                issues.append(("apiKey", "already used by another skillnest account"))
            if issues:
                self._reject("users", source.rel, index, raw, issues)
                self.rejected.setdefault(("users", rec.id), f"{source.rel} #{index}")
                continue
            self.dropped.update(rec.dropped())
            accepted.append((rec, user_rows(rec)))
        for batch in _chunks(accepted, self.batch_size):
            await self._insert_users(batch)

    async def _taken(self, what: str, values: list[str]) -> set[str]:
        """Which emails (or API key digests) already belong to a skillnest account."""
        column = func.lower(User.email) if what == "email" else GaugeAccount.api_key_hash
        taken: set[str] = set()
        for batch in _chunks(values, 1000):
            rows = await self.session.execute(select(column).where(column.in_(batch)))
            taken.update(rows.scalars())
        return taken

    async def _insert_users(
        self, batch: Sequence[tuple[legacy.LegacyUser, dict[str, dict[str, Any]]]]
    ) -> None:
        result = await bulk_insert(
            self.session,
            USERS,
            [rows["users"] for _, rows in batch],
            returning=("id", "email"),
        )
        ids = {email: user_id for user_id, email in result}
        accounts, onboarding, preferences = [], [], []
        for rec, rows in batch:
            user_id = ids[rec.email]
            self.user_ids[rec.id] = user_id
            self.user_legacy[user_id] = rec.id
            self.valid_keys["users"].add((rec.id,))
            accounts.append({"user_id": user_id, **rows["gauge_accounts"]})
            onboarding.append({"user_id": user_id, **rows["user_onboarding"]})
            preferences.append({"user_id": user_id, **rows["user_preferences"]})
            self.inserted_ids["users"].add(user_id)
            values = [rec.id, *_values("users", rows["users"])]
            values += _values("gauge_accounts", rows["gauge_accounts"])
            self.expected["users"].add(row_digest("users", values))
            for table in ("user_onboarding", "user_preferences"):
                self.t[table].read += 1
                self.t[table].inserted += 1
                self.inserted_ids[table].add(user_id)
                self.expected[table].add(row_digest(table, [rec.id, *_values(table, rows[table])]))
        self.t["users"].inserted += len(batch)
        for table_, rows_ in (
            (ACCOUNTS, accounts),
            (ONBOARDING, onboarding),
            (PREFERENCES, preferences),
        ):
            await bulk_insert(self.session, table_, rows_)

    # -- rows keyed on (parent, legacy id): contracts, analyses, chat sessions and messages

    async def _insert_keyed(
        self, name: str, table: Table, parent: str, pending: list[_Pending], *, need_ids: bool
    ) -> tuple[dict[tuple[int, str], int], set[tuple[int, str]]]:
        """Insert a batch with ON CONFLICT DO NOTHING; return every row's id and the new ones."""
        result = await bulk_insert(
            self.session,
            table,
            [{parent: p.parent, "legacy_id": p.legacy_id, **p.row} for p in pending],
            conflict=(parent, "legacy_id"),
            returning=("id", parent, "legacy_id"),
        )
        ids = {(parent_id, legacy_id): row_id for row_id, parent_id, legacy_id in result}
        new = set(ids)
        missing = [(p.parent, p.legacy_id) for p in pending if (p.parent, p.legacy_id) not in ids]
        if need_ids and missing:
            ids.update(await self._existing_ids(table, parent, missing))
        width = KEY_WIDTH[name]
        for p in pending:
            self.valid_keys[name].add(tuple(p.key[:width]))
            row_id = ids.get((p.parent, p.legacy_id))
            if (p.parent, p.legacy_id) not in new or row_id is None:
                self.t[name].present += 1
                continue
            self.t[name].inserted += 1
            self.inserted_ids[name].add(row_id)
            self.expected[name].add(row_digest(name, [*p.key, *_values(name, p.row)]))
        return ids, new

    async def _existing_ids(
        self, table: Table, parent: str, keys: list[tuple[int, str]]
    ) -> dict[tuple[int, str], int]:
        found: dict[tuple[int, str], int] = {}
        for batch in _chunks(keys, 500):
            rows = await self.session.execute(
                select(table.c.id, table.c[parent], table.c.legacy_id).where(
                    tuple_(table.c[parent], table.c.legacy_id).in_(list(batch))
                )
            )
            for row_id, parent_id, legacy_id in rows:
                found[(parent_id, legacy_id)] = row_id
        return found

    async def _add(self, kind: str, pending: _Pending) -> None:
        """Queue a valid record; write the queue when it holds a batch."""
        queue = self.pending[kind]
        queue.append(pending)
        if len(queue) >= self.batch_size:
            await self._flush(kind)

    async def _flush(self, kind: str) -> None:
        """Write the queued records of a kind (batches span files: one round trip each)."""
        queue, self.pending[kind] = self.pending[kind], []
        if not queue:
            return
        if kind == "contracts":
            await self._insert_contracts(queue)
        elif kind == "chat_sessions":
            await self._insert_chat_sessions(queue)
        elif kind == "analyses":
            await self._insert_keyed("analyses", ANALYSES, "user_id", queue,
                                     need_ids=False)  # fmt: skip
        else:
            await self._insert_keyed("chat_messages", CHAT_MESSAGES, "session_id", queue,
                                     need_ids=False)  # fmt: skip

    # -- contracts

    async def _contracts(self, source: SourceFile, records: list[Any]) -> None:
        for index, raw in enumerate(records):
            self.t["contracts"].read += 1
            self._step(source)
            rec = self._validate(legacy.LegacyContract, "contracts", source, index, raw)
            if rec is None:
                continue
            owner = self._owner("contracts", source, index, raw, rec.user_id)
            if owner is None:
                continue
            if not self._first_seen("contracts", ("contract", owner, rec.id), source, index, raw):
                continue
            rows = contract_rows(rec)
            key = [self.user_legacy[owner], rec.id]
            await self._add("contracts", _Pending(owner, rec.id, rows.pop("contracts"), key, rows))

    async def _insert_contracts(self, pending: list[_Pending]) -> None:
        ids, new = await self._insert_keyed(
            "contracts", CONTRACTS, "user_id", pending, need_ids=True
        )
        child_rows: dict[str, list[dict[str, Any]]] = {name: [] for name in CHILD_TABLES}
        for p in pending:
            assert p.children is not None
            contract_id = ids[(p.parent, p.legacy_id)]
            self.contract_ids[(p.parent, p.legacy_id)] = contract_id
            is_new = (p.parent, p.legacy_id) in new
            for name in CHILD_TABLES:
                rows = p.children[name]
                rows = rows if isinstance(rows, list) else [rows]
                self.t[name].read += len(rows)
                if not is_new:
                    self.t[name].present += len(rows)
                    continue
                for row in rows:
                    child_rows[name].append({"contract_id": contract_id, **row})
                    discriminator = (
                        [row["position"]]
                        if name == "contract_competitors"
                        else ([row["chain"]] if name == "contract_rpc_config" else [])
                    )
                    self.expected[name].add(
                        row_digest(name, [*p.key, *discriminator, *_values(name, row)])
                    )
                self.t[name].inserted += len(rows)
        for name, rows in child_rows.items():
            await bulk_insert(self.session, CHILD_TABLES[name], rows)

    # -- analyses

    async def _analyses(self, source: SourceFile, records: list[Any]) -> None:
        for index, raw in enumerate(records):
            self.t["analyses"].read += 1
            self._step(source)
            rec = self._validate(legacy.LegacyAnalysis, "analyses", source, index, raw)
            if rec is None:
                continue
            owner = self._owner("analyses", source, index, raw, rec.user_id)
            if owner is None:
                continue
            row = analysis_row(rec)
            row["contract_id"] = None
            if rec.config_id is not None:
                row["contract_id"] = self.contract_ids.get((owner, rec.config_id))
                if row["contract_id"] is None:
                    where = self.rejected.get(("contracts", owner, rec.config_id))
                    reason = (
                        f"its contract ({where}) was rejected"
                        if where
                        else f"no contract {rec.config_id!r} of this user"
                    )
                    self._reject("analyses", source.rel, index, raw, [("configId", reason)])
                    continue
            if not self._first_seen("analyses", ("analysis", owner, rec.id), source, index, raw):
                continue
            key = [self.user_legacy[owner], rec.id, rec.config_id]
            await self._add("analyses", _Pending(owner, rec.id, row, key))

    # -- chat

    async def _chat_sessions(self, source: SourceFile, records: list[Any]) -> None:
        for index, raw in enumerate(records):
            self.t["chat_sessions"].read += 1
            self._step(source)
            rec = self._validate(legacy.LegacyChatSession, "chat_sessions", source, index, raw)
            if rec is None:
                continue
            owner = self._owner("chat_sessions", source, index, raw, rec.user_id)
            if owner is None:
                continue
            if not self._first_seen(
                "chat_sessions", ("chat_session", owner, rec.id), source, index, raw
            ):
                continue
            key = [self.user_legacy[owner], rec.id]
            await self._add("chat_sessions", _Pending(owner, rec.id, chat_session_row(rec), key))

    async def _insert_chat_sessions(self, pending: list[_Pending]) -> None:
        ids, _ = await self._insert_keyed(
            "chat_sessions", CHAT_SESSIONS, "user_id", pending, need_ids=True
        )
        for p in pending:
            self.session_ids[(p.parent, p.legacy_id)] = ids[(p.parent, p.legacy_id)]
            self.session_owners.setdefault(p.legacy_id, []).append(p.parent)

    def _message_session(
        self, source: SourceFile, index: int, raw: Any, rec: legacy.LegacyChatMessage
    ) -> tuple[int, int] | None:
        """(chat session id, owner user id) of a message, or None and a problem."""
        if source.owner is not None or rec.user_id is not None:
            owner = self._owner("chat_messages", source, index, raw, rec.user_id)
            if owner is None:
                return None
            owners = [owner]
        else:
            owners = self.session_owners.get(rec.session_id, [])
            if len(owners) > 1:
                reason = "several users have a chat session with this id; add a userId"
                self._reject("chat_messages", source.rel, index, raw, [("sessionId", reason)])
                return None
        for owner in owners:
            session_id = self.session_ids.get((owner, rec.session_id))
            if session_id is not None:
                return session_id, owner
        where = next(
            (
                self.rejected[("chat_sessions", o, rec.session_id)]
                for o in owners
                if ("chat_sessions", o, rec.session_id) in self.rejected
            ),
            None,
        )
        reason = (
            f"its chat session ({where}) was rejected"
            if where
            else f"no chat session {rec.session_id!r} of this user"
        )
        self._reject("chat_messages", source.rel, index, raw, [("sessionId", reason)])
        return None

    async def _chat_messages(self, source: SourceFile, records: list[Any]) -> None:
        for index, raw in enumerate(records):
            self.t["chat_messages"].read += 1
            self._step(source)
            rec = self._validate(legacy.LegacyChatMessage, "chat_messages", source, index, raw)
            if rec is None:
                continue
            found = self._message_session(source, index, raw, rec)
            if found is None:
                continue
            session_id, owner = found
            seen_key = ("chat_message", session_id, rec.id)
            if not self._first_seen("chat_messages", seen_key, source, index, raw):
                continue
            key = [self.user_legacy[owner], rec.session_id, rec.id]
            await self._add(
                "chat_messages", _Pending(session_id, rec.id, chat_message_row(rec), key)
            )

    # -- verification

    async def _verify(self) -> None:
        """Read every imported table back: count the legacy keys, checksum the new rows.

        Each table is read on its own and its ids are mapped to legacy keys with the maps
        built while importing: no join, so no plan can go wrong on tables whose statistics
        predate the import (a nested loop over 500,000 fresh rows).
        """
        contract_keys = {
            cid: (self.user_legacy[owner], legacy_id)
            for (owner, legacy_id), cid in self.contract_ids.items()
        }
        session_keys = {
            sid: (self.user_legacy[owner], legacy_id)
            for (owner, legacy_id), sid in self.session_ids.items()
        }
        if is_postgres(self.session):
            # Times come back in the session's zone: make it UTC, like the legacy side.
            await self.session.execute(text("SET LOCAL TIME ZONE 'UTC'"))
        accounts, accounts_found = await self._gauge_values()
        for name, query in self._verification_queries().items():
            table = self.t[name]
            table.expected_checksum = self.expected[name].hexdigest()
            found = Checksum()
            count = 0
            inserted = self.inserted_ids[name]
            keys = self.valid_keys.get(name)
            documents = [i for i, c in enumerate(query.selected_columns) if _is_text_doc(c)]
            result = await self.session.stream(query.execution_options(yield_per=2000))
            async for partition in result.partitions():
                for row in partition:
                    fields = list(row)
                    is_new = fields[0] in inserted  # the first column marks new rows
                    if is_new:
                        for i in documents:
                            if fields[i] is not None:
                                fields[i] = orjson.loads(fields[i])
                    key, values = self._verification_row(
                        name, fields, contract_keys, session_keys, accounts
                    )
                    if key is None:
                        continue  # not a row of this import
                    if name == "users":
                        pass  # counted on gauge_accounts, which holds the legacy ids
                    elif keys is not None:
                        count += key in keys
                    else:
                        count += is_new
                    if is_new:
                        found.add(row_digest(name, [*key, *values]))
            # Tables without keys of their own (onboarding, preferences, contract children)
            # are counted among the rows this run inserted, plus those already present.
            table.found = count if keys is not None else count + table.present
            if name == "users":
                table.found = accounts_found
            table.found_checksum = found.hexdigest()

    async def _gauge_values(self) -> tuple[dict[int, list[Any]], int]:
        """The ``gauge_accounts`` half of the "users" rows this run inserted, and a count.

        The count is of the accounts that carry one of the imported legacy ids.
        """
        query = select(
            ACCOUNTS.c.user_id, *(_as_text(ACCOUNTS.c[f]) for f in FIELDS["gauge_accounts"])
        )
        documents = [i for i, c in enumerate(query.selected_columns) if _is_text_doc(c)]
        values: dict[int, list[Any]] = {}
        found = 0
        keys = self.valid_keys["users"]
        query = query.add_columns(ACCOUNTS.c.legacy_id).where(ACCOUNTS.c.legacy_id.is_not(None))
        result = await self.session.stream(query.execution_options(yield_per=2000))
        async for partition in result.partitions():
            for *row, legacy_id in partition:
                found += (legacy_id,) in keys
                if row[0] in self.inserted_ids["users"]:
                    fields = list(row)
                    for i in documents:
                        if fields[i] is not None:
                            fields[i] = orjson.loads(fields[i])
                    values[row[0]] = fields[1:]
        return values, found

    def _verification_row(
        self,
        name: str,
        row: list[Any],
        contract_keys: dict[int, tuple[str, str]],
        session_keys: dict[int, tuple[str, str]],
        accounts: dict[int, list[Any]],
    ) -> tuple[tuple[Any, ...] | None, list[Any]]:
        """(legacy key, or None if the row is not of this import; checksummed fields)."""
        if name in ("users", "user_onboarding", "user_preferences"):
            user_id, *values = row
            legacy_user = self.user_legacy.get(user_id)
            if legacy_user is None:
                return None, values
            if name == "users":
                values = [*values, *accounts.get(user_id, [])]
            return (legacy_user,), values
        if name in ("contracts", "chat_sessions"):
            _, user_id, legacy_id, *values = row
            legacy_user = self.user_legacy.get(user_id)
            return ((legacy_user, legacy_id) if legacy_user else None), values
        if name == "analyses":
            _, user_id, legacy_id, contract_id, *values = row
            legacy_user = self.user_legacy.get(user_id)
            config = contract_keys[contract_id][1] if contract_id in contract_keys else None
            key = (legacy_user, legacy_id) if legacy_user else None
            # The contract's legacy id is checksummed with the row, not part of its key.
            return key, [config, *values]
        if name == "chat_messages":
            _, session_id, legacy_id, *values = row
            owner = session_keys.get(session_id)
            return ((*owner, legacy_id) if owner else None), values
        # contract children: the row is "new" when its contract is
        contract_id, *values = row
        return contract_keys.get(contract_id), values

    def _verification_queries(self) -> dict[str, Select[Any]]:
        """Per table (no joins): the row's ids, then the checksummed fields."""
        u, c, a = USERS, CONTRACTS, ANALYSES
        cs, cm = CHAT_SESSIONS, CHAT_MESSAGES

        def cols(table: Table, name: str) -> list[Any]:
            # Documents come back as text and are parsed only for the rows checksummed.
            return [_as_text(table.c[f]) for f in FIELDS[name]]

        user_ids = sorted(self.inserted_ids["users"])
        contract_ids = sorted(self.inserted_ids["contracts"])
        for name in CHILD_TABLES:
            self.inserted_ids[name] = self.inserted_ids["contracts"]

        def between(column: Any, ids: list[int]) -> Any:
            return column.between(ids[0], ids[-1]) if ids else false()

        def children(name: str, discriminator: list[Any]) -> Select[Any]:
            table = CHILD_TABLES[name]
            return select(table.c.contract_id, *discriminator, *cols(table, name)).where(
                between(table.c.contract_id, contract_ids)
            )

        return {
            "users": select(u.c.id, *cols(u, "users")).where(between(u.c.id, user_ids)),
            "user_onboarding": select(ONBOARDING.c.user_id, *cols(ONBOARDING, "user_onboarding"))
            .where(between(ONBOARDING.c.user_id, user_ids)),
            "user_preferences": select(
                PREFERENCES.c.user_id, *cols(PREFERENCES, "user_preferences")
            ).where(between(PREFERENCES.c.user_id, user_ids)),
            "contracts": select(c.c.id, c.c.user_id, c.c.legacy_id, *cols(c, "contracts"))
            .where(c.c.legacy_id.is_not(None)),
            "contract_competitors": children("contract_competitors", [COMPETITORS.c.position]),
            "contract_rpc_config": children("contract_rpc_config", [RPC_CONFIG.c.chain]),
            "contract_analysis_params": children("contract_analysis_params", []),
            "analyses": select(
                a.c.id, a.c.user_id, a.c.legacy_id, a.c.contract_id, *cols(a, "analyses")
            ).where(a.c.legacy_id.is_not(None)),
            "chat_sessions": select(
                cs.c.id, cs.c.user_id, cs.c.legacy_id, *cols(cs, "chat_sessions")
            ).where(cs.c.legacy_id.is_not(None)),
            "chat_messages": select(
                cm.c.id, cm.c.session_id, cm.c.legacy_id, *cols(cm, "chat_messages")
            ).where(cm.c.legacy_id.is_not(None)),
        }  # fmt: skip


async def import_metagauge(
    *,
    session: AsyncSession,
    data_dir: Path,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    batch_size: int = 1000,
    make_backup: bool = True,
) -> ImportReport:
    """Import a MetaGauge data folder in the session's transaction; never commits."""
    importer = Importer(
        session=session,
        data_dir=data_dir,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        progress=progress,
        batch_size=batch_size,
    )
    return await importer.run(make_backup=make_backup)


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
