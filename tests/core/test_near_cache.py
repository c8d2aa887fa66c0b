"""The near layer in front of Redis: two workers, one Redis, evictions over pub/sub."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis as sync_redis

from skillnest.core.cache import NEAR_PREFIXES, NearCache, RedisCache
from skillnest.core.realtime import RedisHub
from tests.conftest import redis_url

KEY = "auth:session:digest-1"


async def poll(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    """Wait until the async condition holds (pub/sub delivery takes a moment)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await condition():
            return True
        await asyncio.sleep(0.01)
    return False


@pytest.fixture
async def workers() -> AsyncIterator[tuple[NearCache, NearCache]]:
    """Two workers' caches sharing one Redis database, each with its own hub."""
    url = redis_url()
    sync_redis.Redis.from_url(url).flushdb()
    hubs = [RedisHub(url), RedisHub(url)]
    caches = [NearCache(RedisCache(url), hub, NEAR_PREFIXES) for hub in hubs]
    # Each worker listens before the test starts, as a serving worker would after a request.
    for cache in caches:
        await cache.get("auth:session:warm-up")
    assert await poll(lambda: _listening(caches))
    yield caches[0], caches[1]
    for cache in caches:
        await cache.close()
    for hub in hubs:
        await hub.close()


async def _listening(caches: list[NearCache]) -> bool:
    return all(c._listening for c in caches)


async def test_repeat_reads_are_served_without_redis(workers):
    a, _ = workers
    await a.set(KEY, b"alice", 60)
    await sync_redis_delete(KEY)  # Redis loses the key behind the worker's back...
    assert await a.get(KEY) == b"alice"  # ...the near copy still answers: no round trip


async def sync_redis_delete(key: str) -> None:
    """Delete a key directly in Redis, bypassing every worker's near layer."""
    sync_redis.Redis.from_url(redis_url()).delete(key)


async def test_near_copies_are_bounded_expired_ones_going_first(workers, monkeypatch):
    a, _ = workers
    monkeypatch.setattr(NearCache, "MAX_BYTES", 450)  # four copies of 100 bytes fit
    monkeypatch.setattr(NearCache, "MAX_VALUE_BYTES", 100)
    await a.set("auth:session:old", b"x" * 100, 60)
    await a.set("auth:session:short", b"x" * 100, 1)
    for name in ("new", "newer"):
        await a.set(f"auth:session:{name}", b"x" * 100, 60)
    await asyncio.sleep(1.05)  # "short" has expired (near copies live at most the key's TTL)
    await a.set("auth:session:newest", b"x" * 100, 60)
    # Full: the expired copy went, which left room; the older "old" stays.
    assert list(a._near) == [f"auth:session:{n}" for n in ("old", "new", "newer", "newest")]
    await a.set("auth:session:fifth", b"x" * 100, 60)
    # Full, none expired: the oldest went, down to nine tenths of the bound.
    assert list(a._near) == [f"auth:session:{n}" for n in ("new", "newer", "newest", "fifth")]
    assert a._bytes == 400
    await a.set("auth:session:large", b"x" * 101, 60)  # a value over MAX_VALUE_BYTES: not kept
    assert "auth:session:large" not in a._near
    await sync_redis_delete("auth:session:old")
    assert await a.get("auth:session:old") is None  # no copy left to answer from
    assert await a.get("auth:session:fifth") == b"x" * 100


async def test_delete_on_one_worker_evicts_on_the_other(workers):
    a, b = workers
    await a.set(KEY, b"alice", 60)
    assert await b.get(KEY) == b"alice"  # b now holds a near copy
    await a.delete(KEY)  # e.g. a logout handled by worker a

    async def gone() -> bool:
        return await b.get(KEY) is None

    assert await poll(gone)


async def test_tag_and_prefix_invalidation_reach_every_worker(workers):
    a, b = workers
    await a.set("accounts:user:7:me", b"{}", 60, tags=["user:7"])
    await a.set("accounts:user:8:me", b"{}", 60, tags=["user:8"])
    assert await b.get("accounts:user:7:me") == b"{}"
    assert await b.get("accounts:user:8:me") == b"{}"
    await a.invalidate_tag("user:7")

    async def seven_gone() -> bool:
        return await b.get("accounts:user:7:me") is None

    assert await poll(seven_gone)
    assert await b.get("accounts:user:8:me") == b"{}"
    await a.set("auth:session:abc", b"{}", 60)
    assert await b.get("auth:session:abc") == b"{}"
    await a.delete_prefix("accounts:user:", "auth:session:")

    async def eight_and_session_gone() -> bool:
        return await b.get("accounts:user:8:me") is None and await b.get("auth:session:abc") is None

    assert await poll(eight_and_session_gone)


async def test_other_keys_are_never_kept_near(workers):
    a, _ = workers
    await a.set("catalog:suggest:x", b"1", 60)
    await sync_redis_delete("catalog:suggest:x")
    assert await a.get("catalog:suggest:x") is None


async def test_peek_answers_only_fresh_near_copies_and_follows_evictions(workers):
    a, b = workers
    assert a.peek(KEY) is None  # nothing near yet: the caller goes the full way
    await a.set(KEY, b"alice", 60)
    assert a.peek(KEY) == b"alice"
    await b.delete(KEY)  # a revoked session on the other worker...
    assert await poll(lambda: _peek_gone(a))  # ...is no longer answered from memory here


async def _peek_gone(cache: NearCache) -> bool:
    return cache.peek(KEY) is None


Run = Callable[[Awaitable[Any]], Awaitable[Any]]


@pytest.fixture
async def worker_elsewhere() -> AsyncIterator[tuple[NearCache, Run, asyncio.AbstractEventLoop]]:
    """A third worker with its own event loop in its own thread, as another process would be."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coro: Awaitable[Any]) -> Awaitable[Any]:
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))  # type: ignore[arg-type]

    hub = RedisHub(redis_url())
    cache = NearCache(RedisCache(redis_url()), hub, NEAR_PREFIXES)
    await run(cache.get("auth:session:warm-up"))
    assert await poll(lambda: _listening([cache]))
    yield cache, run, loop
    await run(cache.close())
    await run(hub.close())
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


async def test_a_delete_returns_only_once_every_worker_has_dropped_its_copy(
    workers, worker_elsewhere
):
    a, _ = workers
    elsewhere, run, loop = worker_elsewhere
    await a.set(KEY, b"alice", 60)
    assert await run(elsewhere.get(KEY)) == b"alice"
    assert elsewhere.peek(KEY) == b"alice"

    # The other worker is busy with a long request when the session is revoked here...
    busy = threading.Event()
    loop.call_soon_threadsafe(lambda: (busy.set(), time.sleep(0.3)))
    assert busy.wait(5)
    await a.delete(KEY)
    # ...yet once the revocation returns, its next request can no longer be answered from
    # the old copy: the delete waited for that worker to drop it.
    assert elsewhere.peek(KEY) is None


async def test_the_one_prefix_event_of_the_release_before_still_evicts(workers):
    # A worker not yet upgraded announces {"prefix": ...}; an upgraded one must still obey.
    a, b = workers
    await a.set("accounts:user:9:me", b"{}", 60)
    assert await b.get("accounts:user:9:me") == b"{}"
    await sync_redis_delete("accounts:user:9:me")
    await a.hub.publish(NearCache.CHANNEL, {"prefix": "accounts:user:"})

    async def nine_gone() -> bool:
        return await b.get("accounts:user:9:me") is None

    assert await poll(nine_gone)
