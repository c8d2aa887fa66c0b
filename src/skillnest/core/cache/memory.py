"""The in-process cache of the embedded default: one process, no server."""

from __future__ import annotations

import bisect
import fnmatch
import time
from collections.abc import Iterable

from skillnest.core import metrics


class MemoryCache:
    """In-process cache with expiry, tags and sorted sets; one process, no server."""

    backend = "memory"
    near_backend = "memory"

    def __init__(self, max_entries: int = 100_000) -> None:
        self._values: dict[str, tuple[float, bytes]] = {}
        self._tags: dict[str, set[str]] = {}
        self._zsets: dict[str, dict[str, float]] = {}
        self._counters: dict[str, tuple[float, int]] = {}
        self._max_entries = max_entries

    def peek(self, key: str) -> bytes | None:
        """The stored bytes without a lookup counted (the caller counts what it uses)."""
        item = self._values.get(key)
        return item[1] if item is not None and item[0] >= time.monotonic() else None

    async def get(self, key: str) -> bytes | None:
        """The stored bytes, or None on a miss."""
        item = self._values.get(key)
        if item is None:
            metrics.cache_lookup("memory", False)
            return None
        if item[0] < time.monotonic():
            self._values.pop(key, None)
            metrics.cache_lookup("memory", False)
            return None
        metrics.cache_lookup("memory", True)
        return item[1]

    async def set(self, key: str, value: bytes, ttl: int, tags: Iterable[str] = ()) -> None:
        """Store bytes for ``ttl`` seconds."""
        if len(self._values) >= self._max_entries:
            self._evict_expired_or_oldest()
        self._values[key] = (time.monotonic() + ttl, value)
        for tag in tags:
            self._tags.setdefault(tag, set()).add(key)

    def _evict_expired_or_oldest(self) -> None:
        now = time.monotonic()
        expired = [k for k, (exp, _) in self._values.items() if exp < now]
        for key in expired or list(self._values)[: max(1, self._max_entries // 10)]:
            self._values.pop(key, None)

    async def delete(self, *keys: str) -> None:
        """Remove keys."""
        for key in keys:
            self._values.pop(key, None)
            self._zsets.pop(key, None)
            self._counters.pop(key, None)

    async def delete_prefix(self, *prefixes: str) -> None:
        """Remove every key that starts with any of ``prefixes``."""
        for store in (self._values, self._zsets, self._counters):
            for key in [k for k in store if k.startswith(prefixes)]:
                store.pop(key, None)

    async def invalidate_tag(self, tag: str) -> None:
        """Remove every key stored under ``tag``."""
        await self.delete(*self._tags.pop(tag, set()))

    async def incr(self, key: str, ttl: int | None = None) -> int:
        """Atomically add one (the event loop is single-threaded) and return the value."""
        expires, value = self._counters.get(key, (float("inf"), 0))
        if expires < time.monotonic():
            expires, value = float("inf"), 0
        if value == 0 and ttl:
            expires = time.monotonic() + ttl
        self._counters[key] = (expires, value + 1)
        return value + 1

    async def zadd(self, key: str, mapping: dict[str, float]) -> None:
        """Add members with scores to a sorted set."""
        self._zsets.setdefault(key, {}).update(mapping)

    async def zrangebyscore(
        self, key: str, low: float, high: float, *, desc: bool = False, limit: int | None = None
    ) -> list[tuple[str, float]]:
        """Members within the score range, ordered by score."""
        members = self._zsets.get(key, {})
        ordered = sorted(members.items(), key=lambda item: (item[1], item[0]), reverse=desc)
        scores = [score for _, score in ordered]
        if desc:
            picked = [m for m in ordered if low <= m[1] <= high]
        else:
            start, end = bisect.bisect_left(scores, low), bisect.bisect_right(scores, high)
            picked = ordered[start:end]
        return picked[:limit] if limit is not None else picked

    async def zrem(self, key: str, *members: str) -> None:
        """Remove members from a sorted set."""
        zset = self._zsets.get(key, {})
        for member in members:
            zset.pop(member, None)

    async def zremrangebyscore(self, key: str, low: float, high: float) -> int:
        """Remove members within the score range."""
        zset = self._zsets.get(key, {})
        doomed = [m for m, score in zset.items() if low <= score <= high]
        for member in doomed:
            del zset[member]
        return len(doomed)

    @property
    def deletions_pending(self) -> bool:
        """Never: a deletion here takes effect at once."""
        return False

    async def ping(self) -> bool:
        """Always reachable."""
        return True

    async def close(self) -> None:
        """Nothing to release."""

    def keys(self, pattern: str = "*") -> list[str]:
        """Keys matching a glob (tests and debugging)."""
        every = list(self._values) + list(self._zsets) + list(self._counters)
        return [k for k in every if fnmatch.fnmatchcase(k, pattern)]
