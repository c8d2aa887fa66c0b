"""One cache interface, two backends: Redis in production, in-process for the embedded default.

Keys follow ``{namespace}:{entity}:{id}:{field}`` (seed 003). When Redis is unreachable every
call degrades to a cache miss (logged once per outage) so the API keeps answering from the
database; deletions that could not reach Redis are replayed as soon as it answers again, so a
logout or a profile change is never undone by a stale entry surviving the outage.
"""

from __future__ import annotations

import asyncio
import bisect
import fnmatch
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from enum import IntEnum
from typing import Any, Protocol, TypeVar

import orjson
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from skillnest.core import metrics

log = logging.getLogger("skillnest.cache")
T = TypeVar("T")

REDIS_DOWN_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)


def raise_if_cancelled(cause: BaseException | None = None) -> None:
    """Raise the cancellation that a Redis call swallowed, if the running task was cancelled.

    Cancelled inside a command, redis-py often does not raise CancelledError: it reports a
    ``ConnectionError``, or retries the command and returns its answer (a probe cancelling
    200 loops of reads saw 123 run on, and 4 taken for an outage). A cancelled request
    would then go on running and could put the whole worker's cache into outage mode. Call
    it after every Redis call and first in every handler of ``REDIS_DOWN_ERRORS``.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from cause


class TTL(IntEnum):
    """The TTL tiers of seed 003, in seconds."""

    SHORT = 5 * 60
    MEDIUM = 60 * 60
    LONG = 24 * 60 * 60
    SESSION = 7 * 24 * 60 * 60


def cache_key(namespace: str, entity: str, id_: object, field: str | None = None) -> str:
    """Build a key in the ``{namespace}:{entity}:{id}:{field}`` convention."""
    parts = [namespace, entity, str(id_)]
    if field:
        parts.append(field)
    return ":".join(parts)


def _tag_key(tag: str) -> str:
    return f"tag:{tag}"


class Cache(Protocol):
    """What every cache backend offers."""

    backend: str
    near_backend: str  # the backend label of a hit ``peek`` finds

    def peek(self, key: str) -> bytes | None:
        """A copy held in this process, with no await and no lookup counted, or None."""

    async def get(self, key: str) -> bytes | None:
        """The stored bytes, or None on a miss."""

    async def set(self, key: str, value: bytes, ttl: int, tags: Iterable[str] = ()) -> None:
        """Store bytes for ``ttl`` seconds, optionally under tags for group invalidation."""

    async def delete(self, *keys: str) -> None:
        """Remove keys."""

    async def delete_prefix(self, *prefixes: str) -> None:
        """Remove every key that starts with any of ``prefixes``, in their order."""

    async def invalidate_tag(self, tag: str) -> None:
        """Remove every key stored under ``tag``."""

    async def incr(self, key: str, ttl: int | None = None) -> int:
        """Atomically add one and return the new value."""

    async def zadd(self, key: str, mapping: dict[str, float]) -> None:
        """Add members with scores to a sorted set."""

    async def zrangebyscore(
        self, key: str, low: float, high: float, *, desc: bool = False, limit: int | None = None
    ) -> list[tuple[str, float]]:
        """Members with ``low <= score <= high`` in score order (highest first if desc)."""

    async def zrem(self, key: str, *members: str) -> None:
        """Remove members from a sorted set."""

    async def zremrangebyscore(self, key: str, low: float, high: float) -> int:
        """Remove members whose score is within the range; return how many."""

    async def ping(self) -> bool:
        """Whether the backend answers now."""

    @property
    def deletions_pending(self) -> bool:
        """Whether deletions asked for wait for an outage to end (the old copies remain)."""

    async def close(self) -> None:
        """Release connections."""


async def get_json(cache: Cache, key: str) -> Any | None:
    """Read a JSON value, or None on a miss."""
    raw = await cache.get(key)
    return None if raw is None else orjson.loads(raw)


async def set_json(cache: Cache, key: str, value: Any, ttl: int, tags: Iterable[str] = ()) -> bytes:
    """Store a JSON value and return the serialised bytes (ready to send as a response)."""
    raw = orjson.dumps(value, option=orjson.OPT_UTC_Z)
    await cache.set(key, raw, ttl, tags)
    return raw


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
        members = await self.client.smembers(_tag_key(tag))
        await self.client.delete(_tag_key(tag), *members)

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
                    pipe.sadd(_tag_key(tag), key)
                    pipe.expire(_tag_key(tag), int(TTL.SESSION))
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
            return [_text(m) for m in await self.client.smembers(_tag_key(tag))]

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
            return [(_text(member), float(score)) for member, score in rows]

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


class NearCache:
    """A per-process layer in front of Redis for small, hot, exactly-invalidated keys.

    Resolving a session token or the caller's own profile costs a Redis round trip per
    request; a near copy removes it on repeat requests. Copies live at most ``ttl`` seconds
    and are dropped on every worker as soon as any worker deletes, tags-invalidates or
    prefix-deletes them: evictions travel over the shared pub/sub hub. A copy is kept only
    while that subscription is confirmed, and never while Redis is unreachable, so a revoked
    token stops working everywhere within a pub/sub delivery, not after a TTL.

    An eviction is acknowledged: every worker that heard it pushes to a reply list once its
    copies are gone, and the deleting call returns only when all of them have (or after
    ``ACK_SECONDS``). So when a logout, a revocation from the shell or a profile change
    returns, no worker answers from the old copy, even to a request sent the same instant.
    """

    ACK_SECONDS = 1.0
    # Bytes of copies kept at most: past it, expired copies go first, then the oldest ones.
    # Without a bound every token a worker ever resolved would stay (an expired copy is only
    # replaced when its key is read again), and every suggest answer it ever stored.
    MAX_BYTES = 32 * 1024 * 1024
    MAX_VALUE_BYTES = 256 * 1024  # a larger value would push out many small, hot ones

    CHANNEL = "cache.evict"
    near_backend = "near"

    def __init__(
        self, inner: RedisCache, hub: Any, prefixes: Iterable[str], ttl: float = 10.0
    ) -> None:
        self.inner = inner
        self.backend = inner.backend
        self.hub = hub
        self.prefixes = tuple(prefixes)
        self.ttl = ttl
        self._near: dict[str, tuple[float, bytes, tuple[str, ...]]] = {}
        self._bytes = 0  # the lengths of the values in ``_near``
        self._generation = 0
        self._listening = False
        self._listener: Any = None
        self._acks: set[asyncio.Task[None]] = set()

    @property
    def deletions_pending(self) -> bool:
        """Whether the inner cache still owes Redis deletions from an outage."""
        return self.inner.deletions_pending

    @property
    def client(self) -> Any:
        """The Redis client of the inner cache."""
        return self.inner.client

    @property
    def url(self) -> str:
        """The Redis URL of the inner cache."""
        return self.inner.url

    def _is_near(self, key: str) -> bool:
        return key.startswith(self.prefixes)

    def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        try:
            async with self.hub.subscribe(self.CHANNEL) as queue:
                self._listening = True
                while True:
                    event = await queue.get()
                    self._apply(event)
                    if ack := event.get("ack"):
                        # In a task of its own: the listener awaits nothing but its queue, so
                        # cancelling it (close) never lands inside a Redis call.
                        task = asyncio.get_running_loop().create_task(self._acknowledge(ack))
                        self._acks.add(task)
                        task.add_done_callback(self._acks.discard)
        finally:
            self._listening = False
            self._drop_all()

    def _drop_all(self) -> None:
        self._generation += 1
        self._near.clear()
        self._bytes = 0

    def _apply(self, event: dict[str, Any]) -> None:
        """Drop near copies named by an eviction event from any worker."""
        self._generation += 1
        for key in event.get("keys", ()):
            self._forget(key)
        if tag := event.get("tag"):
            for key in [k for k, (_, _, tags) in self._near.items() if tag in tags]:
                self._forget(key)
        # "prefix" is how workers of the release before announced one prefix; heard in a
        # rolling upgrade, it still evicts.
        prefixes = tuple(event.get("prefixes", ())) + tuple(filter(None, [event.get("prefix")]))
        if prefixes:
            for key in [k for k in self._near if k.startswith(prefixes)]:
                self._forget(key)

    def _forget(self, key: str) -> None:
        item = self._near.pop(key, None)
        if item is not None:
            self._bytes -= len(item[1])

    async def _acknowledge(self, ack: str) -> None:
        """Tell the deleting worker this one has dropped its copies."""
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.rpush(ack, 1)
                pipe.expire(ack, 10)
                await pipe.execute()
        except REDIS_DOWN_ERRORS as exc:
            raise_if_cancelled(exc)  # the deleting worker waits out ACK_SECONDS instead

    async def _announce(self, event: dict[str, Any]) -> None:
        self._apply(event)
        ack = f"cache.evict.ack:{secrets.token_hex(8)}"
        heard_by = await self.hub.publish(self.CHANNEL, {**event, "ack": ack})
        await self._await_acks(ack, heard_by)

    async def _await_acks(self, ack: str, expected: int) -> None:
        """Wait (bounded) until every worker that heard an eviction has acknowledged it."""
        deadline = time.monotonic() + self.ACK_SECONDS
        heard = 0
        try:
            async with asyncio.timeout(self.ACK_SECONDS + 0.5):  # whatever Redis does
                # A BLPOP timeout of 0 means "block forever": never ask for less than 10 ms.
                while heard < expected and (left := deadline - time.monotonic()) >= 0.01:
                    reply = await self.client.blpop([ack], timeout=round(left, 3))
                    raise_if_cancelled()
                    if reply is None:
                        break
                    heard += 1
        except (TimeoutError, *REDIS_DOWN_ERRORS) as exc:
            raise_if_cancelled(exc)
            log.warning("cache eviction acknowledgements lost: %r", exc)
            return
        if heard < expected:
            log.warning("cache eviction: %d of %d workers acknowledged in time", heard, expected)

    def peek(self, key: str) -> bytes | None:
        """A fresh near copy, without a round trip or a lookup counted, or None.

        For a request path that answers only when every key it needs is near; the caller
        counts the hits it uses (``metrics.cache_lookup(near_backend, True)``).
        """
        self._ensure_listener()
        item = self._near.get(key)
        if item is not None and item[0] > time.monotonic() and self.inner.available:
            return item[1]
        return None

    async def get(self, key: str) -> bytes | None:
        """A near copy when fresh, else the Redis value (kept near when the key qualifies)."""
        if not self._is_near(key):
            return await self.inner.get(key)
        self._ensure_listener()
        item = self._near.get(key)
        if item is not None and item[0] > time.monotonic() and self.inner.available:
            metrics.cache_lookup("near", True)
            return item[1]
        generation = self._generation
        value = await self.inner.get(key)
        if (
            value is not None
            and self._listening
            and self.inner.available
            and generation == self._generation  # no eviction raced the read
        ):
            self._keep(key, self.ttl, value, ())
        return value

    def _keep(self, key: str, ttl: float, value: bytes, tags: tuple[str, ...]) -> None:
        """Keep a near copy, within ``MAX_BYTES``."""
        now = time.monotonic()
        self._forget(key)  # a renewed copy moves to the end: the newest
        if len(value) > self.MAX_VALUE_BYTES:
            return
        if self._bytes + len(value) > self.MAX_BYTES:
            for stale in [k for k, (expires, _, _) in self._near.items() if expires <= now]:
                self._forget(stale)
            # Down to nine tenths, so the walk above runs once per tenth of the bound at most.
            while self._near and self._bytes + len(value) > self.MAX_BYTES * 0.9:
                self._forget(next(iter(self._near)))  # the oldest: dicts keep insertion order
        self._near[key] = (now + ttl, value, tags)
        self._bytes += len(value)

    async def set(self, key: str, value: bytes, ttl: int, tags: Iterable[str] = ()) -> None:
        """Store in Redis; a near copy too when the key qualifies."""
        tags = tuple(tags)
        generation = self._generation
        await self.inner.set(key, value, ttl, tags)
        if self._is_near(key) and self._listening and generation == self._generation:
            self._keep(key, min(self.ttl, ttl), value, tags)

    async def delete(self, *keys: str) -> None:
        """Delete in Redis and evict the near copies on every worker."""
        await self.inner.delete(*keys)
        if any(self._is_near(k) for k in keys):
            await self._announce({"keys": [k for k in keys if self._is_near(k)]})

    async def delete_prefix(self, *prefixes: str) -> None:
        """Delete by prefixes in Redis and on every worker (one eviction event for all)."""
        await self.inner.delete_prefix(*prefixes)
        await self._announce({"prefixes": list(prefixes)})

    async def invalidate_tag(self, tag: str) -> None:
        """Invalidate a tag in Redis and on every worker.

        Other workers may hold copies they read without knowing the tag, so the event
        names the tag's keys too.
        """
        members = await self.inner.tag_members(tag)
        await self.inner.invalidate_tag(tag)
        await self._announce({"tag": tag, "keys": [k for k in members if self._is_near(k)]})

    async def incr(self, key: str, ttl: int | None = None) -> int:
        """Counters always go to Redis."""
        return await self.inner.incr(key, ttl)

    async def zadd(self, key: str, mapping: dict[str, float]) -> None:
        """Sorted sets always go to Redis."""
        await self.inner.zadd(key, mapping)

    async def zrangebyscore(
        self, key: str, low: float, high: float, *, desc: bool = False, limit: int | None = None
    ) -> list[tuple[str, float]]:
        """Sorted sets always go to Redis."""
        return await self.inner.zrangebyscore(key, low, high, desc=desc, limit=limit)

    async def zrem(self, key: str, *members: str) -> None:
        """Sorted sets always go to Redis."""
        await self.inner.zrem(key, *members)

    async def zremrangebyscore(self, key: str, low: float, high: float) -> int:
        """Sorted sets always go to Redis."""
        return await self.inner.zremrangebyscore(key, low, high)

    async def ping(self) -> bool:
        """Whether Redis answers now."""
        return await self.inner.ping()

    async def close(self) -> None:
        """Stop listening and close the inner cache."""
        tasks = {self._listener, *self._acks} - {None}
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2)
        self._drop_all()
        await self.inner.close()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _escape_glob(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


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


async def cached(
    cache: Cache,
    key: str,
    ttl: int,
    load: Callable[[], Awaitable[Any]],
    tags: Iterable[str] = (),
) -> bytes:
    """Return cached JSON bytes for ``key`` or compute, store and return them."""
    raw = await cache.get(key)
    if raw is not None:
        return raw
    return await set_json(cache, key, await load(), ttl, tags)


__all__ = [
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
