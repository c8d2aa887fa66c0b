"""The live feed: filters, order, expiry, closing, rebuilds after Redis loses its data."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import redis as sync_redis
from sqlalchemy import update

from skillnest.core.cache import MemoryCache, RedisCache
from skillnest.help import feed
from skillnest.help.models import HelpSession
from skillnest.help.service import run_maintenance
from tests.help.conftest import ask, feed_ids, insert_request


async def test_order_is_urgency_then_newest(client, session, cache, hub, person):
    reader = await person()
    now = datetime.now(UTC)
    old_urgent = await insert_request(
        session, cache, hub, urgency_level=5, created_at=now - timedelta(hours=2)
    )
    new_urgent = await insert_request(
        session, cache, hub, urgency_level=5, created_at=now - timedelta(minutes=1)
    )
    calm = await insert_request(session, cache, hub, urgency_level=1, created_at=now)
    middle = await insert_request(
        session, cache, hub, urgency_level=3, created_at=now - timedelta(hours=5)
    )
    expected = [str(r["id"]) for r in (new_urgent, old_urgent, middle, calm)]
    assert await feed_ids(client, reader) == expected


async def test_filters(client, session, cache, hub, people):
    reader = await people(email="reader@cs.a.edu")
    py = await insert_request(session, cache, hub, skill_tags=["python", "sql"], urgency_level=2)
    rust = await insert_request(
        session, cache, hub, skill_tags=["rust"], urgency_level=4, college_domain="a.edu"
    )
    calc = await insert_request(
        session, cache, hub, skill_tags=["calculus"], urgency_level=5, college_domain="b.edu"
    )
    ids = {name: str(r["id"]) for name, r in (("py", py), ("rust", rust), ("calc", calc))}
    assert await feed_ids(client, reader, skills="Python") == [ids["py"]]
    # Any of several skills, comma-separated or repeated, case-insensitive.
    assert await feed_ids(client, reader, skills="RUST,python") == [ids["rust"], ids["py"]]
    assert await feed_ids(client, reader, skills=["rust", "calculus"]) == [ids["calc"], ids["rust"]]
    assert await feed_ids(client, reader, min_urgency=4) == [ids["calc"], ids["rust"]]
    assert await feed_ids(client, reader, college_domain="A.edu") == [ids["rust"]]
    assert await feed_ids(client, reader, min_urgency=5, skills="rust") == []
    bad = await client.get(
        "/api/v1/help/feed", params={"college_domain": "no spaces allowed"}, headers=reader.headers
    )
    assert bad.status_code == 422
    assert (
        await client.get("/api/v1/help/feed", params={"min_urgency": 6}, headers=reader.headers)
    ).status_code == 422


async def test_pagination(client, session, cache, hub, person):
    reader = await person()
    now = datetime.now(UTC)
    rows = [
        await insert_request(session, cache, hub, created_at=now - timedelta(minutes=i))
        for i in range(5)
    ]
    first = await client.get("/api/v1/help/feed", params={"limit": 2}, headers=reader.headers)
    assert first.json()["next_offset"] == 2
    second = await client.get(
        "/api/v1/help/feed", params={"limit": 2, "offset": 4}, headers=reader.headers
    )
    assert second.json()["next_offset"] is None
    assert [i["id"] for i in second.json()["items"]] == [str(rows[4]["id"])]


async def test_expired_request_is_absent_before_any_cleanup(client, session, cache, hub, person):
    reader = await person()
    now = datetime.now(UTC)
    expired = await insert_request(
        session, cache, hub, created_at=now - timedelta(hours=2), hours=1
    )
    live = await insert_request(session, cache, hub, created_at=now - timedelta(hours=2), hours=3)
    # The expired card is still in the sorted set: nothing has cleaned up yet.
    members = await cache.zrangebyscore(feed.FEED_KEY, 0, float("inf"))
    assert str(expired["id"]) in {orjson.loads(m)["id"] for m, _ in members}
    assert await feed_ids(client, reader) == [str(live["id"])]
    # And the request itself reads as Expired.
    got = await client.get(f"/api/v1/help/requests/{expired['id']}", headers=reader.headers)
    assert got.status_code == 404  # expired and not the reader's: gone


async def test_cancelled_request_leaves_the_feed(client, person):
    owner, reader = await person(), await person()
    kept = await ask(client, owner)
    cancelled = await ask(client, owner)
    assert set(await feed_ids(client, reader)) == {kept["id"], cancelled["id"]}
    response = await client.patch(
        f"/api/v1/help/requests/{cancelled['id']}/status",
        json={"status": "Cancelled"},
        headers=owner.headers,
    )
    assert response.status_code == 200
    assert await feed_ids(client, reader) == [kept["id"]]


def flush(cache, settings) -> None:
    """Lose everything the cache holds, as a Redis restart without persistence would."""
    if isinstance(cache, MemoryCache):
        cache.__init__()  # type: ignore[misc]
    else:
        sync_redis.Redis.from_url(settings.redis_url).flushdb()


async def test_feed_survives_losing_the_cache(client, session, cache, hub, person, settings):
    reader = await person()
    rows = [await insert_request(session, cache, hub, urgency_level=u) for u in (1, 2, 3)]
    # A row that only the database knows (inserted with the seed's SQL, say).
    sql_only = await insert_request(session, cache, hub, urgency_level=4, in_feed=False)
    expected = [str(r["id"]) for r in (sql_only, *reversed(rows))]
    assert len(await feed_ids(client, reader)) == 3
    flush(cache, settings)
    assert await feed_ids(client, reader) == expected
    # The sorted set is back in the cache, not just answered from the database.
    assert len(await cache.zrangebyscore(feed.FEED_KEY, 0, float("inf"))) == 4


class ForgetfulCache(MemoryCache):
    """A cache that keeps nothing, like Redis while it is unreachable."""

    async def set(self, key, value, ttl, tags=()):  # type: ignore[no-untyped-def]
        return None

    async def zadd(self, key, mapping):  # type: ignore[no-untyped-def]
        return None


async def test_feed_reads_the_database_when_the_cache_keeps_nothing(session, cache, hub):
    rows = [await insert_request(session, cache, hub, urgency_level=u) for u in (2, 5)]
    raw = await feed.read_page(
        session=session, cache=ForgetfulCache(), filters=feed.Filters(), offset=0, limit=20
    )
    assert [i["id"] for i in orjson.loads(raw)["items"]] == [str(rows[1]["id"]), str(rows[0]["id"])]


async def test_copy_and_database_paths_agree(session, cache, hub):
    rng = random.Random(20261122)
    skills = ["python", "sql", "rust", "calculus", "essay writing", "c++"]
    domains = [None, "a.edu", "b.edu"]
    now = datetime.now(UTC)
    for _ in range(60):
        await insert_request(
            session,
            cache,
            hub,
            skill_tags=rng.sample(skills, rng.randint(1, 3)),
            urgency_level=rng.randint(1, 5),
            college_domain=rng.choice(domains),
            created_at=now - timedelta(minutes=rng.randint(0, 600)),
            hours=rng.choice([1, 5, 24]),  # some have already expired
        )
    entries = await feed.current_entries(session=session, cache=cache)
    assert entries is not None
    index = feed.Index.of(entries)
    now_us = int(datetime.now(UTC).timestamp() * 1_000_000)
    for _ in range(40):
        filters = feed.Filters(
            skills=frozenset(rng.sample(skills, rng.randint(0, 2))),
            min_urgency=rng.randint(1, 5),
            college_domain=rng.choice(domains),
        )
        offset, limit = rng.choice([0, 0, 3]), rng.choice([1, 5, 50])
        from_copy = feed.select_page(entries, filters, offset, limit, now_us)
        from_db = await feed.page_from_db(
            session=session, filters=filters, offset=offset, limit=limit, now=datetime.now(UTC)
        )
        assert [e.id for e in from_copy[0]] == [e.id for e in from_db[0]], filters
        assert from_copy[1] == from_db[1]
        # The index of the copy picks the same cards as walking it from the top.
        window = feed.candidates(entries, filters, offset + limit + 1, now_us, index=index)
        assert [e.id for e in window[offset : offset + limit]] == [e.id for e in from_db[0]]
        assert (len(window) > offset + limit) == from_db[1]


async def test_feed_read_limit_is_100_per_15_minutes(client, person):
    reader = await person()
    for _ in range(100):
        response = await client.get("/api/v1/help/feed", headers=reader.headers)
        assert response.status_code == 200
    over = await client.get("/api/v1/help/feed", headers=reader.headers)
    assert over.status_code == 429
    assert int(over.headers["Retry-After"]) > 0
    other = await person()
    assert (await client.get("/api/v1/help/feed", headers=other.headers)).status_code == 200


async def test_stream_delivers_matching_events(session, cache, hub):
    disconnected = asyncio.Event()

    async def is_disconnected() -> bool:
        return disconnected.is_set()

    events = feed.stream(
        hub=hub, filters=feed.Filters(skills=frozenset({"rust"})), is_disconnected=is_disconnected
    )
    # "ready" comes once hub.subscribe() returned, which waits for Redis to confirm.
    assert (await anext(events))["event"] == "ready"
    await insert_request(session, cache, hub, skill_tags=["python"])  # filtered out
    rust = await insert_request(session, cache, hub, skill_tags=["rust"])
    await feed.remove(
        cache=cache,
        hub=hub,
        request_id=rust["id"],
        created_at=rust["created_at"],
        event={"type": "request.updated", "data": {"id": str(rust["id"]), "status": "Matched"}},
    )
    created = await asyncio.wait_for(anext(events), 5)
    assert created["event"] == "request.created"
    card = orjson.loads(created["data"])
    assert card["id"] == str(rust["id"]) and card["skill_tags"] == ["rust"]
    assert set(card) == {
        "id",
        "title",
        "skill_tags",
        "urgency_level",
        "college_domain",
        "avatar",
        "created_at",
        "expires_at",
    }
    updated = await asyncio.wait_for(anext(events), 5)
    assert updated["event"] == "request.updated"
    assert orjson.loads(updated["data"]) == {"id": str(rust["id"]), "status": "Matched"}
    disconnected.set()
    await events.aclose()


async def test_maintenance_reconciles_the_set_with_the_database(
    client, session, cache, hub, platform, person
):
    reader = await person()
    sql_only = await insert_request(session, cache, hub, in_feed=False)
    listed = await insert_request(session, cache, hub)
    # A card for a request the database never committed (its transaction rolled back).
    ghost = dict(listed, id=uuid.uuid4(), created_at=datetime.now(UTC) - timedelta(minutes=5))
    await cache.zadd(feed.FEED_KEY, {feed.member_of(ghost): feed.score_of(ghost["created_at"])})
    await feed._bump_version(cache)
    # Never shown: the database does not confirm it.
    assert await feed_ids(client, reader) == [str(listed["id"])]
    report = await run_maintenance(session=session, platform=platform)
    assert "live feed +1/-1" in report
    assert sorted(await feed_ids(client, reader)) == sorted(
        [str(sql_only["id"]), str(listed["id"])]
    )


async def test_changes_made_by_sql_alone_are_honoured(client, session, cache, hub, person):
    """Rows changed behind the service's back (by hand, say) still never show when closed."""
    reader = await person()
    rows = [await insert_request(session, cache, hub, urgency_level=u) for u in (5, 4, 3, 2, 1)]
    ids = [str(r["id"]) for r in rows]
    assert await feed_ids(client, reader, limit=2) == ids[:2]
    await session.execute(
        update(HelpSession)
        .where(HelpSession.id == rows[0]["id"])
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.execute(
        update(HelpSession).where(HelpSession.id == rows[2]["id"]).values(status="Cancelled")
    )
    await session.commit()
    assert await feed_ids(client, reader, limit=2) == [ids[1], ids[3]]
    assert await feed_ids(client, reader, limit=2, offset=1) == [ids[3], ids[4]]


async def test_feed_answers_from_the_database_while_redis_is_unreachable(session, cache, hub):
    rows = [await insert_request(session, cache, hub, urgency_level=u) for u in (1, 4)]
    unreachable = RedisCache("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        raw = await feed.read_page(
            session=session, cache=unreachable, filters=feed.Filters(), offset=0, limit=20
        )
    finally:
        await unreachable.close()
    assert [i["id"] for i in orjson.loads(raw)["items"]] == [str(rows[1]["id"]), str(rows[0]["id"])]


class OtherWorker:
    """Another API process: the same shared cache, but its own local copy of the feed."""

    def __init__(self, cache) -> None:  # type: ignore[no-untyped-def]
        self._cache = cache

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._cache, name)


async def test_workers_catch_up_with_deltas_and_reload_after_a_reconciliation(
    session, cache, hub, platform
):
    one, two = OtherWorker(cache), OtherWorker(cache)
    first = await insert_request(session, one, hub, urgency_level=2)
    for worker in (one, two):
        assert [e.id for e in await feed.current_entries(session=session, cache=worker)] == [
            str(first["id"])
        ]
    epoch = feed._copy_for(two).epoch

    # Created through worker one: worker two catches up without re-reading the whole set.
    second = await insert_request(session, one, hub, urgency_level=4)
    entries = await feed.current_entries(session=session, cache=two)
    assert [e.id for e in entries] == [str(second["id"]), str(first["id"])]
    assert feed._copy_for(two).epoch == epoch

    # Closed through worker one: gone from worker two's copy itself, not only filtered.
    await feed.remove(
        cache=one,
        hub=hub,
        request_id=second["id"],
        created_at=second["created_at"],
        event={"type": "request.updated", "data": {}},
    )
    assert [e.id for e in await feed.current_entries(session=session, cache=two)] == [
        str(first["id"])
    ]

    # A row only the database knew, added by reconciliation: a full re-read everywhere.
    old = await insert_request(
        session, one, hub, in_feed=False, created_at=datetime.now(UTC) - timedelta(hours=3)
    )
    await run_maintenance(session=session, platform=platform)
    entries = await feed.current_entries(session=session, cache=two)
    assert {e.id for e in entries} == {str(first["id"]), str(old["id"])}
    assert feed._copy_for(two).epoch != epoch


def without_instance(body: dict) -> dict:
    """A body without the problem's ``instance`` (the two requests' paths differ)."""
    return {key: value for key, value in body.items() if key != "instance"}


async def test_lean_feed_answers_as_the_documented_route(client, session, cache, hub, person):
    """``GET /help/feed`` is answered in front of its FastAPI route (core.hot): same bytes."""
    reader = await person(email="lean@cs.a.edu")
    now = datetime.now(UTC)
    for i, (tags, college) in enumerate(
        [(["python"], "a.edu"), (["rust", "sql"], None), (["python", "sql"], "b.edu")] * 3
    ):
        await insert_request(
            session,
            cache,
            hub,
            skill_tags=tags,
            college_domain=college,
            urgency_level=1 + i % 5,
            created_at=now - timedelta(minutes=i),
        )
    queries = [
        "",
        "skills=python",
        "skills=SQL,rust&min_urgency=2",
        "skills=rust&skills=python&limit=2&offset=1",
        "college_domain=mine",
        "college_domain=A.edu&skills=python",
        "min_urgency=5&limit=50&offset=1000",
    ]
    for query in queries:
        lean = await client.get(f"/api/v1/help/feed?{query}", headers=reader.headers)
        # A parameter the lean endpoint does not know hands the request to the route.
        routed = await client.get(f"/api/v1/help/feed?{query}&other=1", headers=reader.headers)
        assert lean.status_code == routed.status_code == 200, (query, lean.text)
        assert lean.content == routed.content, query
        assert lean.headers["content-type"] == routed.headers["content-type"]
    # What the route refuses, the lean endpoint refuses alike (it hands it on).
    for query, status in [
        ("min_urgency=0", 422),
        ("min_urgency=03", 200),
        ("limit=51", 422),
        ("college_domain=x", 422),
        ("college_domain=b.edu", 403),
        ("skills=" + "x" * 51, 422),
    ]:
        lean = await client.get(f"/api/v1/help/feed?{query}", headers=reader.headers)
        routed = await client.get(f"/api/v1/help/feed?{query}&other=1", headers=reader.headers)
        assert lean.status_code == routed.status_code == status, (query, lean.text)
        assert without_instance(lean.json()) == without_instance(routed.json()), query
        assert lean.headers["content-type"] == routed.headers["content-type"]
    unsigned = await client.get("/api/v1/help/feed?skills=python")
    assert unsigned.status_code == 401
    assert unsigned.headers["content-type"] == "application/problem+json"
