"""Ready response bytes of job searches, shared by every worker through Redis.

A cached page is stored under the current *jobs version*, a random token kept in the cache
(``VERSION_KEY``). Every commit that can change a search answer is followed by
``announce_jobs_changed``, which deletes the token: pages stored under it are never read
again, and the next search draws a new token. A search reads the token (or draws and stores
a new one) *before* it queries the database, so a page is only ever stored under a token
that was current before the page's rows were read; a commit is announced only after it
committed. Together: no page read before a commit is served after that commit's announcement.

The token is a near key (``core.cache.NEAR_PREFIXES``): each worker keeps a copy, dropped on
every worker over pub/sub when any process deletes it, so a repeated search costs no Redis
round trip; pages are kept per worker too (keyed by token, so they never go stale). No
search filter depends on the current time, so pages need no shorter life than ``TTL.SHORT``.

With the in-process cache (the embedded default) searches are not cached: a shell command
(``skillnest jobs import``) writes jobs from another process, whose announcement could not
reach the server's cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from skillnest.careers.jobs import dialect
from skillnest.core.aftercommit import CommitQueue
from skillnest.core.cache import TTL, Cache

log = logging.getLogger("skillnest.careers.search_cache")

VERSION_KEY = "careers:jobs:search:version"
PAGE_PREFIX = "careers:jobs:page:"
RECOMMENDATIONS_TAG = "careers:jobs"  # service.JOBS_TAG: every cached recommendation list
PAGE_TTL = int(TTL.SHORT)
NEAR_PAGES = 512  # per worker: the hot searches, a few hundred kilobytes

# Per cache object (one per platform): (token, {digest: page bytes}).
_near: weakref.WeakKeyDictionary[Any, tuple[str, dict[str, bytes]]] = weakref.WeakKeyDictionary()


def enabled(cache: Cache) -> bool:
    """Whether searches are cached: with Redis only, and not while Redis is unreachable."""
    inner = getattr(cache, "inner", cache)
    return cache.backend == "redis" and bool(getattr(inner, "available", False))


def page_digest(params: dict[str, Any]) -> str:
    """A key for a search's normalised parameters (``dialect.search_parameters``)."""
    raw = orjson.dumps(params, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


async def _current_token(cache: Cache) -> str:
    raw = await cache.get(VERSION_KEY)
    if raw is not None:
        return raw.decode()
    # Stored before the search reads anything: a deletion after this point retires it.
    token = os.urandom(8).hex()
    await cache.set(VERSION_KEY, token.encode(), int(TTL.LONG))
    return token


async def cached_search(
    cache: Cache, params: dict[str, Any], load: Callable[[], Awaitable[bytes]]
) -> bytes:
    """The page for a search's parameters: a cached copy, or ``load()`` stored for the others."""
    await _settled()
    if not enabled(cache):
        return await load()
    token = await _current_token(cache)
    digest = page_digest(params)
    near_token, pages = _near.get(cache, ("", {}))
    if near_token != token:
        pages = {}
        _near[cache] = (token, pages)
    if (body := pages.get(digest)) is not None:
        return body
    key = f"{PAGE_PREFIX}{token}:{digest}"
    body = await cache.get(key)
    if body is None:
        body = await load()
        await cache.set(key, body, PAGE_TTL)
    if len(pages) >= NEAR_PAGES:
        pages.clear()
    pages[digest] = body
    return body


def search_params(search: Any, *, postgres: bool) -> dict[str, Any]:
    """The normalised parameters of a ``service.SearchQuery`` (what its answer depends on)."""
    _, params = dialect.search_parameters(**search._asdict(), postgres=postgres)
    return params


async def announce_jobs_changed(cache: Cache) -> None:
    """After a commit that changed jobs: retire every cached search page and recommendation."""
    _near.pop(cache, None)
    await cache.delete(VERSION_KEY)
    await cache.invalidate_tag(RECOMMENDATIONS_TAG)


def _announcements(_session: Session, caches: list[Cache]) -> Iterator[Coroutine[Any, Any, None]]:
    for cache in dict.fromkeys(caches):  # each cache once, however many writes queued it
        _near.pop(cache, None)  # this worker: at once
        yield announce_jobs_changed(cache)


# Announcements queued by commits and not yet done in this process: a search waits for them,
# so a worker never answers from a page older than a commit it made itself.
_AFTER_COMMIT = CommitQueue(
    "careers.jobs_changed", _announcements, "job changes not announced", log
)


def announce_after_commit(session: AsyncSession, cache: Cache) -> None:
    """Run ``announce_jobs_changed`` once the session's transaction has committed."""
    _AFTER_COMMIT.add(session, cache)


async def _settled(timeout: float | None = None) -> None:
    """Wait for this event loop's announcements still under way (threads run loops of their own)."""
    await _AFTER_COMMIT.drain(timeout, this_loop=True)


async def drain_announcements(timeout: float = 2.0) -> None:
    """Wait for announcements still under way (before a process closes its cache)."""
    await _settled(timeout)
