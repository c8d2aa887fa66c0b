"""Kept feed pages' confirmations: which of their cards are still active, one statement for all.

A worker keeps the ready bytes of the feed pages it served (``help.feed``); before a kept page
is sent again, the database confirms its cards by primary key. The pages waiting together in
one worker share that statement (``KeptConfirmations``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    TEXT,
    String,
    and_,
    any_,
    bindparam,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql

from skillnest.core.db import DriverStatement
from skillnest.help.models import ACTIVE, HelpSession

FetchOne = Callable[[DriverStatement, dict[str, Any]], Awaitable[dict[str, Any] | None]]
"""Runs a driver statement outside transactions (``core.deps.request_fetch_one``)."""

# A kept page's confirmation through the driver (core.db.DriverStatement): which of these ids
# are active now, as one aggregated row. The ids are the only condition (the primary key is
# the index used; on SQLite a status condition would make it prefer the status index and
# scan); activity is the aggregate's filter. PostgreSQL takes the ids as one array, SQLite as
# a JSON array of the stored hex form. Constants are written into the SQL: a driver statement
# binds only the named values.
_ACTIVE_NOW = and_(
    HelpSession.status == literal_column(f"'{ACTIVE}'"),
    HelpSession.expires_at > bindparam("now", type_=HelpSession.expires_at.type),
)
_JSON_IDS = func.json_each(bindparam("ids", type_=String)).table_valued("value")
KEPT_POSTGRES = DriverStatement(
    select(func.array_agg(HelpSession.id).filter(_ACTIVE_NOW).label("active")).where(
        HelpSession.id == any_(bindparam("ids", type_=postgresql.ARRAY(HelpSession.id.type)))
    )
)
KEPT_SQLITE = DriverStatement(
    select(
        type_coerce(func.json_group_array(HelpSession.id).filter(_ACTIVE_NOW), TEXT).label("active")
    ).where(HelpSession.id.in_(select(_JSON_IDS.c.value)))
)


async def active_ids(*, fetch: FetchOne, dialect: str, uids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these requests are active now (one driver-level statement)."""
    wanted = list(uids)
    if not wanted:
        return set()
    now = datetime.now(UTC)
    if dialect == "postgresql":
        row = await fetch(KEPT_POSTGRES, {"ids": wanted, "now": now})
        return set(row["active"] or ()) if row is not None else set()
    row = await fetch(
        KEPT_SQLITE, {"ids": orjson.dumps([u.hex for u in wanted]).decode(), "now": now}
    )
    found = orjson.loads(row["active"]) if row is not None and row["active"] else []
    return {uuid.UUID(hex=value) for value in found}


@dataclass(slots=True)
class _Batch:
    """Kept pages waiting for one confirmation statement."""

    fetch: FetchOne
    uids: set[uuid.UUID]
    done: asyncio.Future[set[uuid.UUID]]


class KeptConfirmations:
    """The confirmations of kept pages asked for at once in one worker, as one statement.

    A page joins the next statement to start, and the next one starts as soon as the one under
    way has returned: every page is still confirmed by a statement begun after it was asked
    for (what confirming it alone guarantees), while under load a few dozen pages cost one
    round trip instead of one each.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next: _Batch | None = None
        self._sender: asyncio.Task[None] | None = None

    async def all_active(self, *, fetch: FetchOne, dialect: str, uids: list[uuid.UUID]) -> bool:
        """Whether every one of these requests is active, by the next statement to start."""
        if not uids:
            return True
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests): nothing of the old one is valid
            self._loop, self._next, self._sender = loop, None, None
        batch = self._next
        if batch is None:
            batch = self._next = _Batch(fetch, set(), loop.create_future())
            batch.done.add_done_callback(_retrieve)
            if self._sender is None or self._sender.done():
                self._sender = loop.create_task(self._send(dialect))
        batch.uids.update(uids)
        active = await asyncio.shield(batch.done)
        return active.issuperset(uids)

    async def _send(self, dialect: str) -> None:
        while (batch := self._next) is not None:
            self._next = None
            try:
                batch.done.set_result(
                    await active_ids(fetch=batch.fetch, dialect=dialect, uids=batch.uids)
                )
            except Exception as exc:  # every page of the batch answers the database error
                batch.done.set_exception(exc)
            except BaseException:  # cancelled with its loop: so are the pages waiting
                batch.done.cancel()
                if self._next is not None:
                    self._next.done.cancel()
                    self._next = None
                raise


def _retrieve(done: asyncio.Future[set[uuid.UUID]]) -> None:
    # A batch whose requests all went away still fails quietly (their clients are gone).
    if not done.cancelled():
        done.exception()
