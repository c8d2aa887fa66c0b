"""Cache keys of accounts' documents and their invalidation (now and after the commit)."""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Iterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from skillnest.core.aftercommit import CommitQueue
from skillnest.core.cache import Cache, cache_key

log = logging.getLogger("skillnest.accounts")


def session_cache_key(digest: str) -> str:
    """Cache key of a resolved session token."""
    return cache_key("auth", "session", digest)


def me_cache_key(user_id: int) -> str:
    """Cache key of a user's own profile document."""
    return cache_key("accounts", "user", user_id, "me")


def public_cache_key(user_id: int) -> str:
    """Cache key of a user's public profile document."""
    return cache_key("accounts", "user", user_id, "public")


def user_tag(user_id: int) -> str:
    """Cache tag grouping everything derived from one user's profile."""
    return f"user:{user_id}"


def college_cache_key(user_id: int) -> str:
    """Cache key of a user's verified college (empty value: none)."""
    return cache_key("accounts", "user", user_id, "college")


def _user_keys(user_id: int) -> tuple[str, ...]:
    return (me_cache_key(user_id), public_cache_key(user_id), college_cache_key(user_id))


def _forget_committed(
    _session: Session, items: list[tuple[Cache, int]]
) -> Iterator[Coroutine[Any, Any, None]]:
    for cache, user_id in dict.fromkeys(items):  # each user once, however many changes queued
        yield cache.delete(*_user_keys(user_id))


# The second deletion of invalidate_user, once the change has committed.
_FORGET_AFTER_COMMIT = CommitQueue(
    "accounts.user_changed", _forget_committed, "cached profile not dropped after commit", log
)


async def invalidate_user(*, session: AsyncSession, cache: Cache, user_id: int) -> None:
    """Drop every cached document derived from a user's profile, now and after the commit.

    Now, so the caller's next request reads its own change. Again once the session's
    transaction commits: a read by another request between this deletion and the commit
    sees the old row and may store the old document again, which the second deletion drops
    (a rollback drops only the queued deletion; the first one cost a cache miss).
    """
    await cache.delete(*_user_keys(user_id))
    _FORGET_AFTER_COMMIT.add(session, (cache, user_id))
