"""Credential verification by hash, and the endorsements input of the skill score."""

from __future__ import annotations

import hashlib

import orjson
from sqlalchemy import text

from skillnest.careers import endorsements, service

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


async def test_endorsements_count_ratings_and_verifications_when_those_tables_exist(
    session, settings, person
):
    me, rater = await person(), await person()
    key = settings.pseudonym_key.get_secret_value()
    endorsements.forget_tables()
    try:
        # Without the exchange and help modules' tables there is nothing to count.
        assert (
            await endorsements.count_endorsements(session=session, user_id=me.id, pseudonym_key=key)
            == 0
        )
        # Stand-ins with the seeds' columns (rolled back with the test's transaction).
        await session.execute(
            text("CREATE TABLE ratings (id INTEGER PRIMARY KEY, rated_id INTEGER, rating INTEGER)")
        )
        await session.execute(
            text("CREATE TABLE skill_verifications (id INTEGER PRIMARY KEY, user_hash VARCHAR(64))")
        )
        await session.execute(
            text(
                "INSERT INTO ratings (id, rated_id, rating) "
                "VALUES (1, :me, 5), (2, :me, 4), (3, :other, 5)"
            ),
            {"me": me.id, "other": rater.id},
        )
        await session.execute(
            text("INSERT INTO skill_verifications (id, user_hash) VALUES (1, :h)"),
            {"h": endorsements.verification_subject(key, me.id)},
        )
        endorsements.forget_tables()
        assert (
            await endorsements.count_endorsements(session=session, user_id=me.id, pseudonym_key=key)
            == 3
        )
        assert (
            await endorsements.count_endorsements(
                session=session, user_id=me.id, pseudonym_key=None
            )
            == 2
        )
        score = await service.refresh_skill_score(
            session=session, user_id=me.id, pseudonym_key=key, trigger="endorsement"
        )
        assert score == 1.5  # 3 of 10 endorsements, of a weight of 5
    finally:
        endorsements.forget_tables()
