"""The near layer: per-worker copies of hot Redis keys, evicted on every worker at once."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Iterable
from typing import Any

from skillnest.core import metrics
from skillnest.core.cache.base import REDIS_DOWN_ERRORS, raise_if_cancelled
from skillnest.core.cache.redis_cache import RedisCache

log = logging.getLogger("skillnest.cache")


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
