"""A request cancelled in the middle of a Redis call ends, and is never taken for an outage.

redis-py reports about half of such cancellations as a ``ConnectionError``; the cache, the
rate limiter and the hub must tell them from a Redis that went away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import redis as sync_redis

from skillnest.core.cache import RedisCache
from skillnest.core.ratelimit import RateLimiter
from skillnest.core.realtime import RedisHub
from tests.conftest import redis_url

ROUNDS = 60


async def cancel_in_flight(call: Callable[[], Awaitable[Any]]) -> int:
    """Cancel a loop of ``call`` at varied moments; count the loops that kept running."""
    survived = 0
    for round_ in range(ROUNDS):

        async def forever() -> None:
            while True:
                await call()
                await asyncio.sleep(0)

        task = asyncio.create_task(forever())
        await asyncio.sleep(0.001 * (round_ % 5))
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=1)
        if not done:
            survived += 1
            task.cancel()
            await asyncio.wait({task}, timeout=1)
    return survived


async def test_a_cancelled_cache_read_ends_and_is_no_outage():
    sync_redis.Redis.from_url(redis_url()).flushdb()
    cache = RedisCache(redis_url())
    try:
        await cache.set("accounts:user:1:me", b"{}", 60)
        assert await cancel_in_flight(lambda: cache.get("accounts:user:1:me")) == 0
        assert cache.available
        assert await cache.get("accounts:user:1:me") == b"{}"
    finally:
        await cache.close()


async def test_a_cancelled_rate_limit_hit_ends_and_stays_on_redis():
    sync_redis.Redis.from_url(redis_url()).flushdb()
    limiter = RateLimiter(redis_url())
    try:
        survived = await cancel_in_flight(lambda: limiter.hit("100000/minute", "cancel-probe"))
        assert survived == 0
        assert not limiter._degraded  # still counting on Redis, shared by every worker
    finally:
        await limiter.close()


async def test_a_cancelled_publish_ends():
    hub = RedisHub(redis_url())
    try:
        assert await cancel_in_flight(lambda: hub.publish("cancel-probe", {"n": 1})) == 0
    finally:
        await hub.close()
