"""Validating legacy records: their shape, their owner, their parent, duplicates.

Every rejection becomes a problem in the report (and the record goes to rejected.jsonl); a
rejected user, contract or chat session is remembered so that its dependants can say why
they are rejected too.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from skillnest.core.bulk import BulkValidator
from skillnest.core.security import token_digest
from skillnest.gauge import legacy
from skillnest.gauge.importer.reader import SourceFile
from skillnest.gauge.importer.report import Problem
from skillnest.gauge.importer.rows import (
    analysis_row,
    chat_message_row,
    chat_session_row,
    contract_rows,
)
from skillnest.gauge.importer.state import Pending, RunState

NUL_REASON = "contains a NUL character, which PostgreSQL cannot store"
PARSE_SLICE = 1000
_VALIDATORS: dict[str, BulkValidator[Any]] = {
    "users": BulkValidator(legacy.LegacyUser),
    "contracts": BulkValidator(legacy.LegacyContract),
    "analyses": BulkValidator(legacy.LegacyAnalysis),
    "chat_sessions": BulkValidator(legacy.LegacyChatSession),
    "chat_messages": BulkValidator(legacy.LegacyChatMessage),
}


class Validator:
    """Checks each record of a run and files the problems in the run's report."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.nul_possible = True  # set per file by the reader

    # -- problems

    def reject(
        self, table: str, file: str, index: int | None, raw: Any, issues: list[tuple[str, str]]
    ) -> None:
        """File the problems of a record (``index`` None: of a whole file)."""
        report = self.state.report
        for field_name, reason in issues:
            report.problems.append(Problem(file, index, field_name, reason))
        if index is not None:
            report.tables[table].rejected += 1
            report.rejected_records.append(
                {
                    "file": file,
                    "index": index,
                    "errors": [{"field": f, "reason": r} for f, r in issues],
                    "record": raw,
                }
            )

    def parse(self, table: str, source: SourceFile, records: list[Any]) -> list[Any]:
        """Every record of a file parsed by its legacy model, in bulk; nothing filed yet.

        Each item is the parsed record, its ``ValidationError``, or the issues of a record
        that is not an object or holds a NUL; ``accept`` files them in record order.
        """
        parsed: list[Any] = [None] * len(records)
        indexes: list[int] = []
        for index, raw in enumerate(records):
            if not isinstance(raw, dict):
                parsed[index] = [("(record)", "must be an object")]
            elif self.nul_possible and (nul := legacy.find_nul(raw)) is not None:
                parsed[index] = [(nul, NUL_REASON)]
            else:
                indexes.append(index)
        validator = _VALIDATORS[table]
        # In slices: an invalid record sends only its own slice back to record-by-record.
        for start in range(0, len(indexes), PARSE_SLICE):
            part = indexes[start : start + PARSE_SLICE]
            results = validator.validate([records[i] for i in part])
            for index, result in zip(part, results, strict=True):
                parsed[index] = result
        return parsed

    def accept(self, table: str, source: SourceFile, index: int, raw: Any, parsed: Any) -> Any:
        """The parsed record, or None once its problems are filed (see ``parse``)."""
        if isinstance(parsed, list):
            self.reject(table, source.rel, index, raw, parsed)
            return None
        if isinstance(parsed, ValidationError):
            issues = [
                (
                    ".".join(str(p) for p in err["loc"]) or "(record)",
                    str(err["msg"]).removeprefix("Value error, "),
                )
                for err in parsed.errors()
            ]
            self.reject(table, source.rel, index, raw, issues)
            self._remember_rejected(table, source, raw, index)
            return None
        return parsed

    def _remember_rejected(self, table: str, source: SourceFile, raw: Any, index: int) -> None:
        """Note a rejected user, contract or chat session for its dependants' reports."""
        legacy_id = raw.get("id")
        if not isinstance(legacy_id, str):
            return
        where = f"{source.rel} #{index}"
        if table == "users":
            self.state.rejected.setdefault(("users", legacy_id), where)
            return
        owner_legacy = source.owner or raw.get("userId")
        owner = self.state.user_ids.get(owner_legacy) if isinstance(owner_legacy, str) else None
        if owner is not None:
            self.state.rejected.setdefault((table, owner, legacy_id), where)

    def owner(
        self, table: str, source: SourceFile, index: int, raw: Any, record_owner: str | None
    ) -> int | None:
        """The skillnest id of the record's owner, or None (and a problem) if there is none."""
        if source.owner is not None and record_owner not in (None, source.owner):
            reason = f"is {record_owner!r} but the file is in the folder of {source.owner!r}"
            self.reject(table, source.rel, index, raw, [("userId", reason)])
            return None
        legacy_owner = source.owner if source.owner is not None else record_owner
        if legacy_owner is None:
            self.reject(table, source.rel, index, raw, [("userId", "is missing")])
            return None
        if legacy_owner in self.state.user_ids:
            return self.state.user_ids[legacy_owner]
        where = self.state.rejected.get(("users", legacy_owner))
        reason = (
            f"its user ({where}) was rejected"
            if where
            else f"no user with id {legacy_owner!r} in users.json"
        )
        self.reject(table, source.rel, index, raw, [("userId", reason)])
        return None

    def _first_seen(self, table: str, key: tuple[Any, ...], source: SourceFile, index: int,
                    raw: Any) -> bool:  # fmt: skip
        if key in self.state.seen:
            self.reject(table, source.rel, index, raw, [("id", "duplicate id for this owner")])
            return False
        self.state.seen.add(key)
        return True

    # -- per kind

    def users(self, source: SourceFile, records: list[Any]) -> list[tuple[int, Any, Any]]:
        """The valid users of a file: (index, raw record, parsed record)."""
        state = self.state
        valid: list[tuple[int, Any, legacy.LegacyUser]] = []
        emails: dict[str, int] = {}
        key_hashes: dict[str, int] = {}
        parsed = self.parse("users", source, records)
        for index, raw in enumerate(records):
            state.t["users"].read += 1
            rec = self.accept("users", source, index, raw, parsed[index])
            if rec is None:
                continue
            issues = []
            if ("user", rec.id) in state.seen:
                issues.append(("id", "duplicate user id"))
            if rec.email in emails:
                issues.append(("email", f"same email as {source.rel} #{emails[rec.email]}"))
            digest = token_digest(rec.api_key) if rec.api_key else None
            if digest and digest in key_hashes:
                issues.append(("apiKey", f"same API key as {source.rel} #{key_hashes[digest]}"))
            if issues:
                self.reject_user(source, index, raw, rec, issues)
                continue
            state.seen.add(("user", rec.id))
            emails[rec.email] = index
            if digest:
                key_hashes[digest] = index
            valid.append((index, raw, rec))
        return valid

    def reject_user(
        self, source: SourceFile, index: int, raw: Any, rec: Any, issues: list[tuple[str, str]]
    ) -> None:
        """Reject a user that parsed but clashes with another (remembered for its records)."""
        self.reject("users", source.rel, index, raw, issues)
        self.state.rejected.setdefault(("users", rec.id), f"{source.rel} #{index}")

    def contract(self, source: SourceFile, index: int, raw: Any, rec: Any) -> Pending | None:
        """A contract record ready to be written, with its child rows, or None."""
        owner = self.owner("contracts", source, index, raw, rec.user_id)
        if owner is None:
            return None
        if not self._first_seen("contracts", ("contract", owner, rec.id), source, index, raw):
            return None
        rows = contract_rows(rec)
        return Pending(owner, rec.id, rows.pop("contracts"), rows)

    def analysis(self, source: SourceFile, index: int, raw: Any, rec: Any) -> Pending | None:
        """An analysis record ready to be written (its contract resolved), or None."""
        owner = self.owner("analyses", source, index, raw, rec.user_id)
        if owner is None:
            return None
        row = analysis_row(rec)
        row["contract_id"] = None
        if rec.config_id is not None:
            row["contract_id"] = self.state.contract_ids.get((owner, rec.config_id))
            if row["contract_id"] is None:
                where = self.state.rejected.get(("contracts", owner, rec.config_id))
                reason = (
                    f"its contract ({where}) was rejected"
                    if where
                    else f"no contract {rec.config_id!r} of this user"
                )
                self.reject("analyses", source.rel, index, raw, [("configId", reason)])
                return None
        if not self._first_seen("analyses", ("analysis", owner, rec.id), source, index, raw):
            return None
        return Pending(owner, rec.id, row)

    def chat_session(self, source: SourceFile, index: int, raw: Any, rec: Any) -> Pending | None:
        """A chat session record ready to be written, or None."""
        owner = self.owner("chat_sessions", source, index, raw, rec.user_id)
        if owner is None:
            return None
        seen_key = ("chat_session", owner, rec.id)
        if not self._first_seen("chat_sessions", seen_key, source, index, raw):
            return None
        return Pending(owner, rec.id, chat_session_row(rec))

    def chat_message(self, source: SourceFile, index: int, raw: Any, rec: Any) -> Pending | None:
        """A chat message record ready to be written (its session resolved), or None."""
        found = self._message_session(source, index, raw, rec)
        if found is None:
            return None
        session_id, _ = found
        seen_key = ("chat_message", session_id, rec.id)
        if not self._first_seen("chat_messages", seen_key, source, index, raw):
            return None
        return Pending(session_id, rec.id, chat_message_row(rec))

    def _message_session(
        self, source: SourceFile, index: int, raw: Any, rec: legacy.LegacyChatMessage
    ) -> tuple[int, int] | None:
        """(chat session id, owner user id) of a message, or None and a problem."""
        state = self.state
        if source.owner is not None or rec.user_id is not None:
            owner = self.owner("chat_messages", source, index, raw, rec.user_id)
            if owner is None:
                return None
            owners = [owner]
        else:
            owners = state.session_owners.get(rec.session_id, [])
            if len(owners) > 1:
                reason = "several users have a chat session with this id; add a userId"
                self.reject("chat_messages", source.rel, index, raw, [("sessionId", reason)])
                return None
        for owner in owners:
            session_id = state.session_ids.get((owner, rec.session_id))
            if session_id is not None:
                return session_id, owner
        where = next(
            (
                state.rejected[("chat_sessions", o, rec.session_id)]
                for o in owners
                if ("chat_sessions", o, rec.session_id) in state.rejected
            ),
            None,
        )
        reason = (
            f"its chat session ({where}) was rejected"
            if where
            else f"no chat session {rec.session_id!r} of this user"
        )
        self.reject("chat_messages", source.rel, index, raw, [("sessionId", reason)])
        return None
