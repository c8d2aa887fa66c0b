"""Related skills: the vocabulary's aliases and similar names make matches, below exact ones."""

from __future__ import annotations

from skillnest.exchange.rules import SIMILARITY_THRESHOLD, similarity


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
    assert found[1]["related"] == [
        {"offered": "Acoustic Guitar", "wanted": "Guitar", "by": "them"}
    ]
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
