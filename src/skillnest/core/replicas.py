"""Read replicas: round-robin choice, health with back-off, and read-your-writes by WAL position.

Replicas are PostgreSQL hot standbys fed by streaming replication. A read that tolerates
lag may go to one of them; a user who has just written (or was just told about a write by a
live event) is only sent to a replica whose replayed WAL has passed that write, otherwise to
the primary. Positions are remembered in the cache (Redis in production) for a short time:
past that, replication has long caught up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import event, text
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from skillnest.core import realtime
from skillnest.core.cache import Cache

log = logging.getLogger("skillnest.replicas")

POSITION_TTL_SECONDS = 60  # a user's last write position is kept this long
REPLAY_CACHE_SECONDS = 0.25  # a replica's replayed position is re-read at most this often
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 2

WROTE_KEY = "replicas.wrote"
# The user a request acts for, set by authentication: their next reads must see its writes.
# A context variable, so that marking it never creates the request's (lazy) session.
WRITER: ContextVar[int | None] = ContextVar("skillnest_writer", default=None)
# Replicas fail fast when down, so that the primary takes over within the request.
OPTIONS: dict[str, Any] = {"connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS}}


def parse_lsn(value: str | None) -> int:
    """A PostgreSQL ``pg_lsn`` (``16/B374D848``) as an integer, 0 for none."""
    if not value:
        return 0
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def position_key(user_id: int) -> str:
    """Cache key of a user's last write position on the primary."""
    return f"replicas:lsn:user:{user_id}"


@dataclass
class Replica:
    """One standby: its engine, its health and the last replay position seen on it."""

    name: str
    engine: AsyncEngine
    failures: int = 0
    down_until: float = 0.0
    replay_lsn: int = 0
    replay_read_at: float = field(default=float("-inf"))

    def usable(self, now: float) -> bool:
        """Whether the replica may be tried (not inside a back-off period)."""
        return now >= self.down_until

    def mark_down(self, error: BaseException) -> None:
        """Skip the replica for a back-off that doubles with each consecutive failure."""
        self.failures += 1
        backoff = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (self.failures - 1))
        self.down_until = time.monotonic() + backoff
        log.warning("replica %s unavailable, skipped for %.0fs: %s", self.name, backoff, error)

    def mark_up(self) -> None:
        """Forget past failures."""
        if self.failures:
            log.warning("replica %s is back", self.name)
        self.failures = 0
        self.down_until = 0.0


def _safe_name(url: str) -> str:
    """``host:port/database`` of a URL, never its password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


class ReplicaSet:
    """The replicas of one process, tried in turn."""

    def __init__(self, engines: Iterable[tuple[str, AsyncEngine]]) -> None:
        self.replicas = [Replica(_safe_name(url), engine) for url, engine in engines]
        self._next = 0

    def __bool__(self) -> bool:
        return bool(self.replicas)

    def _rotation(self) -> list[Replica]:
        start = self._next % len(self.replicas)
        self._next += 1
        return self.replicas[start:] + self.replicas[:start]

    async def _caught_up(self, replica: Replica, conn: AsyncConnection, needed: int) -> bool:
        """Whether the replica has replayed up to ``needed``, reading its position rarely."""
        if needed <= replica.replay_lsn:
            return True
        if time.monotonic() - replica.replay_read_at < REPLAY_CACHE_SECONDS:
            return False
        lsn = await conn.scalar(text("SELECT pg_last_wal_replay_lsn()::text"))
        await conn.rollback()  # leave no snapshot behind: the session starts fresh
        replica.replay_lsn = parse_lsn(lsn)
        replica.replay_read_at = time.monotonic()
        return needed <= replica.replay_lsn

    async def connect(self, needed: int = 0) -> tuple[Replica, AsyncConnection] | None:
        """A connection to a healthy replica that has replayed ``needed``, or None."""
        now = time.monotonic()
        for replica in self._rotation():
            if not replica.usable(now):
                continue
            if (
                needed
                and needed > replica.replay_lsn
                and (now - replica.replay_read_at < REPLAY_CACHE_SECONDS)
            ):
                continue  # known to be behind: not even worth a connection
            try:
                conn = await replica.engine.connect()
            except Exception as exc:  # noqa: BLE001 - any failure to connect means "down"
                replica.mark_down(exc)
                continue
            try:
                if await self._caught_up(replica, conn, needed):
                    replica.mark_up()
                    return replica, conn
            except Exception as exc:  # noqa: BLE001
                replica.mark_down(exc)
            await conn.close()
        return None

    async def status(self, primary_lsn: int | None) -> list[dict[str, Any]]:
        """Each replica's state and lag, for /health."""
        return list(
            await asyncio.gather(*(self._one_status(r, primary_lsn) for r in self.replicas))
        )

    async def _one_status(self, replica: Replica, primary_lsn: int | None) -> dict[str, Any]:
        query = text(
            "SELECT pg_last_wal_replay_lsn()::text AS replay, CASE "
            "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END AS lag"
        )
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS + 1):
                async with replica.engine.connect() as conn:
                    row = (await conn.execute(query)).one()
        except Exception as exc:  # noqa: BLE001 - report, never fail the health check
            replica.mark_down(exc)
            return {"name": replica.name, "status": "down"}
        replica.mark_up()
        replica.replay_lsn = max(replica.replay_lsn, parse_lsn(row.replay))
        replica.replay_read_at = time.monotonic()
        lag_bytes = max(0, primary_lsn - parse_lsn(row.replay)) if primary_lsn else None
        return {
            "name": replica.name,
            "status": "ok",
            "lag_seconds": round(float(row.lag or 0), 3),
            "lag_bytes": lag_bytes,
        }

    async def dispose(self) -> None:
        """Close every replica's pool."""
        for replica in self.replicas:
            await replica.engine.dispose()


def replica_url(url: str) -> str:
    """The replica URL with the async driver, as for the primary."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


# --- read-your-writes -------------------------------------------------------------------


def mark_writer(user_id: int) -> None:
    """Say whose request this is, so their next reads see what it writes."""
    WRITER.set(user_id)


def _note_flush(session: Session, _context: Any) -> None:
    session.info[WROTE_KEY] = True


def _note_statement(state: ORMExecuteState) -> None:
    if not state.is_select:  # bulk UPDATE/DELETE/INSERT and textual statements
        state.session.info[WROTE_KEY] = True


class TrackedSession(Session):
    """A session that notes whether its transaction wrote anything (used with replicas)."""


event.listen(TrackedSession, "after_flush", _note_flush)
event.listen(TrackedSession, "do_orm_execute", _note_statement)


def hold_readers(session: AsyncSession) -> set[int] | None:
    """Before a commit: the users who must read its writes; their live events wait.

    The writer and the recipients of the events the commit announces: the reads an event
    prompts must not reach a replica that lacks what it announces.
    """
    if not session.info.get(WROTE_KEY):
        return None
    readers = realtime.pending_recipients(session)
    writer = WRITER.get()
    if writer is not None:
        readers.add(writer)
    if readers:
        realtime.hold_pending_events(session)
    return readers or None


async def release_readers(session: AsyncSession, cache: Cache | None, readers: set[int]) -> None:
    """After the commit: record its WAL position for the readers, then let the events go."""
    try:
        if cache is not None:
            await remember_position(cache, readers, await current_lsn(session))
    except Exception:  # the write is committed: never turn it into an error
        log.exception("could not record the write position for read-your-writes")
    finally:
        realtime.release_pending_events(session)


async def current_lsn(session: AsyncSession) -> int:
    """The primary's WAL position now, past every commit already acknowledged."""
    return parse_lsn(await session.scalar(text("SELECT pg_current_wal_lsn()::text")))


async def remember_position(cache: Cache, user_ids: Iterable[int], lsn: int) -> None:
    """Remember that these users must not read from a replica behind ``lsn``."""
    for user_id in set(user_ids):
        key = position_key(user_id)
        known = await cache.get(key)
        # Two commits of one user can finish out of order: never move the position back.
        if known is not None and int(known) >= lsn:
            continue
        await cache.set(key, str(lsn).encode(), POSITION_TTL_SECONDS)


def _cache_up(cache: Cache) -> bool:
    redis = getattr(cache, "inner", cache)  # under the near layer, if any
    return bool(getattr(redis, "available", True))


async def needed_position(cache: Cache, user_id: int | None) -> int | None:
    """The WAL position a user's reads need, 0 for none, None when it cannot be known."""
    if user_id is None:
        return 0
    value = await cache.get(position_key(user_id)) if _cache_up(cache) else None
    if not _cache_up(cache):
        return None  # the cache is down: the primary is the only safe answer
    with contextlib.suppress(ValueError, TypeError):
        return int(value) if value is not None else 0
    return None
