"""Related skills: the vocabulary's aliases and similar names make matches, below exact ones."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from skillnest.core.db import make_engine
from skillnest.exchange import service
from skillnest.exchange.rules import SIMILARITY_THRESHOLD, fts5_trigram_query, similarity
from tests.conftest import make_settings


async def matches(client, who) -> list[dict]:
    response = await client.get("/api/v1/matches", headers=who.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_acoustic_guitar_matches_guitar_as_related_below_an_exact_match(client, person):
    me = await person(skills_to_offer=["Python", "SQL"], skills_to_learn=["Guitar"])
    exact = await person(skills_to_offer=["guitar"], skills_to_learn=["python"])
    # More skills change hands with this one, but only through a related pair.
    related = await person(
        skills_to_offer=["Acoustic Guitar", "Drums"], skills_to_learn=["Python", "sql"]
    )
    unrelated = await person(skills_to_offer=["Electric Bass"], skills_to_learn=["Python"])

    found = await matches(client, me)
    assert [m["id"] for m in found] == [exact.id, related.id]
    assert found[0]["related"] == [] and found[0]["teaches_you"] == ["guitar"]
    assert found[1]["teaches_you"] == [] and found[1]["learns_from_you"] == ["Python", "sql"]
    assert found[1]["related"] == [{"offered": "Acoustic Guitar", "wanted": "Guitar", "by": "them"}]
    assert (found[0]["exact"], found[1]["exact"]) == (True, False)
    assert unrelated.id not in {m["id"] for m in found}

    # The same pair seen from the other side: I could teach them, through the relation.
    (mine,) = [m for m in await matches(client, related) if m["id"] == me.id]
    assert mine["related"] == [{"offered": "Acoustic Guitar", "wanted": "Guitar", "by": "you"}]
    assert mine["teaches_you"] == ["Python", "SQL"]


async def test_aliases_relate_short_names_and_similarity_does_not(client, person):
    # 2-letter names are never related by similarity ("go" / "google"), and "java" is not
    # "javascript" (similarity 1/3, under the threshold); the curated alias "js" is.
    assert similarity("java", "javascript") < SIMILARITY_THRESHOLD
    me = await person(skills_to_offer=["Chess"], skills_to_learn=["Go", "Java"])
    await person(skills_to_offer=["Google Ads"], skills_to_learn=["chess"])
    coder = await person(skills_to_offer=["JavaScript"], skills_to_learn=["chess"])
    assert await matches(client, me) == []

    fan = await person(skills_to_offer=["JS"], skills_to_learn=["Chess"])
    await client.patch(
        "/api/v1/me", headers=me.headers, json={"skills_to_learn": ["Go", "JavaScript"]}
    )
    found = await matches(client, me)
    assert [m["id"] for m in found] == [coder.id, fan.id]
    assert found[1]["related"] == [{"offered": "JS", "wanted": "JavaScript", "by": "them"}]


async def test_the_vocabulary_twins_agree_with_the_rules(session, backend, person):
    """pg_trgm's similarity() is the rules' formula; SQLite's FTS5 trigram table finds names."""
    await person(skills_to_offer=["Acoustic Guitar", "Bass Guitar"], skills_to_learn=["Ñandú"])
    pairs = [
        ("acoustic guitar", "guitar"),
        ("java", "javascript"),
        ("guitar", "guitars"),
        ("c++ dev", "c dev"),
        ("español", "espanol"),
    ]
    if backend == "postgresql":
        for a, b in pairs:
            found = await session.scalar(text("SELECT similarity(:a, :b)"), {"a": a, "b": b})
            assert found == pytest.approx(similarity(a, b)), (a, b)
    else:
        hits = await session.scalars(
            text("SELECT key FROM skill_terms_fts WHERE skill_terms_fts MATCH :m ORDER BY key"),
            {"m": fts5_trigram_query("guitar")},
        )
        found = set(hits)
        assert {"acoustic guitar", "bass guitar"} <= found
        assert all(any(g in key for g in ("gui", "uit", "ita", "tar")) for key in found)
    # Names saved on a profile joined the vocabulary (the triggers), aliases were there.
    known = set(await session.scalars(text("SELECT key FROM skill_terms")))
    assert {"acoustic guitar", "bass guitar", "js", "javascript"} <= known
    assert ("ñandú" if backend == "postgresql" else "Ñandú") in known


async def test_similar_names_saved_by_two_transactions_at_once_are_related(backend, cli_database):
    """Each new name is compared with the others when its transaction commits.

    On PostgreSQL both transactions hold their new name, unseen by the other, until both
    commit: compared when inserted, neither would find the other. SQLite has one writer at
    a time, so there the second transaction starts after the first commits.
    """
    engine = make_engine(cli_database, make_settings(cli_database, None))
    add = text("INSERT INTO skill_terms (key, canonical) VALUES (:k, :k)")
    try:
        async with AsyncSession(engine) as first, AsyncSession(engine) as second:
            await first.execute(add, {"k": "marimbaphone"})
            if backend == "sqlite":
                await first.commit()
            await second.execute(add, {"k": "marimbaphones"})
            await first.commit()
            await second.commit()
        async with AsyncSession(engine) as reader:
            found = await service.related_terms(
                session=reader, keys=["marimbaphone", "marimbaphones"]
            )
            # Renamed, a term is measured again: "xylophone" is not similar to either.
            await reader.execute(
                text(
                    "UPDATE skill_terms SET key = 'xylophone', canonical = 'xylophone' "
                    "WHERE key = 'marimbaphones'"
                )
            )
            await reader.commit()
            renamed = await service.related_terms(session=reader, keys=["marimbaphone"])
    finally:
        await engine.dispose()
    assert found == [("marimbaphone", "marimbaphones"), ("marimbaphones", "marimbaphone")]
    assert renamed == []
