"""What the steps of one import run share: the id maps, the expected checksums, the report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from skillnest.gauge.importer.report import TABLES, ImportReport, TableResult
from skillnest.gauge.importer.rows import Checksum

# How many leading legacy ids of a row's key identify it (the rest is checksummed context).
KEY_WIDTH = {"contracts": 2, "analyses": 2, "chat_sessions": 2, "chat_messages": 3}


@dataclass
class Pending:
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


@dataclass
class RunState:
    """The state of one import run, read and written by the validator, writers and verifier."""

    report: ImportReport
    # legacy user id <-> skillnest user id (this run's valid users and earlier imports)
    user_ids: dict[str, int] = field(default_factory=dict)
    user_legacy: dict[int, str] = field(default_factory=dict)
    # where a rejected record was, so that its dependants can say why they are rejected
    rejected: dict[tuple[Any, ...], str] = field(default_factory=dict)
    contract_ids: dict[tuple[int, str], int] = field(default_factory=dict)
    session_ids: dict[tuple[int, str], int] = field(default_factory=dict)
    session_owners: dict[str, list[int]] = field(default_factory=dict)  # legacy id -> owners
    seen: set[tuple[Any, ...]] = field(default_factory=set)
    dropped: Counter[str] = field(default_factory=Counter)
    expected: dict[str, Checksum] = field(default_factory=lambda: {t: Checksum() for t in TABLES})
    inserted_ids: dict[str, set[int]] = field(default_factory=lambda: {t: set() for t in TABLES})
    valid_keys: dict[str, set[tuple[Any, ...]]] = field(
        default_factory=lambda: {t: set() for t in ("users", *KEY_WIDTH)}
    )

    @property
    def t(self) -> dict[str, TableResult]:
        """The per-table results of the report."""
        return self.report.tables

    def remember_user(self, legacy_id: str, user_id: int) -> None:
        """Map a legacy user id to its skillnest user id, both ways."""
        self.user_ids[legacy_id] = user_id
        self.user_legacy[user_id] = legacy_id


__all__ = ["KEY_WIDTH", "Pending", "RunState"]
