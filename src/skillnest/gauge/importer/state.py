"""What the steps of one import run share: the id maps and the report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from skillnest.gauge.importer.report import ImportReport, TableResult


@dataclass
class Pending:
    """A valid record waiting in a batch.

    ``parent`` is the owner's user id (the chat session id for messages), ``children`` the
    child rows of a contract.
    """

    parent: int
    legacy_id: str
    row: dict[str, Any]
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
    # users and chat sessions this run inserted: nothing of theirs can be there yet
    new_users: set[int] = field(default_factory=set)
    new_sessions: set[int] = field(default_factory=set)
    seen: set[tuple[Any, ...]] = field(default_factory=set)
    dropped: Counter[str] = field(default_factory=Counter)

    @property
    def t(self) -> dict[str, TableResult]:
        """The per-table results of the report."""
        return self.report.tables

    def remember_user(self, legacy_id: str, user_id: int) -> None:
        """Map a legacy user id to its skillnest user id, both ways."""
        self.user_ids[legacy_id] = user_id
        self.user_legacy[user_id] = legacy_id


__all__ = ["Pending", "RunState"]
