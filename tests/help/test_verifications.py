"""Skill verifications: pseudonymous on both sides, nobody verifies themselves."""

from __future__ import annotations

from sqlalchemy import select

from skillnest.help.models import SkillVerification
from skillnest.help.service import trust_pseudonym, verification_pseudonym


async def verify(client, verifier, user_id: int, skill: str, kind: str = "peer", score: int = 80):
    return await client.post(
        "/api/v1/help/verifications",
        json={"user_id": user_id, "skill_name": skill, "verification_type": kind, "score": score},
        headers=verifier.headers,
    )


async def test_verifications_are_listed_with_counts_and_averages(client, session, person, settings):
    learner = await person()
    peers = [await person() for _ in range(3)]
    created = await verify(client, peers[0], learner.id, "Python", "peer", 90)
    assert created.status_code == 201, created.text
    assert created.json()["skill_name"] == "python"
    assert (await verify(client, peers[1], learner.id, "python ", "quiz", 70)).status_code == 201
    assert (await verify(client, peers[2], learner.id, "PYTHON", "project", 65)).status_code == 201
    assert (await verify(client, peers[2], learner.id, "SQL", "peer", 50)).status_code == 201

    listing = await client.get(f"/api/v1/users/{learner.id}/verifications")
    assert listing.status_code == 200
    assert listing.json() == {
        "user_id": learner.id,
        "skills": [
            {
                "skill_name": "python",
                "count": 3,
                "average_score": 75.0,
                "by_type": {"peer": 1, "quiz": 1, "project": 1},
            },
            {"skill_name": "sql", "count": 1, "average_score": 50.0, "by_type": {"peer": 1}},
        ],
    }
    rows = (await session.execute(select(SkillVerification))).scalars().all()
    assert {r.user_hash for r in rows} == {verification_pseudonym(settings, learner.id)}
    assert {r.verified_by_hash for r in rows} == {
        verification_pseudonym(settings, p.id) for p in peers
    }
    # Not the trust pseudonym: public listings by user id must not unmask trust rows.
    assert trust_pseudonym(settings, learner.id) not in {r.user_hash for r in rows}


async def test_rules(client, person):
    learner, peer = await person(), await person()
    assert (await verify(client, learner, learner.id, "python")).status_code == 403
    assert (await verify(client, peer, 99_999_999, "python")).status_code == 404
    assert (await verify(client, peer, learner.id, "python")).status_code == 201
    assert (await verify(client, peer, learner.id, "Python")).status_code == 409
    assert (await verify(client, peer, learner.id, "python", "quiz")).status_code == 201
    assert (await verify(client, peer, learner.id, "python", "exam")).status_code == 422
    assert (await verify(client, peer, learner.id, "python", "peer", 101)).status_code == 422
    assert (await client.get("/api/v1/users/99999999/verifications")).status_code == 404
    nothing = await client.get(f"/api/v1/users/{peer.id}/verifications")
    assert nothing.json() == {"user_id": peer.id, "skills": []}
