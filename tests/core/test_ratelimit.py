from __future__ import annotations

import pytest

from skillnest.core.errors import RateLimited
from skillnest.core.ratelimit import RateLimiter


async def test_limit_raises_with_retry_after(limiter, cache):
    for _ in range(3):
        await limiter.hit("3/hour", "test-limit", "alice")
    with pytest.raises(RateLimited) as caught:
        await limiter.hit("3/hour", "test-limit", "alice")
    assert 0 < caught.value.retry_after <= 3600
    # Someone else is not affected.
    await limiter.hit("3/hour", "test-limit", "bob")


async def test_clear_forgets_hits(limiter, cache):
    for _ in range(2):
        await limiter.hit("2/minute", "test-clear", "carol")
    await limiter.clear("2/minute", "test-clear", "carol")
    await limiter.hit("2/minute", "test-clear", "carol")


async def test_hit_and_get_counts_like_hit_and_reads_in_the_same_round_trip(limiter, cache):
    await cache.set("test:pipelined", b"v1", 60)
    got = await limiter.hit_and_get("2/minute", "test-pipe", "dan", key="test:pipelined")
    # On Redis the value comes with the hit; in memory the caller asks the cache itself.
    assert got == ((True, b"v1") if limiter.backend == "redis" else (False, None))
    await limiter.hit("2/minute", "test-pipe", "dan")  # the same window as the first hit
    with pytest.raises(RateLimited) as caught:
        await limiter.hit_and_get("2/minute", "test-pipe", "dan", key="test:pipelined")
    assert 0 < caught.value.retry_after <= 60
    assert await limiter.hit_and_get("2/minute", "test-pipe", "eve", key="test:absent") == (
        (True, None) if limiter.backend == "redis" else (False, None)
    )


async def test_hit_and_get_counts_in_memory_while_redis_is_unreachable():
    limiter = RateLimiter("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        assert await limiter.hit_and_get("1/minute", "test-down", "fay", key="k") == (False, None)
        with pytest.raises(RateLimited):
            await limiter.hit_and_get("1/minute", "test-down", "fay", key="k")
    finally:
        await limiter.close()
