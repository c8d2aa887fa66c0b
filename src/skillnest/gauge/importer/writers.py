"""Per-kind writers: valid records in batches keyed on their legacy ids, new rows checksummed.

Every table is written in the caller's one transaction with ``ON CONFLICT DO NOTHING`` on
the legacy keys (``core/bulk.py``: COPY through a staging table on PostgreSQL, multi-row
INSERT on SQLite), so a second run inserts nothing. Each row this run inserts is handed to
the verifier with its new id, which loads it as expected and compares it at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.core.bulk import bulk_insert, copy_text
from skillnest.core.security import token_digest
from skillnest.gauge import dialect, legacy
from skillnest.gauge.importer.reader import SourceFile
from skillnest.gauge.importer.rows import (
    ACCOUNTS,
    ANALYSES,
    CHAT_MESSAGES,
    CHAT_SESSIONS,
    CHILD_TABLES,
    CONTRACTS,
    ONBOARDING,
    PREFERENCES,
    USERS,
    user_rows,
)
from skillnest.gauge.importer.state import Pending, RunState
from skillnest.gauge.importer.validator import Validator
from skillnest.gauge.importer.verify import Verifier
from skillnest.gauge.models import GaugeAccount

TAKEN_EMAIL = "already used by a skillnest account not imported from MetaGauge"
TAKEN_KEY = "already used by another skillnest account"
# Ids drawn from a table's sequence per round trip, in batches: a batch's ids are drawn
# before the batch before it is done being written, which a round trip would have to wait for.
ID_BATCHES = 4


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """``items`` in slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class UserWriter:
    """Writes users with their MetaGauge account, onboarding and preferences rows."""

    def __init__(
        self, session: AsyncSession, state: RunState, batch_size: int, verifier: Verifier
    ) -> None:
        self.session, self.state, self.batch_size = session, state, batch_size
        self.verifier = verifier

    async def load_existing(self) -> None:
        """Map the legacy ids of earlier imports to their users."""
        rows = await self.session.execute(
            select(GaugeAccount.legacy_id, GaugeAccount.user_id).where(
                GaugeAccount.legacy_id.is_not(None)
            )
        )
        for legacy_id, user_id in rows:
            self.state.remember_user(legacy_id, user_id)

    async def write(
        self,
        source: SourceFile,
        valid: list[tuple[int, Any, legacy.LegacyUser]],
        validator: Validator,
    ) -> None:
        """Write the new users of a file; those whose email or key is taken are rejected."""
        state, t = self.state, self.state.t
        new, present = [], []
        for index, raw, rec in valid:
            if rec.id in state.user_ids:
                present.append({"legacy_id": rec.id})
                t["users"].present += 1
                for table in ("user_onboarding", "user_preferences"):
                    t[table].read += 1
                    t[table].present += 1
            else:
                new.append((index, raw, rec))
        await self.verifier.expect_present("users", present)
        taken = await self._taken("email", [rec.email for _, _, rec in new])
        taken_keys = await self._taken(
            "api_key_hash", [token_digest(rec.api_key) for _, _, rec in new if rec.api_key]
        )
        accepted: list[tuple[legacy.LegacyUser, dict[str, dict[str, Any]]]] = []
        for index, raw, rec in new:
            issues = []
            if rec.email in taken:
                issues.append(("email", TAKEN_EMAIL))
            if rec.api_key and token_digest(rec.api_key) in taken_keys:
                issues.append(("apiKey", TAKEN_KEY))
            if issues:
                validator.reject_user(source, index, raw, rec, issues)
                continue
            state.dropped.update(rec.dropped())
            accepted.append((rec, user_rows(rec)))
        for batch in chunks(accepted, self.batch_size):
            await self._insert(batch)

    async def _taken(self, what: str, values: list[str]) -> set[str]:
        """Which emails (or API key digests) already belong to a skillnest account."""
        column = func.lower(User.email) if what == "email" else GaugeAccount.api_key_hash
        taken: set[str] = set()
        for batch in chunks(values, 1000):
            rows = await self.session.execute(select(column).where(column.in_(batch)))
            taken.update(rows.scalars())
        return taken

    async def _insert(
        self, batch: Sequence[tuple[legacy.LegacyUser, dict[str, dict[str, Any]]]]
    ) -> None:
        state, t = self.state, self.state.t
        users = [rows["users"] for _, rows in batch]
        result = await bulk_insert(self.session, USERS, users, returning=("id", "email"))
        ids = {email: user_id for user_id, email in result}
        tables: dict[str, list[dict[str, Any]]] = {
            "gauge_accounts": [], "user_onboarding": [], "user_preferences": []
        }  # fmt: skip
        for rec, rows in batch:
            user_id = ids[rec.email]
            rows["users"]["id"] = user_id
            state.remember_user(rec.id, user_id)
            state.new_users.add(user_id)
            for name, rows_ in tables.items():
                rows_.append({"user_id": user_id, **rows[name]})
        for name in ("user_onboarding", "user_preferences"):
            t[name].read += len(batch)
            t[name].inserted += len(batch)
        t["users"].inserted += len(batch)
        await self.verifier.expect("users", USERS, users)
        await self.verifier.insert("users", ACCOUNTS, tables["gauge_accounts"])
        for table, name in ((ONBOARDING, "user_onboarding"), (PREFERENCES, "user_preferences")):
            await self.verifier.insert(name, table, tables[name])


@dataclass
class Ready:
    """A batch made ready for writing while the batch before it is written."""

    rows: list[dict[str, Any]]  # every row, its parent set
    fresh: list[dict[str, Any]]  # the rows of parents this run created, their ids drawn
    others: list[dict[str, Any]]  # the rest: inserted with ON CONFLICT DO NOTHING
    ids: dict[tuple[int, str], int]  # (parent, legacy id) -> id of each fresh row
    data: bytes | None  # the fresh rows' COPY text (PostgreSQL)


class KeyedWriter:
    """Rows keyed on (parent, legacy id), queued and written a batch at a time."""

    name = "analyses"
    table: Table = ANALYSES
    parent = "user_id"
    need_ids = False  # whether ids of rows already present are needed (to attach children)

    def __init__(
        self, session: AsyncSession, state: RunState, batch_size: int, verifier: Verifier
    ) -> None:
        self.session, self.state, self.batch_size = session, state, batch_size
        self.verifier = verifier
        self.queue: list[Pending] = []
        self.in_flight: asyncio.Task[None] | None = None
        self.spare_ids: list[int] = []  # drawn from the table's sequence, not used yet
        self.draws_ids = True  # False where the database has no sequence (SQLite)

    async def add(self, pending: Pending) -> None:
        """Queue a valid record; start writing the queue when it holds a batch."""
        self.queue.append(pending)
        if len(self.queue) >= self.batch_size:
            queue, self.queue = self.queue, []
            # The batch's ids and COPY text are made ready while the one before it is still
            # being written, then it is written while the next one is read and validated:
            # the database never waits for Python's part of a batch, nor Python for a
            # round trip. The caller yields now and then (``Importer._records``) and touches
            # the session only after ``flush``.
            ready = await self.prepare(queue)
            await self.settle()
            self.in_flight = asyncio.create_task(self.write(queue, ready))

    async def settle(self) -> None:
        """Wait for the batch being written, if any (its error is raised here)."""
        task, self.in_flight = self.in_flight, None
        if task is not None:
            await task

    async def flush(self) -> None:
        """Write the queued records and wait until every batch is written."""
        queue, self.queue = self.queue, []
        ready = await self.prepare(queue) if queue else None
        await self.settle()
        if ready is not None:
            await self.write(queue, ready)

    async def abandon(self) -> None:
        """Stop a batch still being written (the run failed; its transaction rolls back)."""
        task, self.in_flight = self.in_flight, None
        if task is not None and not task.done():
            task.cancel()
        if task is not None:
            with contextlib.suppress(BaseException):
                await task

    async def prepare(self, pending: list[Pending]) -> Ready:
        """The batch's rows; the fresh ones with ids drawn and their COPY text (PostgreSQL).

        Rows of a parent this run created cannot be there yet: they take a straight COPY
        with ids drawn from the table's sequence first, so no staging table, conflict check
        or RETURNING is needed, and the verifier loads the same COPY text as it goes in.
        Where ids cannot be drawn (SQLite) every row takes the ON CONFLICT path.
        """
        parent = self.parent
        rows = []
        for p in pending:  # the row dicts are the records' own: no copy per row
            p.row[parent] = p.parent
            rows.append(p.row)
        fresh_parents = self.state.new_sessions if parent == "session_id" else self.state.new_users
        fresh = [row for row in rows if row[parent] in fresh_parents]
        new_ids = await self._draw_ids(len(fresh)) if fresh else None
        if new_ids is None:
            return Ready(rows, [], rows, {}, None)
        others = [row for row in rows if row[parent] not in fresh_parents]
        ids: dict[tuple[int, str], int] = {}
        for row, row_id in zip(fresh, new_ids, strict=True):
            row["id"] = row_id
            ids[(row[parent], row["legacy_id"])] = row_id
        data = copy_text(self.table, fresh, self.session.get_bind().dialect)
        return Ready(rows, fresh, others, ids, data)

    async def _draw_ids(self, count: int) -> list[int] | None:
        """``count`` new ids of the table, drawn a few batches' worth at a time."""
        if self.draws_ids and len(self.spare_ids) < count:
            await self.settle()  # the session is free only between batches
            # A short batch is the kind's last: no spare ids to leave as a gap in the sequence.
            block = count if count < self.batch_size else max(count, ID_BATCHES * self.batch_size)
            drawn = await dialect.next_ids(self.session, self.table, block)
            self.draws_ids = drawn is not None
            self.spare_ids.extend(drawn or ())
        if not self.draws_ids:
            return None
        taken, self.spare_ids = self.spare_ids[:count], self.spare_ids[count:]
        return taken

    async def write(self, pending: list[Pending], ready: Ready) -> None:
        """Write one batch."""
        await self.insert_keyed(ready)

    async def insert_keyed(
        self, ready: Ready
    ) -> tuple[dict[tuple[int, str], int], set[tuple[int, str]]]:
        """Insert a batch with ON CONFLICT DO NOTHING; return every row's id and the new ones."""
        state, name, parent, table = self.state, self.name, self.parent, self.table
        rows, ids = ready.rows, dict(ready.ids)
        await self.verifier.insert(name, table, ready.fresh, ready.data)
        expected = set(ids)  # the fresh rows: loaded for the verification as they were copied
        if ready.others:
            result = await bulk_insert(
                self.session,
                table,
                ready.others,
                conflict=(parent, "legacy_id"),
                returning=("id", parent, "legacy_id"),
            )
            ids.update({(parent_id, legacy_id): row_id for row_id, parent_id, legacy_id in result})
        new = set(ids)
        missing = [
            key for key in ((row[parent], row["legacy_id"]) for row in rows) if key not in ids
        ]
        if self.need_ids and missing:
            ids.update(await self._existing_ids(missing))
        inserted, present = 0, []
        expect = []
        for row in rows:
            key = (row[parent], row["legacy_id"])
            if key not in new:
                present.append({parent: key[0], "legacy_id": key[1]})
                continue
            inserted += 1
            if key not in expected:
                row["id"] = ids[key]
                expect.append(row)
        state.t[name].inserted += inserted
        state.t[name].present += len(present)
        await self.verifier.expect(name, table, expect)
        await self.verifier.expect_present(name, present)
        return ids, new

    async def _existing_ids(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
        table, parent = self.table, self.parent
        found: dict[tuple[int, str], int] = {}
        for batch in chunks(keys, 500):
            rows = await self.session.execute(
                select(table.c.id, table.c[parent], table.c.legacy_id).where(
                    tuple_(table.c[parent], table.c.legacy_id).in_(list(batch))
                )
            )
            for row_id, parent_id, legacy_id in rows:
                found[(parent_id, legacy_id)] = row_id
        return found


class ContractWriter(KeyedWriter):
    """Contracts and, for the new ones, their competitors, RPC config and analysis params."""

    name, table, need_ids = "contracts", CONTRACTS, True

    async def write(self, pending: list[Pending], ready: Ready) -> None:
        """Write one batch of contracts, then the children of the new ones."""
        state, t = self.state, self.state.t
        ids, new = await self.insert_keyed(ready)
        child_rows: dict[str, list[dict[str, Any]]] = {name: [] for name in CHILD_TABLES}
        for p in pending:
            assert p.children is not None
            contract_id = ids[(p.parent, p.legacy_id)]
            state.contract_ids[(p.parent, p.legacy_id)] = contract_id
            is_new = (p.parent, p.legacy_id) in new
            for name in CHILD_TABLES:
                rows = p.children[name]
                rows = rows if isinstance(rows, list) else [rows]
                t[name].read += len(rows)
                if not is_new:
                    t[name].present += len(rows)
                    continue
                child_rows[name].extend({"contract_id": contract_id, **row} for row in rows)
                t[name].inserted += len(rows)
        for name, rows in child_rows.items():
            await self.verifier.insert(name, CHILD_TABLES[name], rows)


class ChatSessionWriter(KeyedWriter):
    """Chat sessions, remembering their ids for the messages that follow."""

    name, table, need_ids = "chat_sessions", CHAT_SESSIONS, True

    async def write(self, pending: list[Pending], ready: Ready) -> None:
        """Write one batch of chat sessions."""
        ids, new = await self.insert_keyed(ready)
        self.state.new_sessions.update(ids[key] for key in new)
        for p in pending:
            self.state.session_ids[(p.parent, p.legacy_id)] = ids[(p.parent, p.legacy_id)]
            self.state.session_owners.setdefault(p.legacy_id, []).append(p.parent)


class ChatMessageWriter(KeyedWriter):
    """Chat messages, keyed on their session."""

    name, table, parent = "chat_messages", CHAT_MESSAGES, "session_id"
