"""Verification as set operations in the database: expected rows against the stored ones.

While writing, every row this run inserts is also loaded, from the validated input and not
through the writer, into a temporary table of the same columns and types
(``_verify_<table>``, COPY on PostgreSQL); keys of records that were already there go to
``_verify_<table>_present``. At the end one join per table compares every column of each
expected row with the stored row of the same key (``IS NOT DISTINCT FROM``), and counts the
stored rows under the same keys: a row missing, differing or added shows in the counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, MetaData, Table, and_, func, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core import bulk
from skillnest.core.db import is_postgres
from skillnest.gauge import dialect
from skillnest.gauge.importer.rows import (
    ACCOUNTS,
    ANALYSES,
    CHAT_MESSAGES,
    CHAT_SESSIONS,
    COMPETITORS,
    CONTRACTS,
    ONBOARDING,
    PARAMS,
    PREFERENCES,
    RPC_CONFIG,
    USERS,
)
from skillnest.gauge.importer.state import RunState

_TEMPORARY = MetaData()


@dataclass(frozen=True)
class Check:
    """One stored table compared with its expected rows: ``keys`` identify a row."""

    table: Table
    keys: tuple[str, ...]


# report table -> the stored tables its rows go to ("users" is also a gauge_accounts row)
CHECKS: dict[str, tuple[Check, ...]] = {
    "users": (Check(USERS, ("id",)), Check(ACCOUNTS, ("user_id",))),
    "user_onboarding": (Check(ONBOARDING, ("user_id",)),),
    "user_preferences": (Check(PREFERENCES, ("user_id",)),),
    "contracts": (Check(CONTRACTS, ("id",)),),
    "contract_competitors": (Check(COMPETITORS, ("contract_id", "position")),),
    "contract_rpc_config": (Check(RPC_CONFIG, ("contract_id", "chain")),),
    "contract_analysis_params": (Check(PARAMS, ("contract_id",)),),
    "analyses": (Check(ANALYSES, ("id",)),),
    "chat_sessions": (Check(CHAT_SESSIONS, ("id",)),),
    "chat_messages": (Check(CHAT_MESSAGES, ("id",)),),
}
# report table -> (stored table, its legacy key columns) for the records already there
PRESENT_KEYS: dict[str, tuple[Table, tuple[str, ...]]] = {
    "users": (ACCOUNTS, ("legacy_id",)),
    "contracts": (CONTRACTS, ("user_id", "legacy_id")),
    "analyses": (ANALYSES, ("user_id", "legacy_id")),
    "chat_sessions": (CHAT_SESSIONS, ("user_id", "legacy_id")),
    "chat_messages": (CHAT_MESSAGES, ("session_id", "legacy_id")),
}


@dataclass
class Tally:
    """Expected rows of one stored table, and what the comparison found."""

    temp: Table
    keys: tuple[str, ...]
    expected: int = 0
    identical: int = 0
    stored: int = 0  # stored rows under the expected keys


def _temp_table(name: str, table: Table, columns: Sequence[str]) -> Table:
    """A temporary table with ``columns`` of ``table`` (same types, no constraints)."""
    existing = _TEMPORARY.tables.get(name)
    if existing is not None:
        _TEMPORARY.remove(existing)
    return Table(
        name,
        _TEMPORARY,
        *(Column(c, table.c[c].type) for c in columns),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )


class Verifier:
    """Loads the expected rows as they are written; compares them with the stored ones."""

    def __init__(self, session: AsyncSession, state: RunState) -> None:
        self.session, self.state = session, state
        self.tallies: dict[tuple[str, str], Tally] = {}
        self.present: dict[str, Tally] = {}

    async def expect(self, name: str, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Rows this run inserted into ``table`` (for report table ``name``), as validated."""
        if rows:
            tally = await self._tally(name, table, rows)
            await bulk.bulk_insert(self.session, tally.temp, rows)

    async def insert(
        self, name: str, table: Table, rows: Sequence[dict[str, Any]], data: bytes | None = None
    ) -> None:
        """Insert rows that cannot conflict into ``table`` and expect them, in one pass.

        On PostgreSQL the COPY text of the batch (``data`` when built ahead) is built once and
        sent to the table and to its ``_verify_`` table: the comparison still meets every
        stored row.
        """
        if not rows:
            return
        if not is_postgres(self.session):
            await bulk.bulk_insert(self.session, table, rows)
            await self.expect(name, table, rows)
            return
        tally = await self._tally(name, table, rows)
        await bulk.copy_rows(self.session, (table, tally.temp), rows, data)

    async def _tally(self, name: str, table: Table, rows: Sequence[dict[str, Any]]) -> Tally:
        tally = self.tallies.get((name, table.name))
        if tally is None:
            check = next(c for c in CHECKS[name] if c.table is table)
            temp = await self._create(f"_verify_{table.name}", table, list(rows[0]))
            tally = self.tallies[(name, table.name)] = Tally(temp, check.keys)
        tally.expected += len(rows)
        return tally

    async def expect_present(self, name: str, keys: Sequence[dict[str, Any]]) -> None:
        """Legacy keys of valid records that were already imported (counted, not compared)."""
        if not keys:
            return
        tally = self.present.get(name)
        if tally is None:
            table, columns = PRESENT_KEYS[name]
            temp = await self._create(f"_verify_{table.name}_present", table, columns)
            tally = self.present[name] = Tally(temp, columns)
        tally.expected += len(keys)
        await bulk.bulk_insert(self.session, tally.temp, keys)

    async def _create(self, name: str, table: Table, columns: Sequence[str]) -> Table:
        temp = _temp_table(name, table, columns)
        connection = await self.session.connection()
        await connection.execute(
            text(f"DROP TABLE IF EXISTS {dialect.temporary(self.session, name)}")
        )
        await connection.run_sync(temp.create)
        return temp

    async def run(self) -> None:
        """Compare every expected row with the stored one; fill in the report's counts."""
        # Times come back in the session's zone: UTC, like the legacy side (documents).
        await dialect.read_times_in_utc(self.session)
        await dialect.prepare_verification(
            self.session,
            {t.temp.name: t.keys for t in (*self.tallies.values(), *self.present.values())},
        )
        for (name, table_name), tally in self.tallies.items():
            table = next(c.table for c in CHECKS[name] if c.table.name == table_name)
            await self._compare(table, tally)
        for name, tally in self.present.items():
            tally.identical = await self._count_matches(PRESENT_KEYS[name][0], tally)
        for name, checks in CHECKS.items():
            self._report(name, [self.tallies.get((name, c.table.name)) for c in checks])
        await self._drop()

    async def _compare(self, table: Table, tally: Tally) -> None:
        e = tally.temp
        same = [table.c[c].is_not_distinct_from(e.c[c]) for c in e.c.keys() if c not in tally.keys]
        on = and_(*(table.c[k] == e.c[k] for k in tally.keys))
        identical = func.count().filter(and_(true(), *same))
        query = select(func.count(), identical).select_from(e.join(table, on))
        joined, tally.identical = (await self.session.execute(query)).one()
        if len(tally.keys) == 1:
            # One key column is unique in the stored table: the join met every stored row.
            tally.stored = joined
            return
        lead = tally.keys[0]  # every stored row under an expected first key column
        stored = select(func.count()).select_from(table).where(table.c[lead].in_(select(e.c[lead])))
        tally.stored = (await self.session.execute(stored)).scalar_one()

    async def _count_matches(self, table: Table, tally: Tally) -> int:
        e = tally.temp
        on = and_(*(table.c[k] == e.c[k] for k in tally.keys))
        query = select(func.count()).select_from(e.join(table, on))
        return int((await self.session.execute(query)).scalar_one())

    def _report(self, name: str, tallies: list[Tally | None]) -> None:
        t = self.state.t[name]
        expected = sum(x.expected for x in tallies if x)
        identical = sum(x.identical for x in tallies if x)
        differing = sum(x.stored - x.identical for x in tallies if x)
        t.expected_checksum = f"{expected} identical rows"
        t.found_checksum = f"{identical} identical rows" + (
            f", {differing} differing" if differing else ""
        )
        # The main table's rows count (users: its gauge_accounts rows, which hold the ids).
        main = tallies[-1]
        found = main.identical if main else 0
        present = self.present.get(name)
        t.found = found + (present.identical if present else t.present)

    async def _drop(self) -> None:
        connection = await self.session.connection()
        for tally in (*self.tallies.values(), *self.present.values()):
            name = dialect.temporary(self.session, tally.temp.name)
            await connection.execute(text(f"DROP TABLE IF EXISTS {name}"))
