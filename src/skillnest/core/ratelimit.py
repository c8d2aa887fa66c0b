"""Rate limits with the ``limits`` library, on Redis or in memory like the cache."""

from __future__ import annotations

import logging
import math
import time
from functools import lru_cache
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.exceptions import NoScriptError

from skillnest.core import metrics
from skillnest.core.cache import REDIS_DOWN_ERRORS, raise_if_cancelled
from skillnest.core.errors import RateLimited

log = logging.getLogger("skillnest.ratelimit")


@lru_cache(maxsize=64)
def _parsed(limit: str) -> RateLimitItem:
    """A limit string parsed once (the hot routes name the same few limits on every request)."""
    return parse(limit)


class RateLimiter:
    """Moving-window limits keyed by any identifiers; fails over to memory if Redis is down."""

    def __init__(self, redis_url: str | None = None) -> None:
        self.backend = "redis" if redis_url else "memory"
        primary: Storage = (
            # Timeouts like the cache's: a Redis that stops answering (rather than refusing)
            # falls back to memory within seconds instead of holding the request forever.
            RedisStorage(
                "async+" + redis_url,
                implementation="redispy",
                wrap_exceptions=False,
                socket_connect_timeout=0.5,
                socket_timeout=2,
            )
            if redis_url
            else MemoryStorage()
        )
        self._storage = primary
        self._primary = MovingWindowRateLimiter(primary)
        # Limits keep working per process during a Redis outage instead of failing open.
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        self._degraded = False

    async def _run(self, method: str, *args: object) -> object:
        limiter = self._primary
        if self.backend == "redis":
            try:
                result = await getattr(limiter, method)(*args)
                raise_if_cancelled()
                if self._degraded:
                    log.warning("rate limits back on redis")
                    self._degraded = False
                return result
            except REDIS_DOWN_ERRORS as exc:
                raise_if_cancelled(exc)
                if not self._degraded:
                    log.warning("rate limits fall back to memory: %s", exc)
                    self._degraded = True
                limiter = self._fallback
        return await getattr(limiter, method)(*args)

    async def hit(self, limit: str | RateLimitItem, *identifiers: str) -> None:
        """Count one hit; raise ``RateLimited`` (with Retry-After) when over the limit."""
        item = _parsed(limit) if isinstance(limit, str) else limit
        if not await self._run("hit", item, *identifiers):
            metrics.RATE_LIMITED.inc()
            raise RateLimited(retry_after=await self.retry_after(item, *identifiers))

    async def hit_and_get(
        self, limit: str | RateLimitItem, *identifiers: str, key: str
    ) -> tuple[bool, bytes | None]:
        """``hit``, and the plain Redis value of ``key`` read in the same round trip.

        Returns ``(True, value)`` when the value was read with the hit (``value`` None: no such
        key), ``(False, None)`` when it could not be (limits in memory, Redis unreachable): the
        caller then reads it through the cache as usual. The hit is the library's own
        moving-window script, under the library's own key, so it counts with every other hit.
        """
        item = _parsed(limit) if isinstance(limit, str) else limit
        if self.backend != "redis" or self._degraded:
            await self.hit(item, *identifiers)
            return False, None
        bridge: Any = getattr(self._storage, "bridge", None)
        try:
            async with bridge.get_connection().pipeline(transaction=False) as pipe:
                pipe.evalsha(
                    bridge.lua_acquire_moving_window.sha,
                    1,
                    bridge.prefixed_key(item.key_for(*identifiers)),
                    time.time(),
                    item.amount,
                    item.get_expiry(),
                    1,
                )
                pipe.get(key)
                acquired, value = await pipe.execute(raise_on_error=False)
        except REDIS_DOWN_ERRORS as exc:
            raise_if_cancelled(exc)
            await self.hit(item, *identifiers)  # notes the outage, counts the hit in memory
            return False, None
        raise_if_cancelled()
        if isinstance(acquired, NoScriptError):  # Redis lost its scripts: the library reloads
            await self.hit(item, *identifiers)
        elif isinstance(acquired, Exception):
            raise acquired
        elif not acquired:
            metrics.RATE_LIMITED.inc()
            raise RateLimited(retry_after=await self.retry_after(item, *identifiers))
        return True, value.encode() if isinstance(value, str) else value

    async def check(self, limit: str | RateLimitItem, *identifiers: str) -> None:
        """Raise ``RateLimited`` if the limit is already used up, without counting a hit."""
        item = parse(limit) if isinstance(limit, str) else limit
        if not await self._run("test", item, *identifiers):
            metrics.RATE_LIMITED.inc()
            raise RateLimited(retry_after=await self.retry_after(item, *identifiers))

    async def retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        """Seconds until the window lets one more hit through."""
        stats = await self._run("get_window_stats", item, *identifiers)
        reset_time = float(getattr(stats, "reset_time", time.time() + 1))
        return max(1, math.ceil(reset_time - time.time()))

    async def clear(self, limit: str | RateLimitItem, *identifiers: str) -> None:
        """Forget the hits of these identifiers (after a successful login, say)."""
        item = parse(limit) if isinstance(limit, str) else limit
        await self._run("clear", item, *identifiers)

    async def close(self) -> None:
        """Release the Redis connections of the limiter, if any."""
        client = getattr(getattr(self._storage, "bridge", None), "storage", None)
        if client is not None:
            await client.aclose()
