from __future__ import annotations

import asyncio

from skillnest.core.cache import TTL, MemoryCache, cache_key, cached, get_json, set_json


def test_ttl_tiers_match_seed_003():
    assert (TTL.SHORT, TTL.MEDIUM, TTL.LONG, TTL.SESSION) == (300, 3600, 86400, 604800)


def test_cache_key_convention():
    assert cache_key("accounts", "user", 42, "me") == "accounts:user:42:me"
    assert cache_key("catalog", "skill", "react") == "catalog:skill:react"


async def test_get_set_delete(cache):
    assert await cache.get("t:a:1") is None
    await cache.set("t:a:1", b"one", TTL.SHORT)
    assert await cache.get("t:a:1") == b"one"
    await cache.delete("t:a:1")
    assert await cache.get("t:a:1") is None


async def test_expiry(cache):
    await cache.set("t:exp:1", b"x", 1)
    assert await cache.get("t:exp:1") == b"x"
    await asyncio.sleep(1.1)
    assert await cache.get("t:exp:1") is None


async def test_invalidate_by_prefix_and_tag(cache):
    await set_json(cache, "t:user:1:me", {"a": 1}, TTL.SHORT, tags=["user:1"])
    await set_json(cache, "t:user:1:public", {"a": 2}, TTL.SHORT, tags=["user:1"])
    await set_json(cache, "t:user:2:me", {"a": 3}, TTL.SHORT, tags=["user:2"])
    await cache.invalidate_tag("user:1")
    assert await get_json(cache, "t:user:1:me") is None
    assert await get_json(cache, "t:user:1:public") is None
    assert await get_json(cache, "t:user:2:me") == {"a": 3}
    await cache.delete_prefix("t:user:")
    assert await get_json(cache, "t:user:2:me") is None


async def test_one_call_deletes_the_keys_of_several_prefixes(cache):
    for key in ("t:user:1:me", "t:skill:react", "t:skill:vue", "t:keep:1", "t:use:r"):
        await cache.set(key, b"x", TTL.SHORT)
    await cache.delete_prefix("t:user:", "t:skill:")
    assert [await cache.get(k) for k in ("t:user:1:me", "t:skill:react", "t:skill:vue")] == [
        None,
        None,
        None,
    ]
    assert await cache.get("t:keep:1") == b"x"
    assert await cache.get("t:use:r") == b"x"  # a prefix is not a pattern: "t:use" != "t:user:"


async def test_cached_computes_once(cache):
    calls = []

    async def load():
        calls.append(1)
        return {"value": len(calls)}

    first = await cached(cache, "t:calc:1", TTL.SHORT, load)
    second = await cached(cache, "t:calc:1", TTL.SHORT, load)
    assert first == second == b'{"value":1}'
    assert len(calls) == 1


async def test_sorted_sets(cache):
    await cache.zadd("t:feed", {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0})
    assert [m for m, _ in await cache.zrangebyscore("t:feed", 2, 3)] == ["b", "c"]
    assert [m for m, _ in await cache.zrangebyscore("t:feed", 0, 10, desc=True, limit=2)] == [
        "d",
        "c",
    ]
    assert await cache.zremrangebyscore("t:feed", 0, 1.5) == 1
    await cache.zrem("t:feed", "c")
    assert [m for m, _ in await cache.zrangebyscore("t:feed", 0, 10)] == ["b", "d"]


async def test_incr_counts(cache):
    assert await cache.incr("t:count", ttl=60) == 1
    assert await cache.incr("t:count", ttl=60) == 2


async def test_memory_cache_evicts_when_full():
    cache = MemoryCache(max_entries=10)
    for i in range(25):
        await cache.set(f"k{i}", b"v", 60)
    assert len(cache.keys("k*")) <= 10
    assert await cache.get("k24") == b"v"
