"""Credential verification by hash, and the endorsements input of the skill score."""

from __future__ import annotations

import hashlib

import orjson

from skillnest.careers.profile.score import count_endorsements, refresh_skill_score
from skillnest.exchange.service import rating_summary
from skillnest.help.service import verification_summary

API = "/api/v1"


async def test_a_certification_can_be_verified_by_its_hash_without_login(client, person):
    me = await person(name="Rita Lopes")
    made = await client.post(
        f"{API}/me/career/certifications",
        headers=me.headers,
        json={
            "name": "Certified Kubernetes Administrator",
            "issuing_organization": "CNCF",
            "issue_date": "2025-03-01",
            "credential_id": "CKA-123",
        },
    )
    assert made.status_code == 201, made.text
    digest = made.json()["credential_hash"]
    canonical = orjson.dumps(
        {
            "credential_id": "CKA-123",
            "expiry_date": None,
            "holder_id": me.id,
            "issue_date": "2025-03-01",
            "issuing_organization": "CNCF",
            "name": "Certified Kubernetes Administrator",
        },
        option=orjson.OPT_SORT_KEYS,
    )
    assert digest == hashlib.sha256(canonical).hexdigest()

    verified = await client.get(f"{API}/credentials/verify/{digest.upper()}")
    assert verified.status_code == 200
    assert verified.json() == {
        "valid": True,
        "holder_name": "Rita Lopes",
        "issued_on": "2025-03-01",
    }
    unknown = await client.get(f"{API}/credentials/verify/{'0' * 64}")
    assert unknown.json() == {"valid": False, "holder_name": None, "issued_on": None}
    assert (await client.get(f"{API}/credentials/verify/not-a-hash")).status_code == 422

    # Editing the certification changes its hash; the old one no longer verifies.
    changed = await client.patch(
        f"{API}/me/career/certifications/{made.json()['id']}",
        headers=me.headers,
        json={
            "name": "Certified Kubernetes Administrator",
            "issuing_organization": "CNCF",
            "issue_date": "2025-04-01",
        },
    )
    assert changed.json()["credential_hash"] != digest
    assert (await client.get(f"{API}/credentials/verify/{digest}")).json()["valid"] is False


async def test_endorsements_count_ratings_and_verifications(session, settings, person):
    from skillnest.exchange.models import Chat, Rating
    from skillnest.help.models import SkillVerification
    from skillnest.help.service import verification_pseudonym

    me, rater, other = await person(), await person(), await person()
    assert await count_endorsements(session=session, user_id=me.id, settings=settings) == 0
    chat = Chat(user1_id=me.id, user2_id=rater.id)
    other_chat = Chat(user1_id=other.id, user2_id=rater.id)
    session.add_all([chat, other_chat])
    await session.flush()
    session.add_all(
        [
            Rating(rater_id=rater.id, rated_id=me.id, chat_id=chat.id, rating=5),
            Rating(rater_id=me.id, rated_id=rater.id, chat_id=chat.id, rating=4),
            Rating(rater_id=rater.id, rated_id=other.id, chat_id=other_chat.id, rating=5),
            SkillVerification(
                user_hash=verification_pseudonym(settings, me.id),
                skill_name="Python",
                verification_type="peer",
                score=90,
                verified_by_hash=verification_pseudonym(settings, rater.id),
            ),
        ]
    )
    await session.flush()
    # One rating received and one verification; ratings the user gave do not count.
    assert await count_endorsements(session=session, user_id=me.id, settings=settings) == 2
    assert await count_endorsements(session=session, user_id=me.id, settings=None) == 1
    score = await refresh_skill_score(
        session=session, user_id=me.id, settings=settings, trigger="endorsement"
    )
    assert score == 1.0  # 2 of 10 endorsements, of a weight of 5
    summary = await rating_summary(session=session, user_id=rater.id)
    assert (summary.count, summary.average) == (1, 4.0)
    assert (await rating_summary(session=session, user_id=other.id)).average == 5.0
    nobody = await rating_summary(session=session, user_id=2**31 - 1)
    assert (nobody.count, nobody.average) == (0, None)
    verified = await verification_summary(session=session, settings=settings, user_id=rater.id)
    assert verified.count == 0
