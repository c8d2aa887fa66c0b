from __future__ import annotations

import pytest

from skillnest.core.errors import RateLimited


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
