"""The live help feed: the ``live_help_feed`` sorted set, read through a per-process copy.

Design (the database stays the source of truth; Redis is the shared, disposable index):

* Every new request is added to the sorted set ``live_help_feed`` (seed 000) scored by its
  creation time; the member is the request's public card as canonical JSON, so a feed read
  needs no database query.
* A request that leaves the feed (accepted, cancelled, expired) is removed from the set and
  its id is added to ``live_help_feed:closed``, scored by when it closed. The closed set only
  grows, so a rebuild racing a close cannot bring a closed request back.
* ``help:feed:version`` changes with every change. Each worker keeps the decoded, sorted cards
  and catches up only when the version moved, by reading the few cards created or closed
  since (``help:feed:epoch`` changes when only a full re-read will do): a feed read costs
  one GET plus an in-memory filter.
* The cards pick the page; the database confirms it by primary key before it is first sent,
  and each card's exact ``expires_at`` is checked at read time. An expired or closed request
  is never served, whether or not the expiry job has run.
* No version (Redis flushed or restarted) means "rebuild": the active requests are read from
  the database and added back. If the cache cannot keep data (Redis down), the page is read
  from the database directly, so losing Redis loses nothing.
* The maintenance job reconciles the set with the database (seed rows inserted by SQL, a
  create whose transaction rolled back) and prunes entries older than the longest lifetime.
* Each worker keeps the ready bytes of the pages it served for the current version (keyed by
  filters, with the caller's college already resolved, offset and limit), each until the
  earliest expiry among its cards: a repeat costs no card walk and no serialisation, and its
  confirmation is one driver-level statement counting which of its cards are still active
  (a page with one gone is built afresh). Every change made through skillnest moves the
  version (create, accept, cancel, maintenance); a page is kept only when the database
  confirmed every card of it at the first look, so a card whose creating transaction had
  not committed yet is never left out of a kept page.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    TEXT,
    ColumnElement,
    any_,
    bindparam,
    exists,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from skillnest.core.cache import TTL, Cache
from skillnest.core.db import is_postgres
from skillnest.core.realtime import Hub
from skillnest.help.confirmations import FetchOne, KeptConfirmations
from skillnest.help.models import ACTIVE, HelpSession

log = logging.getLogger("skillnest.help.feed")

CardRow = Mapping[Any, Any]
"""A row with the card columns (a RowMapping or a plain dict)."""
Connect = Callable[[], AbstractAsyncContextManager[AsyncConnection]]
"""Opens a connection outside transactions (``core.deps.request_read_connection``)."""
ConfirmKept = Callable[..., Awaitable[bool]]
"""``all_active`` with ``cache``, ``fetch`` and ``dialect`` bound: takes ``uids``."""

FEED_KEY = "live_help_feed"
CLOSED_KEY = "live_help_feed:closed"
VERSION_KEY = "help:feed:version"
EPOCH_KEY = "help:feed:epoch"
FEED_CHANNEL = "help:feed"
MAX_LIFETIME = timedelta(hours=72)
# Entries younger than this are left alone by reconciliation: their transaction may still
# be committing.
RECONCILE_GRACE = timedelta(seconds=60)
# A delta re-reads cards created this long before the newest one seen, so a request whose
# transaction finished after a newer one's is still picked up.
DELTA_MARGIN = timedelta(seconds=30)
_BATCH = 500
# Ready pages kept per worker for one version (filters x college x offset x limit); beyond
# this many, odd queries start the collection afresh rather than growing it.
MAX_READY_PAGES = 4_096
_NEVER_US = 1 << 62
# Rounds of "drop what the database no longer confirms and look again" before a feed read
# gives up on the cached cards and queries the database for the page.
MAX_CONFIRM_ROUNDS = 3

CARD_COLUMNS = (
    HelpSession.id,
    HelpSession.title,
    HelpSession.skill_tags,
    HelpSession.urgency_level,
    HelpSession.college_domain,
    HelpSession.anonymous_avatar,
    HelpSession.created_at,
    HelpSession.expires_at,
)


def to_minute(moment: datetime) -> datetime:
    """Round a time down to the minute (what others are shown of a request's times)."""
    return moment.replace(second=0, microsecond=0)


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def score_of(created_at: datetime) -> float:
    """The sorted-set score of a request: its creation time in epoch seconds."""
    return _micros(created_at) / 1_000_000


def public_card(row: CardRow) -> dict[str, Any]:
    """What anyone in the feed sees of a request (``FeedCard``)."""
    return {
        "id": str(row["id"]),
        "title": row["title"],
        "skill_tags": list(row["skill_tags"] or []),
        "urgency_level": int(row["urgency_level"]),
        "college_domain": row["college_domain"],
        "avatar": row["anonymous_avatar"],
        "created_at": to_minute(row["created_at"]).isoformat(),
        "expires_at": to_minute(row["expires_at"]).isoformat(),
    }


def member_of(row: CardRow) -> str:
    """The canonical sorted-set member of a request: its card plus exact times for ordering."""
    card = public_card(row)
    card["ts"] = _micros(row["created_at"])
    card["exp"] = _micros(row["expires_at"])
    return orjson.dumps(card, option=orjson.OPT_SORT_KEYS).decode()


@dataclass(frozen=True, slots=True)
class Filters:
    """Feed filters: any of ``skills``, at least ``min_urgency``, one college domain."""

    skills: frozenset[str] = frozenset()
    min_urgency: int = 1
    college_domain: str | None = None

    def matches(self, card: CardRow) -> bool:
        """Whether a public card passes (used for live events)."""
        if int(card["urgency_level"]) < self.min_urgency:
            return False
        if self.college_domain and card.get("college_domain") != self.college_domain:
            return False
        return not self.skills or not self.skills.isdisjoint(card.get("skill_tags") or ())


@dataclass(frozen=True, slots=True)
class Entry:
    """One decoded card, ready to filter and to send."""

    urgency: int
    ts: int
    id: str
    uid: uuid.UUID
    exp: int
    tags: frozenset[str]
    college: str | None
    body: bytes

    @property
    def sort_key(self) -> tuple[int, int, str]:
        """Feed order: urgency (highest first), then newest, then id."""
        return (-self.urgency, -self.ts, self.id)

    @classmethod
    def from_member(cls, member: str) -> Entry:
        """Decode a sorted-set member."""
        doc = orjson.loads(member)
        ts, exp = doc.pop("ts"), doc.pop("exp")
        return cls(
            urgency=int(doc["urgency_level"]),
            ts=int(ts),
            id=doc["id"],
            uid=uuid.UUID(doc["id"]),
            exp=int(exp),
            tags=frozenset(doc["skill_tags"]),
            college=doc["college_domain"],
            body=orjson.dumps(doc),
        )

    @classmethod
    def from_row(cls, row: CardRow) -> Entry:
        """Build from a database row."""
        return cls.from_member(member_of(row))


@dataclass(slots=True)
class Index:
    """Where in a sorted card list each skill and each college occurs.

    A page then looks only at the cards that can match (the rarer filter's positions), in
    feed order, instead of walking the list from the top: a rare skill at one college costs
    a few dozen steps, not 10,000.
    """

    entries: list[Entry]
    by_tag: dict[str, list[int]]
    by_college: dict[str | None, list[int]]

    @classmethod
    def of(cls, entries: list[Entry]) -> Index:
        """Index a list sorted in feed order."""
        by_tag: dict[str, list[int]] = {}
        by_college: dict[str | None, list[int]] = {}
        for position, entry in enumerate(entries):
            for tag in entry.tags:
                by_tag.setdefault(tag, []).append(position)
            by_college.setdefault(entry.college, []).append(position)
        return cls(entries, by_tag, by_college)

    def positions(self, filters: Filters) -> Iterable[int]:
        """Positions, in feed order, of every card that may pass ``filters`` (a superset)."""
        lists: list[list[int]] = []
        if filters.skills:
            lists = [self.by_tag.get(tag, []) for tag in sorted(filters.skills)]
        if filters.college_domain:
            college = self.by_college.get(filters.college_domain, [])
            if not lists or len(college) < sum(map(len, lists)):
                lists = [college]
        if not lists:
            return range(len(self.entries))
        return lists[0] if len(lists) == 1 else _unique(heapq.merge(*lists))


def _unique(positions: Iterable[int]) -> Iterator[int]:
    last = -1
    for position in positions:
        if position != last:
            yield position
            last = position


def candidates(
    entries: Iterable[Entry],
    filters: Filters,
    count: int,
    now_us: int,
    excluded: frozenset[str] | set[str] = frozenset(),
    index: Index | None = None,
) -> list[Entry]:
    """The first ``count`` sorted entries that pass the filters and have not expired.

    With an ``index`` of the same entries only the cards it names are looked at; every
    filter is still checked on each of them, so the answer is the same.
    """
    if index is not None:
        entries = map(index.entries.__getitem__, index.positions(filters))
    picked: list[Entry] = []
    for entry in entries:
        if entry.urgency < filters.min_urgency:
            break  # sorted by urgency, highest first: nothing further can match
        if entry.exp <= now_us or entry.id in excluded:
            continue
        if filters.college_domain and entry.college != filters.college_domain:
            continue
        if filters.skills and entry.tags.isdisjoint(filters.skills):
            continue
        picked.append(entry)
        if len(picked) >= count:
            break
    return picked


def select_page(
    entries: Iterable[Entry], filters: Filters, offset: int, limit: int, now_us: int
) -> tuple[list[Entry], bool]:
    """Pick one page of sorted entries; also say whether more follow."""
    window = candidates(entries, filters, offset + limit + 1, now_us)
    return window[offset : offset + limit], len(window) > offset + limit


def render_page(page: list[Entry], has_more: bool, offset: int, limit: int) -> bytes:
    """The ``Page[FeedCard]`` JSON, assembled from ready card bytes."""
    next_offset = str(offset + len(page)).encode() if has_more else b"null"
    items = b",".join(entry.body for entry in page)
    return (
        b'{"items":['
        + items
        + b'],"limit":%d,"offset":%d,"next_offset":%s,"total":null}' % (limit, offset, next_offset)
    )


# --- database side ----------------------------------------------------------------------


def skills_overlap(session: AsyncSession, skills: Iterable[str]) -> ColumnElement[bool]:
    """``skill_tags`` shares at least one of ``skills``: GIN-indexed ``&&`` or ``json_each``."""
    wanted = sorted(skills)
    if is_postgres(session):
        tags = type_coerce(HelpSession.skill_tags, postgresql.ARRAY(TEXT))
        return tags.overlap(literal(wanted, type_=postgresql.ARRAY(TEXT)))
    each = func.json_each(HelpSession.skill_tags).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value.in_(wanted)))


async def page_from_db(
    *, session: AsyncSession, filters: Filters, offset: int, limit: int, now: datetime
) -> tuple[list[Entry], bool]:
    """The same page straight from the database (when the cache cannot hold the feed)."""
    query = select(*CARD_COLUMNS).where(
        HelpSession.status == ACTIVE,
        HelpSession.expires_at > now,
        HelpSession.urgency_level >= filters.min_urgency,
    )
    if filters.college_domain:
        query = query.where(HelpSession.college_domain == filters.college_domain)
    if filters.skills:
        query = query.where(skills_overlap(session, filters.skills))
    query = query.order_by(
        HelpSession.urgency_level.desc(), HelpSession.created_at.desc(), HelpSession.id
    )
    rows = (await session.execute(query.offset(offset).limit(limit + 1))).mappings().all()
    entries = [Entry.from_row(r) for r in rows]
    return entries[:limit], len(entries) > limit


async def active_rows(*, session: AsyncSession, now: datetime) -> list[CardRow]:
    """Every request the feed should list now."""
    query = select(*CARD_COLUMNS).where(HelpSession.status == ACTIVE, HelpSession.expires_at > now)
    return list((await session.execute(query)).mappings().all())


# --- the shared index -------------------------------------------------------------------


@dataclass
class LocalCopy:
    """One process's decoded copy of the sorted set and what it has caught up with."""

    version: bytes | None = None
    epoch: bytes | None = None
    entries: list[Entry] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    newest: float = 0.0  # highest creation score seen
    closed_scan: float = 0.0  # when the closed set was last read
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    index: Index | None = None  # of ``entries``, built by the first page read that needs it
    # Ready pages for ``ready_version``: (filters, offset, limit) -> the page.
    ready_version: bytes | None = None
    ready: dict[tuple[Filters, int, int], KeptPage] = field(default_factory=dict)
    confirmations: KeptConfirmations = field(default_factory=lambda: KeptConfirmations())


_copies: weakref.WeakKeyDictionary[Any, LocalCopy] = weakref.WeakKeyDictionary()


def _copy_for(cache: Cache) -> LocalCopy:
    copy = _copies.get(cache)
    if copy is None:
        copy = _copies[cache] = LocalCopy()
    return copy


def index_for(cache: Cache, entries: list[Entry]) -> Index | None:
    """The index of this process's copy when ``entries`` is that copy (built once per change)."""
    copy = _copies.get(cache)
    if copy is None or copy.entries is not entries:
        return None
    if copy.index is None or copy.index.entries is not entries:
        copy.index = Index.of(entries)
    return copy.index


def entries_at(cache: Cache, version: bytes | None) -> list[Entry] | None:
    """This process's cards when its copy is at ``version`` (read elsewhere), else None."""
    copy = _copies.get(cache)
    if copy is None or version is None or version != copy.version or _cache_down(cache):
        return None
    return copy.entries


def version_of(cache: Cache, entries: list[Entry]) -> bytes | None:
    """The version of this process's copy when ``entries`` is that copy, else None."""
    copy = _copies.get(cache)
    return copy.version if copy is not None and copy.entries is entries else None


PageKey = tuple[Filters, int, int]


@dataclass(frozen=True, slots=True)
class KeptPage:
    """A page's ready bytes, the cards it was built from and when the first of them expires."""

    body: bytes
    uids: list[uuid.UUID]
    until_us: int


def ready_page(cache: Cache, version: bytes | None, key: PageKey, now_us: int) -> KeptPage | None:
    """The kept page at ``version`` when none of its cards has expired since."""
    copy = _copies.get(cache)
    if copy is None or version is None or copy.ready_version != version or _cache_down(cache):
        return None
    kept = copy.ready.get(key)
    return kept if kept is not None and kept.until_us > now_us else None


def keep_page(cache: Cache, version: bytes | None, key: PageKey, page: KeptPage) -> None:
    """Keep a page for ``version`` (the copy's current one)."""
    copy = _copies.get(cache)
    if copy is None or version is None or version != copy.version:
        return  # built from an older copy: readers of the current version never ask for it
    if copy.ready_version != version or len(copy.ready) >= MAX_READY_PAGES:
        copy.ready_version, copy.ready = version, {}
    copy.ready[key] = page


def drop_page(cache: Cache, key: PageKey) -> None:
    """Forget a kept page (one of its cards is no longer active)."""
    copy = _copies.get(cache)
    if copy is not None:
        copy.ready.pop(key, None)


def _cache_down(cache: Cache) -> bool:
    # RedisCache says when it is waiting out an outage; the in-process cache never is.
    return not getattr(cache, "available", True)


async def _bump_version(cache: Cache, *, full: bool = False) -> None:
    """Tell every worker the set changed; ``full`` when a delta cannot describe the change."""
    if full:
        await cache.set(EPOCH_KEY, uuid.uuid4().hex.encode(), int(TTL.SESSION))
    await cache.set(VERSION_KEY, uuid.uuid4().hex.encode(), int(TTL.SESSION))
    if _cache_down(cache):
        # The change did not reach Redis: RedisCache replays this delete once Redis is back,
        # which forces a rebuild from the database instead of serving a stale set.
        await cache.delete(VERSION_KEY)


def _decode(members: Iterable[tuple[str, float]], closed: set[str]) -> dict[str, Entry]:
    by_id: dict[str, Entry] = {}
    for member, _ in members:
        try:
            entry = Entry.from_member(member)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("skipping an unreadable live feed entry")
            continue
        if entry.id not in closed:
            by_id[entry.id] = entry
    return by_id


async def _full_load(cache: Cache, copy: LocalCopy, now: float) -> None:
    """Read the whole set (first read, or after a rebuild or reconciliation)."""
    oldest = now - MAX_LIFETIME.total_seconds()
    live = await cache.zrangebyscore(FEED_KEY, oldest, float("inf"))
    closed = await cache.zrangebyscore(CLOSED_KEY, oldest, float("inf"))
    by_id = _decode(live, {member for member, _ in closed})
    copy.entries = sorted(by_id.values(), key=_sort_key)
    copy.ids = set(by_id)
    copy.newest = max((score for _, score in live), default=0.0)
    copy.closed_scan = now


async def _apply_delta(cache: Cache, copy: LocalCopy, now: float) -> None:
    """Catch up with requests created or closed since the last look (a few, not 10,000)."""
    margin = DELTA_MARGIN.total_seconds()
    added = await cache.zrangebyscore(FEED_KEY, copy.newest - margin, float("inf"))
    closed = {
        m for m, _ in await cache.zrangebyscore(CLOSED_KEY, copy.closed_scan - margin, float("inf"))
    }
    now_us = int(now * 1_000_000)
    fresh = _decode(added, closed)
    kept = [e for e in copy.entries if e.id not in closed and e.exp > now_us]
    new = [e for i, e in fresh.items() if i not in copy.ids]
    copy.entries = sorted(kept + new, key=_sort_key) if new else kept
    copy.ids = {e.id for e in copy.entries}
    copy.newest = max([copy.newest, *(score for _, score in added)])
    copy.closed_scan = now


def _sort_key(entry: Entry) -> tuple[int, int, str]:
    return entry.sort_key


async def rebuild(*, session: AsyncSession, cache: Cache) -> int:
    """Add every active request from the database back to the set; return how many."""
    rows = await active_rows(session=session, now=datetime.now(UTC))
    for start in range(0, len(rows), _BATCH):
        chunk = rows[start : start + _BATCH]
        await cache.zadd(FEED_KEY, {member_of(r): score_of(r["created_at"]) for r in chunk})
    await _bump_version(cache, full=True)
    log.info("live feed rebuilt from the database: %d active requests", len(rows))
    return len(rows)


async def current_entries(*, session: AsyncSession, cache: Cache) -> list[Entry] | None:
    """This process's up-to-date sorted cards, or None when the cache cannot hold the feed.

    A read costs one GET while nothing changed. A change made through the service is caught
    up as a delta: cards created within ``DELTA_MARGIN`` of the newest one seen, and ids
    closed since the last look. Anything a delta cannot describe (a rebuild, a
    reconciliation) changes the epoch, and the next read loads the whole set again.
    """
    if _cache_down(cache):
        return None
    copy = _copy_for(cache)
    version = await cache.get(VERSION_KEY)
    if version is not None and version == copy.version:
        return copy.entries
    async with copy.lock:
        version = await cache.get(VERSION_KEY)
        if version is None:
            await rebuild(session=session, cache=cache)
            version = await cache.get(VERSION_KEY)
            if version is None:
                return None
        if version == copy.version:
            return copy.entries
        epoch = await cache.get(EPOCH_KEY)
        now = time.time()
        if copy.version is None or epoch != copy.epoch:
            await _full_load(cache, copy, now)
        else:
            await _apply_delta(cache, copy, now)
        if _cache_down(cache):
            copy.version = None  # half a load: start afresh once Redis answers again
            return None
        copy.version, copy.epoch = version, epoch
        return copy.entries


# The confirmation of a page, built once. PostgreSQL takes the ids as one array parameter (one
# prepared statement whatever the page size) and checks status and expiry itself, sending back
# only the confirmed ids; SQLite expands the ids into IN (...) and keeps the primary key as
# its only condition (with ``status`` there too it prefers the status index and scans).
CONFIRM_POSTGRES = select(HelpSession.id).where(
    HelpSession.id == any_(bindparam("ids", type_=postgresql.ARRAY(HelpSession.id.type))),
    HelpSession.status == ACTIVE,
    HelpSession.expires_at > bindparam("now", type_=HelpSession.expires_at.type),
)
CONFIRM_SQLITE = select(HelpSession.id, HelpSession.status, HelpSession.expires_at).where(
    HelpSession.id.in_(bindparam("ids", expanding=True))
)


async def all_active(*, cache: Cache, fetch: FetchOne, dialect: str, uids: list[uuid.UUID]) -> bool:
    """Whether every one of these requests is still active, by a statement begun after the ask.

    Joins this worker's next confirmation statement (``KeptConfirmations``).
    """
    return await _copy_for(cache).confirmations.all_active(fetch=fetch, dialect=dialect, uids=uids)


async def still_active(
    *, session: AsyncSession | AsyncConnection, ids: Iterable[uuid.UUID], now: datetime
) -> set[uuid.UUID]:
    """Which of these requests the database confirms as active now, looked up by key.

    One statement: a connection outside transactions (``Database.read_connection``) will do.
    """
    wanted = list(ids)
    if not wanted:
        return set()
    # A request's session may be a lazy stand-in (core.db.LazySession), never a connection.
    dialect = (session if isinstance(session, AsyncConnection) else session.get_bind()).dialect
    if dialect.name == "postgresql":
        return set((await session.execute(CONFIRM_POSTGRES, {"ids": wanted, "now": now})).scalars())
    rows = await session.execute(CONFIRM_SQLITE, {"ids": wanted})
    return {r.id for r in rows if r.status == ACTIVE and r.expires_at > now}


async def read_page(
    *,
    session: AsyncSession,
    cache: Cache,
    filters: Filters,
    offset: int,
    limit: int,
    version: bytes | None = None,
    reader: AsyncConnection | None = None,
    connect: Connect | None = None,
    confirm: ConfirmKept | None = None,
) -> bytes:
    """One feed page as ready JSON bytes.

    The cached cards say which requests may be on the page; the database confirms them, by
    primary key, before they are shown: a closed or expired request, or one whose
    transaction never committed, is never served. A page served before at the same version
    is answered from its kept bytes until one of its cards expires (see the module's notes).
    ``version`` is the feed version when the caller already read it (with the rate-limit
    hit: no GET of its own then); ``reader`` a connection to confirm on instead of the session,
    or ``connect`` one to open only when the page must be built; ``confirm`` confirms a kept
    page through the driver (else it is confirmed like a built one).
    """
    now = datetime.now(UTC)
    now_us = _micros(now)
    key = (filters, offset, limit)
    if version is None and not _cache_down(cache):
        version = await cache.get(VERSION_KEY)
    kept = ready_page(cache, version, key, now_us)
    if kept is not None:
        if confirm is not None:
            if await confirm(uids=kept.uids):
                return kept.body
        else:
            confirmed = await still_active(session=reader or session, ids=kept.uids, now=now)
            if len(confirmed) == len(kept.uids):
                return kept.body
        drop_page(cache, key)
    if reader is None and connect is not None:
        async with connect() as connection:
            return await _build_page(session, cache, key, version, now, connection)
    return await _build_page(session, cache, key, version, now, reader)


async def _build_page(
    session: AsyncSession,
    cache: Cache,
    key: PageKey,
    version: bytes | None,
    now: datetime,
    reader: AsyncConnection | None,
) -> bytes:
    """A page from the cards confirmed by the database (kept when all were confirmed)."""
    filters, offset, limit = key
    now_us = _micros(now)
    entries = entries_at(cache, version)
    if entries is None:
        entries = await current_entries(session=session, cache=cache)
    if entries is not None:
        at = version_of(cache, entries)
        index = index_for(cache, entries)
        excluded: set[str] = set()
        for attempt in range(MAX_CONFIRM_ROUNDS):
            window = candidates(entries, filters, offset + limit + 1, now_us, excluded, index)
            confirmed = await still_active(
                session=reader or session, ids=[entry.uid for entry in window], now=now
            )
            gone = {entry.id for entry in window if entry.uid not in confirmed}
            if not gone:
                page = window[offset : offset + limit]
                body = render_page(page, len(window) > offset + limit, offset, limit)
                if attempt == 0:  # a card left out may be one whose commit is under way
                    until = min((entry.exp for entry in window), default=_NEVER_US)
                    uids = [entry.uid for entry in window]
                    keep_page(cache, at, key, KeptPage(body, uids, until))
                return body
            excluded |= gone
        log.info("live feed out of step with the database; reading this page from it")
    page, more = await page_from_db(
        session=session, filters=filters, offset=offset, limit=limit, now=now
    )
    return render_page(page, more, offset, limit)


async def add(*, cache: Cache, hub: Hub, row: CardRow) -> None:
    """Put a new request in the feed and announce it."""
    await cache.zadd(FEED_KEY, {member_of(row): score_of(row["created_at"])})
    await _bump_version(cache)
    await hub.publish(FEED_CHANNEL, {"type": "request.created", "data": public_card(row)})


async def remove(
    *, cache: Cache, hub: Hub, request_id: uuid.UUID, created_at: datetime, event: dict[str, Any]
) -> None:
    """Take a request out of the feed for good and publish ``event``."""
    score = score_of(created_at)
    same_time = await cache.zrangebyscore(FEED_KEY, score - 0.001, score + 0.001)
    doomed = [m for m, _ in same_time if orjson.loads(m).get("id") == str(request_id)]
    await cache.zadd(CLOSED_KEY, {str(request_id): time.time()})
    if doomed:
        await cache.zrem(FEED_KEY, *doomed)
    await _bump_version(cache)
    await hub.publish(FEED_CHANNEL, event)


async def reconcile(
    *, session: AsyncSession, cache: Cache, gone: Iterable[str] = ()
) -> tuple[int, int]:
    """Make the set match the database; return (added, removed). Run by maintenance.

    Entries the database does not know are removed once they are a minute old (younger ones
    may belong to a transaction still committing); ids in ``gone`` are removed at once.
    """
    gone = set(gone)
    now = datetime.now(UTC)
    grace_ts = now - RECONCILE_GRACE
    oldest = (now - MAX_LIFETIME).timestamp()
    pruned = await cache.zremrangebyscore(FEED_KEY, float("-inf"), oldest)
    await cache.zremrangebyscore(CLOSED_KEY, float("-inf"), oldest)
    if await cache.get(VERSION_KEY) is None:
        # Nothing trustworthy to reconcile against: start over from the database.
        return await rebuild(session=session, cache=cache), pruned
    rows = {str(r["id"]): r for r in await active_rows(session=session, now=now)}
    live = await cache.zrangebyscore(FEED_KEY, float("-inf"), float("inf"))
    closed = dict(await cache.zrangebyscore(CLOSED_KEY, float("-inf"), float("inf")))
    listed: set[str] = set()
    stale: list[str] = []
    stale_ids: list[str] = []
    for member, score in live:
        try:
            request_id = str(orjson.loads(member)["id"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            stale.append(member)
            continue
        listed.add(request_id)
        if request_id in gone or (request_id not in rows and score < grace_ts.timestamp()):
            stale.append(member)
            stale_ids.append(request_id)
    missing = {rid: row for rid, row in rows.items() if rid not in listed}
    # Closed in the set but active in the database: that close was rolled back.
    reopened = [rid for rid in rows if rid in closed and closed[rid] < grace_ts.timestamp()]
    if stale_ids:  # closing them is what other workers' copies catch up with
        await cache.zadd(CLOSED_KEY, dict.fromkeys(stale_ids, time.time()))
    if stale:
        await cache.zrem(FEED_KEY, *stale)
    if reopened:
        await cache.zrem(CLOSED_KEY, *reopened)
    if missing:
        await cache.zadd(
            FEED_KEY, {member_of(r): score_of(r["created_at"]) for r in missing.values()}
        )
    # Always a new version: rows changed by hand in SQL (which no service call announced)
    # then leave every worker's kept pages. Additions with old scores and re-opened ids are
    # beyond what a delta sees.
    await _bump_version(cache, full=bool(reopened or missing))
    return len(missing), len(stale) + pruned


async def stream(
    *, hub: Hub, filters: Filters, is_disconnected: Callable[[], Awaitable[bool]]
) -> AsyncIterator[dict[str, str]]:
    """Server-sent events of the feed (created cards that match the filters, updates, expiries)."""
    async with hub.subscribe(FEED_CHANNEL) as queue:
        yield {"event": "ready", "data": "{}"}
        while not await is_disconnected():
            try:
                event = await asyncio.wait_for(queue.get(), timeout=5.0)
            except TimeoutError:
                continue
            if event["type"] == "request.created" and not filters.matches(event["data"]):
                continue
            yield {"event": event["type"], "data": orjson.dumps(event["data"]).decode()}
