"""Verification: every imported table read back, legacy keys counted, new rows checksummed."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Table, Text, cast, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from skillnest.gauge import dialect
from skillnest.gauge.importer.rows import (
    ACCOUNTS,
    ANALYSES,
    CHAT_MESSAGES,
    CHAT_SESSIONS,
    CHILD_TABLES,
    COMPETITORS,
    CONTRACTS,
    DOCUMENT_COLUMNS,
    FIELDS,
    ONBOARDING,
    PREFERENCES,
    RPC_CONFIG,
    USERS,
    Checksum,
    row_digest,
)
from skillnest.gauge.importer.state import RunState


def _as_text(column: Any) -> Any:
    """A JSON column read as its text (parsed later with orjson, only where needed)."""
    if column.name in DOCUMENT_COLUMNS:
        return cast(column, Text).label(column.name)
    return column


def _is_text_doc(column: Any) -> bool:
    return getattr(column, "name", None) in DOCUMENT_COLUMNS and isinstance(column.type, Text)


class Verifier:
    """Reads back what a run wrote and fills in the found counts and checksums."""

    def __init__(self, session: AsyncSession, state: RunState) -> None:
        self.session, self.state = session, state
        self.user_legacy = state.user_legacy
        self.inserted_ids = state.inserted_ids
        self.t = state.t

    async def run(self) -> None:
        """Read every imported table back: count the legacy keys, checksum the new rows.

        Each table is read on its own and its ids are mapped to legacy keys with the maps
        built while importing: no join, so no plan can go wrong on tables whose statistics
        predate the import (a nested loop over 500,000 fresh rows).
        """
        contract_keys = {
            cid: (self.user_legacy[owner], legacy_id)
            for (owner, legacy_id), cid in self.state.contract_ids.items()
        }
        session_keys = {
            sid: (self.user_legacy[owner], legacy_id)
            for (owner, legacy_id), sid in self.state.session_ids.items()
        }
        # Times come back in the session's zone: make it UTC, like the legacy side.
        await dialect.read_times_in_utc(self.session)
        accounts, accounts_found = await self._gauge_values()
        for name, query in self._verification_queries().items():
            table = self.t[name]
            table.expected_checksum = self.state.expected[name].hexdigest()
            found = Checksum()
            count = 0
            inserted = self.inserted_ids[name]
            keys = self.state.valid_keys.get(name)
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
        keys = self.state.valid_keys["users"]
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
