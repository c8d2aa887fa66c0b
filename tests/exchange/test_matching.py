"""GET /api/v1/matches: two-way, case-insensitive, ranked, paginated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.accounts.models import User
from skillnest.exchange.models import Chat, Rating
from skillnest.exchange.rules import match_score
from tests.factories import make_user


async def matches(client, who) -> list[dict]:
    response = await client.get("/api/v1/matches", headers=who.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def rate_user(session: AsyncSession, rated_id: int, *scores: int) -> None:
    """Ratings from fresh raters, each in its own chat."""
    for score in scores:
        rater = await make_user(session)
        chat = Chat(user1_id=rater.id, user2_id=rated_id)
        session.add(chat)
        await session.flush()
        session.add(Rating(rater_id=rater.id, rated_id=rated_id, chat_id=chat.id, rating=score))
    await session.flush()


async def test_alice_and_bob_match_both_ways_and_carol_does_not(client, person):
    alice = await person(skills_to_offer=["Python"], skills_to_learn=["Guitar"])
    bob = await person(skills_to_offer=["guitar"], skills_to_learn=["python"])
    carol = await person(skills_to_offer=["Python"], skills_to_learn=[])

    for_alice = await matches(client, alice)
    assert [m["id"] for m in for_alice] == [bob.id]
    assert for_alice[0]["teaches_you"] == ["guitar"]  # in Bob's own spelling
    assert for_alice[0]["learns_from_you"] == ["python"]
    assert for_alice[0]["rating_count"] == 0
    assert for_alice[0]["average_rating"] is None
    assert "email" not in for_alice[0]

    for_bob = await matches(client, bob)
    assert [m["id"] for m in for_bob] == [alice.id]
    assert for_bob[0]["teaches_you"] == ["Python"]
    assert for_bob[0]["learns_from_you"] == ["Guitar"]

    assert carol.id not in {m["id"] for m in for_alice}
    assert await matches(client, carol) == []


async def test_one_way_interest_is_not_a_match_and_never_yourself(client, person):
    me = await person(skills_to_offer=["Chess", "Go"], skills_to_learn=["Chess", "Piano"])
    await person(skills_to_offer=["Piano"], skills_to_learn=["Drawing"])  # wants nothing of mine
    await person(skills_to_offer=["Drawing"], skills_to_learn=["Chess"])  # offers nothing I want
    await person(skills_to_offer=None, skills_to_learn=None)
    assert await matches(client, me) == []


async def test_matching_after_patching_skills_through_the_api(client, person):
    me = await person()
    other = await person(skills_to_offer=["Spanish"], skills_to_learn=["SQL"])
    assert await matches(client, me) == []
    patched = await client.patch(
        "/api/v1/me",
        headers=me.headers,
        json={"skills_to_offer": [" sql ", "SQL"], "skills_to_learn": ["SPANISH"]},
    )
    assert patched.json()["skills_to_offer"] == ["sql"]
    found = await matches(client, me)
    assert [(m["id"], m["teaches_you"], m["learns_from_you"]) for m in found] == [
        (other.id, ["Spanish"], ["SQL"])
    ]


async def test_ranked_by_overlap_then_rating_then_recent_activity(client, person, session):
    now = datetime.now(UTC)
    me = await person(skills_to_offer=["Python", "SQL"], skills_to_learn=["Guitar", "Spanish"])
    # Made without logging in: a login would set last_active_at to now.
    both = await make_user(session, skills_to_offer=["Guitar", "Spanish"], skills_to_learn=["sql"])
    rated_high = await make_user(session, skills_to_offer=["Guitar"], skills_to_learn=["Python"])
    rated_low = await make_user(session, skills_to_offer=["Guitar"], skills_to_learn=["Python"])
    recent = await make_user(
        session, skills_to_offer=["Spanish"], skills_to_learn=["Python"], last_active_at=now
    )
    stale = await make_user(
        session,
        skills_to_offer=["Spanish"],
        skills_to_learn=["Python"],
        last_active_at=now - timedelta(days=30),
    )
    never = await make_user(session, skills_to_offer=["Spanish"], skills_to_learn=["Python"])
    await rate_user(session, rated_high.id, 5, 5, 5, 5)
    await rate_user(session, rated_low.id, 2, 3)
    await rate_user(session, both.id, 1)

    found = await matches(client, me)
    order = [m["id"] for m in found]
    # The unrated ones sit at the global mean (3.36 here): above 2.5, below 5.
    assert order == [both.id, rated_high.id, recent.id, stale.id, never.id, rated_low.id]
    assert found[0]["teaches_you"] == ["Guitar", "Spanish"]
    assert found[0]["learns_from_you"] == ["sql"]
    assert found[1]["average_rating"] == 5.0 and found[1]["rating_count"] == 4
    scores = [m["score"] for m in found]
    assert scores == sorted(scores, reverse=True)
    mean = (4 * 5 + 2 + 3 + 1) / 7
    assert found[5]["score"] == match_score(
        teaches=1, learns=1, rating_sum=5, rating_count=2, global_mean=mean
    )


async def test_pagination_with_limit_and_offset(client, person):
    me = await person(skills_to_offer=["Knitting"], skills_to_learn=["Sewing"])
    others = [
        await person(skills_to_offer=["Sewing"], skills_to_learn=["knitting"]) for _ in range(5)
    ]
    first = (await client.get("/api/v1/matches?limit=2", headers=me.headers)).json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    seen = [m["id"] for m in first["items"]]
    offset = first["next_offset"]
    while offset is not None:
        page = (
            await client.get(f"/api/v1/matches?limit=2&offset={offset}", headers=me.headers)
        ).json()
        seen += [m["id"] for m in page["items"]]
        offset = page["next_offset"]
    assert sorted(seen) == sorted(o.id for o in others)
    bad = await client.get("/api/v1/matches?limit=0", headers=me.headers)
    assert bad.status_code == 422
    assert (await client.get("/api/v1/matches")).status_code == 401


async def test_case_folding_beyond_ascii(client, person, backend):
    me = await person(skills_to_offer=["Ελληνικά"], skills_to_learn=["ESPAÑOL"])
    other = await person(skills_to_offer=["español"], skills_to_learn=["ελληνικά"])
    found = await matches(client, me)
    assert [m["id"] for m in found] == [other.id]
    if backend == "postgresql":
        # Folded with ICU's root locale whatever the database locale is.
        assert found[0]["exact"] is True and found[0]["related"] == []
    else:
        # SQLite's lower() folds ASCII letters only (documented in docs/exchange.md): the
        # names differ there, and the vocabulary's similarity (which folds all letters)
        # relates them instead.
        assert found[0]["exact"] is False
        assert found[0]["related"] == [
            {"offered": "español", "wanted": "ESPAÑOL", "by": "them"},
            {"offered": "Ελληνικά", "wanted": "ελληνικά", "by": "you"},
        ]


async def test_sql_order_is_the_rules_order(client, person, session):
    """The match query orders as ``rules.match_order`` says, on both backends (by hand)."""
    me = await person(skills_to_offer=["Python", "SQL"], skills_to_learn=["Guitar", "Spanish"])
    p1 = await person(skills_to_offer=["Guitar", "Spanish"], skills_to_learn=["Python"])
    p2 = await person(skills_to_offer=["Guitar"], skills_to_learn=["Python"])
    p3 = await person(skills_to_offer=["Guitar"], skills_to_learn=["SQL"])
    p4 = await person(skills_to_offer=["Spanish"], skills_to_learn=["Python"])
    p5 = await person(skills_to_offer=["Spanish"], skills_to_learn=["SQL"])
    await rate_user(session, p2.id, 5, 5, 5)
    await rate_user(session, p3.id, 2)
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    for who, active in ((p1, hour_ago), (p2, hour_ago), (p3, hour_ago), (p4, hour_ago)):
        await session.execute(update(User).where(User.id == who.id).values(last_active_at=active))
    await session.execute(update(User).where(User.id == p5.id).values(last_active_at=None))
    await session.flush()

    found = await matches(client, me)
    # Mean of all ratings 17 / 4 = 4.25. p1 shares 3 skills; the others 2, then by Bayesian
    # rating: p2 (5 * 4.25 + 15) / 8 = 4.53; p4 and p5 at the mean 4.25, p4 active, p5
    # never; p3 (5 * 4.25 + 2) / 6 = 3.875.
    assert [m["id"] for m in found] == [p1.id, p2.id, p4.id, p5.id, p3.id]
    assert [m["score"] for m in found] == [3.425, 2.4531, 2.425, 2.425, 2.3875]
