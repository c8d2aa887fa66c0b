"""The Redis cache: misses while Redis is unreachable, missed deletions replayed after."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import redis.asyncio as aioredis

from skillnest.core import metrics
from skillnest.core.cache.base import REDIS_DOWN_ERRORS, TTL, raise_if_cancelled, tag_key

log = logging.getLogger("skillnest.cache")
T = TypeVar("T")


class RedisCache:
    """Redis-backed cache that degrades to misses while Redis is unreachable."""

    backend = "redis"
    near_backend = "redis"
    RETRY_AFTER_SECONDS = 1.0

    def __init__(self, url: str, client: aioredis.Redis | None = None) -> None:
        self.url = url
        self.client = client or aioredis.Redis.from_url(
            url, socket_connect_timeout=0.5, socket_timeout=2, health_check_interval=30
        )
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._pending_deletes: set[str] = set()
        self._pending_tags: set[str] = set()
        # A dict keeps the order prefixes were asked in (``forget_answers`` relies on it).
        self._pending_prefixes: dict[str, None] = {}
        self._replaying = False

    @property
    def deletions_pending(self) -> bool:
        """Whether deletions wait to be replayed once Redis answers again."""
        return bool(self._pending_deletes or self._pending_tags or self._pending_prefixes)

    @property
    def available(self) -> bool:
        """False while an outage is being waited out."""
        return self._down_since is None

    async def _call(self, op: Callable[[], Awaitable[T]], fallback: T) -> T:
        now = time.monotonic()
        if self._down_since is not None:
            if now < self._retry_at or self._replaying or not await self._recover(now):
                return fallback
        try:
            result = await op()
        except REDIS_DOWN_ERRORS as exc:
            raise_if_cancelled(exc)
            self._went_down(now, exc)
            return fallback
        raise_if_cancelled()
        return result

    def _went_down(self, now: float, exc: BaseException) -> None:
        if self._down_since is None:
            log.warning("redis unreachable, serving without cache: %s", exc)
            self._down_since = now
        self._retry_at = now + self.RETRY_AFTER_SECONDS

    async def _recover(self, now: float) -> bool:
        """Replay the invalidations missed in the outage; only then may Redis answer again.

        Until every missed deletion has reached Redis, its copies may be stale: no read is
        answered from it before that (other callers keep getting the outage fallback).
        """
        keys, tags = set(self._pending_deletes), set(self._pending_tags)
        prefixes = tuple(self._pending_prefixes)
        self._replaying = True
        try:
            await self.client.ping()
            if keys:
                await self.client.delete(*keys)
            for tag in tags:
                await self._delete_tagged(tag)
            if prefixes:
                await self._delete_prefixed(prefixes)
        except REDIS_DOWN_ERRORS as exc:
            raise_if_cancelled(exc)
            self._went_down(now, exc)
            return False
        finally:
            self._replaying = False
        self._pending_deletes -= keys  # deletions asked for meanwhile stay for the next try
        self._pending_tags -= tags
        for prefix in prefixes:
            self._pending_prefixes.pop(prefix, None)
        if self._pending_deletes or self._pending_tags or self._pending_prefixes:
            return await self._recover(now)
        log.warning("redis reachable again after %.1fs", now - (self._down_since or now))
        self._down_since = None
        return True

    async def _delete_prefixed(self, prefixes: tuple[str, ...]) -> None:
        if len(prefixes) == 1:  # Redis filters the keys itself: nothing else is sent back
            batch: list[bytes] = []
            match = f"{_escape_glob(prefixes[0])}*"
            async for key in self.client.scan_iter(match=match, count=500):
                batch.append(key)
                if len(batch) >= 500:
                    await self.client.delete(*batch)
                    batch = []
            if batch:
                await self.client.delete(*batch)
            return
        # Several prefixes: one SCAN of the keyspace instead of one per prefix (each SCAN
        # walks every key), then the deletions in the prefixes' order.
        wanted = tuple(prefix.encode() for prefix in prefixes)
        found: list[set[bytes]] = [set() for _ in prefixes]
        async for key in self.client.scan_iter(count=1000):
            if key.startswith(wanted):
                found[next(i for i, p in enumerate(wanted) if key.startswith(p))].add(key)
        for group in found:
            members = list(group)
            for start in range(0, len(members), 500):
                await self.client.delete(*members[start : start + 500])

    async def _delete_tagged(self, tag: str) -> None:
        members = await self.client.smembers(tag_key(tag))
        await self.client.delete(tag_key(tag), *members)

    def peek(self, key: str) -> bytes | None:
        """Nothing: every value is in Redis, a round trip away."""
        return None

    async def get(self, key: str) -> bytes | None:
        """The stored bytes, or None on a miss or outage."""

        async def op() -> bytes | None:
            value = await self.client.get(key)
            return value.encode() if isinstance(value, str) else value

        value = await self._call(op, None)
        metrics.cache_lookup("redis", value is not None)
        return value

    async def set(self, key: str, value: bytes, ttl: int, tags: Iterable[str] = ()) -> None:
        """Store bytes for ``ttl`` seconds, recording the key under each tag."""
        tags = list(tags)

        async def op() -> None:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.set(key, value, ex=int(ttl))
                for tag in tags:
                    pipe.sadd(tag_key(tag), key)
                    pipe.expire(tag_key(tag), int(TTL.SESSION))
                await pipe.execute()

        await self._call(op, None)

    async def delete(self, *keys: str) -> None:
        """Remove keys; remembered and retried if Redis is down."""
        if not keys:
            return
        sentinel = object()
        if await self._call(lambda: self.client.delete(*keys), sentinel) is sentinel:
            self._pending_deletes.update(keys)

    async def delete_prefix(self, *prefixes: str) -> None:
        """Remove every key with any of the prefixes (one SCAN, never KEYS)."""
        sentinel = object()
        if await self._call(lambda: self._delete_prefixed(prefixes), sentinel) is sentinel:
            self._pending_prefixes.update(dict.fromkeys(prefixes))

    async def invalidate_tag(self, tag: str) -> None:
        """Remove every key stored under the tag."""
        sentinel = object()
        if await self._call(lambda: self._delete_tagged(tag), sentinel) is sentinel:
            self._pending_tags.add(tag)

    async def tag_members(self, tag: str) -> list[str]:
        """The keys stored under a tag (empty while Redis is down)."""

        async def op() -> list[str]:
            return [text_of(m) for m in await self.client.smembers(tag_key(tag))]

        return await self._call(op, [])

    async def incr(self, key: str, ttl: int | None = None) -> int:
        """Atomically add one and return the value (0 while Redis is down)."""

        async def op() -> int:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                if ttl:
                    pipe.expire(key, int(ttl), nx=True)
                value, *_ = await pipe.execute()
            return int(value)

        return await self._call(op, 0)

    async def zadd(self, key: str, mapping: dict[str, float]) -> None:
        """Add members with scores to a sorted set."""
        await self._call(lambda: self.client.zadd(key, mapping), None)

    async def zrangebyscore(
        self, key: str, low: float, high: float, *, desc: bool = False, limit: int | None = None
    ) -> list[tuple[str, float]]:
        """Members within the score range, ordered by score."""

        async def op() -> list[tuple[str, float]]:
            paging: dict[str, Any] = {"start": 0, "num": limit} if limit is not None else {}
            if desc:
                rows: Any = await self.client.zrevrangebyscore(
                    key, high, low, withscores=True, **paging
                )
            else:
                rows = await self.client.zrangebyscore(key, low, high, withscores=True, **paging)
            return [(text_of(member), float(score)) for member, score in rows]

        return await self._call(op, [])

    async def zrem(self, key: str, *members: str) -> None:
        """Remove members from a sorted set."""
        if members:
            await self._call(lambda: self.client.zrem(key, *members), None)

    async def zremrangebyscore(self, key: str, low: float, high: float) -> int:
        """Remove members within the score range."""
        return int(await self._call(lambda: self.client.zremrangebyscore(key, low, high), 0))

    async def ping(self) -> bool:
        """Whether Redis answers now (also ends an outage early)."""
        self._retry_at = 0.0
        return bool(await self._call(lambda: self.client.ping(), False))

    async def close(self) -> None:
        """Release the connection pool."""
        await self.client.aclose()


def text_of(value: Any) -> str:
    """A Redis reply (bytes) as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _escape_glob(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
