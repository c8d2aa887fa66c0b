"""One cache interface, two backends: Redis in production, in-process for the embedded default.

Keys follow ``{namespace}:{entity}:{id}:{field}`` (seed 003). When Redis is unreachable every
call degrades to a cache miss (logged once per outage) so the API keeps answering from the
database; deletions that could not reach Redis are replayed as soon as it answers again, so a
logout or a profile change is never undone by a stale entry surviving the outage.

The package: ``base`` (the ``Cache`` interface, keys, TTLs, JSON helpers), ``memory``,
``redis_cache`` and ``near`` (the backends), and here what picks and empties them.
"""

from __future__ import annotations

from typing import Any

from skillnest.core.cache.base import (
    REDIS_DOWN_ERRORS,
    TTL,
    Cache,
    cache_key,
    cached,
    get_json,
    raise_if_cancelled,
    set_json,
)
from skillnest.core.cache.memory import MemoryCache
from skillnest.core.cache.near import NearCache
from skillnest.core.cache.redis_cache import RedisCache

# Keys resolved on nearly every request (session tokens, the caller's profile documents, the
# version of the job search pages) and the suggest answers (asked again and again, dropped
# through their tag by every catalog write), each invalidated explicitly by the code that
# changes what they hold.
NEAR_PREFIXES = (
    "auth:session:",
    "accounts:user:",
    "careers:jobs:search:version",
    "query:popular:",
)


# Every key holding an answer derived from the database, the seeds' own key names included
# (``pkg:skills:``, ``skill:``, ``query:popular:``, ``trust_score:``, ``live_help_feed``). The
# keys outside them hold what only the cache has: OAuth states, rate-limit counters,
# read-your-writes markers. The feed's sorted sets go before its version, so that no worker
# rebuilds between the two deletions and then finds its version with an empty set.
ANSWER_PREFIXES = (
    "live_help_feed",
    "help:",
    "accounts:",
    "auth:session:",
    "careers:",
    "catalog:",
    "pkg:skills:",
    "skill:",
    "query:popular:",
    "trust_score:",
    "tag:",
)


async def forget_answers(cache: Cache) -> None:
    """Drop every cached answer, near copies included, for writes no service made.

    The admin UI's table edits and a restored backup change rows behind the services that
    know which answers depend on them; each answer is then read afresh from the database.
    """
    await cache.delete_prefix(*ANSWER_PREFIXES)


def make_cache(redis_url: str | None, hub: Any = None) -> Cache:
    """Redis (with a near layer when a hub carries evictions), otherwise the in-process cache."""
    if not redis_url:
        return MemoryCache()
    redis_cache = RedisCache(redis_url)
    return NearCache(redis_cache, hub, NEAR_PREFIXES) if hub is not None else redis_cache


__all__ = [
    "ANSWER_PREFIXES",
    "NEAR_PREFIXES",
    "REDIS_DOWN_ERRORS",
    "TTL",
    "Cache",
    "MemoryCache",
    "NearCache",
    "RedisCache",
    "cache_key",
    "cached",
    "forget_answers",
    "get_json",
    "make_cache",
    "raise_if_cancelled",
    "set_json",
]
