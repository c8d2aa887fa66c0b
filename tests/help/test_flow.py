"""Offers, acceptance with a sealed key, the status flow, ratings and trust scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from skillnest.core.errors import Forbidden
from skillnest.help import crypto
from skillnest.help.models import HelpKeyEnvelope, HelpSession, TrustInteraction
from skillnest.help.service import (
    compute_trust,
    helper_trust,
    record_interaction,
    trust_pseudonym,
)
from skillnest.help.trust import trust_score
from tests.help.conftest import SECRET_TEXT, ask, encrypted, feed_ids


def url(request_id: str, tail: str = "") -> str:
    return f"/api/v1/help/requests/{request_id}{tail}"


async def offer(client, helper, request_id: str) -> tuple[dict, str]:
    """Offer through the API with a fresh key pair; return the offer and the private key."""
    private, public = crypto.new_keypair()
    response = await client.post(
        url(request_id, "/offers"), json={"public_key": public}, headers=helper.headers
    )
    assert response.status_code == 201, response.text
    return response.json(), private


async def accept(client, owner, request_id: str, offer_doc: dict, key: bytes):
    sealed = crypto.seal_key(key, offer_doc["helper_public_key"])
    return await client.post(
        url(request_id, "/accept"),
        json={"offer_id": offer_doc["id"], "sealed_key": sealed},
        headers=owner.headers,
    )


async def set_status(client, person, request_id: str, status: str, **rating):
    return await client.patch(
        url(request_id, "/status"), json={"status": status, **rating}, headers=person.headers
    )


async def test_full_flow_only_the_accepted_helper_can_read(client, session, person):
    owner, helper, other_helper = await person(), await person(), await person()
    key, ciphertext = encrypted()
    request_id = (await ask(client, owner, encrypted_request=ciphertext))["id"]
    chosen, private = await offer(client, helper, request_id)
    assert chosen["status"] == "Pending"
    assert chosen["trust"] == {"score": None, "sessions": 0, "enough_data": False}
    passed_over, other_private = await offer(client, other_helper, request_id)

    owner_view = (await client.get(url(request_id), headers=owner.headers)).json()
    assert [o["id"] for o in owner_view["offers"]] == [chosen["id"], passed_over["id"]]
    # Offers never reveal who the helper is.
    assert all("helper_hash" not in o for o in owner_view["offers"])

    accepted = await accept(client, owner, request_id, chosen, key)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "Matched"
    assert {o["id"]: o["status"] for o in accepted.json()["offers"]} == {
        chosen["id"]: "Accepted",
        passed_over["id"]: "Declined",
    }
    assert await feed_ids(client, other_helper) == []

    helper_view = (await client.get(url(request_id), headers=helper.headers)).json()
    assert helper_view["role"] == "helper"
    request_key = crypto.open_key(helper_view["sealed_key"], private)
    assert crypto.decrypt_request(request_key, helper_view["encrypted_request"]) == SECRET_TEXT

    other_view = (await client.get(url(request_id), headers=other_helper.headers)).json()
    assert other_view["role"] == "viewer"
    assert other_view["my_offer"]["status"] == "Declined"
    assert other_view.get("sealed_key") is None and other_view.get("encrypted_request") is None

    started = await set_status(client, helper, request_id, "InProgress")
    assert started.status_code == 200 and started.json()["status"] == "InProgress"
    done = await set_status(
        client, owner, request_id, "Completed", session_quality=8, help_duration=45
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "Completed"
    # A finished request keeps neither the ciphertext nor the key envelope.
    row = (await session.execute(select(HelpSession.encrypted_request))).scalars().all()
    assert all(v is None for v in row)
    assert (await session.execute(select(HelpKeyEnvelope))).first() is None


async def test_rating_writes_one_pseudonymous_interaction(client, session, person, settings):
    owner, helper = await person(), await person()
    key, ciphertext = encrypted()
    request_id = (await ask(client, owner, encrypted_request=ciphertext, skill_tags=["SQL"]))["id"]
    chosen, _ = await offer(client, helper, request_id)
    await accept(client, owner, request_id, chosen, key)
    await set_status(client, helper, request_id, "InProgress")
    done = await set_status(
        client, owner, request_id, "Completed", session_quality=8, help_duration=45
    )
    assert done.status_code == 200
    again = await set_status(
        client, owner, request_id, "Completed", session_quality=1, help_duration=1
    )
    assert again.status_code == 409
    rows = (await session.execute(select(TrustInteraction))).scalars().all()
    assert len(rows) == 1
    (row,) = rows
    assert row.helper_hash == trust_pseudonym(settings, helper.id)
    assert row.seeker_hash == trust_pseudonym(settings, owner.id)
    assert (row.session_quality, row.help_duration, row.skill_category) == (8, 45, "sql")
    # The helper's own view: one seeker is not enough to show a score.
    mine = (await client.get("/api/v1/help/trust/me", headers=helper.headers)).json()
    assert mine == {"score": None, "sessions": 1, "enough_data": False}


async def test_illegal_transitions_are_409_and_roles_are_enforced(client, person):
    owner, helper, stranger = await person(), await person(), await person()
    key, ciphertext = encrypted()
    request_id = (await ask(client, owner, encrypted_request=ciphertext))["id"]
    # Active cannot jump to InProgress or Completed.
    assert (await set_status(client, owner, request_id, "InProgress")).status_code == 409
    completed = await set_status(
        client, owner, request_id, "Completed", session_quality=5, help_duration=5
    )
    assert completed.status_code == 409
    # Completing needs a rating; a rating needs completing.
    assert (await set_status(client, owner, request_id, "Completed")).status_code == 422
    assert (
        await set_status(client, owner, request_id, "Cancelled", session_quality=3)
    ).status_code == 422
    # The owner cannot offer on their own request; a stranger cannot change its status.
    _, public = crypto.new_keypair()
    own = await client.post(
        url(request_id, "/offers"), json={"public_key": public}, headers=owner.headers
    )
    assert own.status_code == 403
    assert (await set_status(client, stranger, request_id, "Cancelled")).status_code == 404

    chosen, _ = await offer(client, helper, request_id)
    twice = await client.post(
        url(request_id, "/offers"), json={"public_key": public}, headers=helper.headers
    )
    assert twice.status_code == 409
    # Only the owner accepts; a stranger gets the same 404 as for a missing request.
    assert (await accept(client, stranger, request_id, chosen, key)).status_code == 404
    assert (await accept(client, owner, request_id, chosen, key)).status_code == 200
    assert (await accept(client, owner, request_id, chosen, key)).status_code == 409
    # Matched: no more offers; the helper may start but not cancel or complete.
    late = await client.post(
        url(request_id, "/offers"), json={"public_key": public}, headers=stranger.headers
    )
    assert late.status_code == 409
    assert (await set_status(client, helper, request_id, "Cancelled")).status_code == 403
    assert (
        await set_status(
            client, helper, request_id, "Completed", session_quality=9, help_duration=9
        )
    ).status_code == 403
    assert (await set_status(client, helper, request_id, "InProgress")).status_code == 200
    assert (await set_status(client, owner, request_id, "InProgress")).status_code == 409
    assert (await set_status(client, owner, request_id, "Cancelled")).status_code == 200
    assert (await set_status(client, owner, request_id, "Cancelled")).status_code == 409


async def test_sealed_key_and_public_key_shapes_are_checked(client, person):
    owner, helper = await person(), await person()
    request_id = (await ask(client, owner))["id"]
    short = await client.post(
        url(request_id, "/offers"),
        json={"public_key": crypto.b64encode(b"x" * 31)},
        headers=helper.headers,
    )
    assert short.status_code == 422
    chosen, _ = await offer(client, helper, request_id)
    plaintext_instead = await client.post(
        url(request_id, "/accept"),
        json={"offer_id": chosen["id"], "sealed_key": crypto.b64encode(b"the key in clear")},
        headers=owner.headers,
    )
    assert plaintext_instead.status_code == 422


async def test_expired_request_refuses_changes(client, session, person):
    owner, helper = await person(), await person()
    key, ciphertext = encrypted()
    request_id = (await ask(client, owner, encrypted_request=ciphertext))["id"]
    chosen, _ = await offer(client, helper, request_id)
    await session.execute(
        update(HelpSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()  # releases the savepoint only: the outer test transaction remains
    assert (await accept(client, owner, request_id, chosen, key)).status_code == 409
    view = (await client.get(url(request_id), headers=owner.headers)).json()
    assert view["status"] == "Expired"
    assert (await set_status(client, owner, request_id, "Cancelled")).status_code == 409


async def complete_with(client, owner, helper, quality: int, minutes: int) -> None:
    key, ciphertext = encrypted()
    request_id = (await ask(client, owner, encrypted_request=ciphertext))["id"]
    chosen, _ = await offer(client, helper, request_id)
    assert (await accept(client, owner, request_id, chosen, key)).status_code == 200
    assert (await set_status(client, helper, request_id, "InProgress")).status_code == 200
    done = await set_status(
        client, owner, request_id, "Completed", session_quality=quality, help_duration=minutes
    )
    assert done.status_code == 200, done.text


async def test_score_appears_with_five_distinct_seekers_and_follows_the_seed(
    client, session, person, cache, settings
):
    helper = await person()
    seekers = [await person() for _ in range(5)]
    ratings = [(8, 45), (7, 20), (10, 60), (6, 10), (9, 25)]
    for seeker, (quality, minutes) in zip(seekers[:4], ratings[:4], strict=True):
        await complete_with(client, seeker, helper, quality, minutes)
    # Four seekers, one of them twice: still not enough distinct seekers.
    await complete_with(client, seekers[0], helper, 5, 5)
    mine = (await client.get("/api/v1/help/trust/me", headers=helper.headers)).json()
    assert mine == {"score": None, "sessions": 5, "enough_data": False}

    await complete_with(client, seekers[4], helper, *ratings[4])
    mine = (await client.get("/api/v1/help/trust/me", headers=helper.headers)).json()
    qualities = [8, 7, 10, 6, 5, 9]
    minutes = [45, 20, 60, 10, 5, 25]
    # By hand: avg quality 45/6 = 7.5 -> 45; 6 sessions -> 12; avg 27.5 min -> 13.75: 70.75 -> 71.
    assert trust_score(sum(qualities) / 6, 6, sum(minutes) / 6) == 71
    assert mine == {"score": 71, "sessions": 6, "enough_data": True}
    # Cached under the seed's key.
    helper_hash = trust_pseudonym(settings, helper.id)
    assert await cache.get(f"trust_score:{helper_hash}") is not None

    # The next offer by this helper shows the score to the request's owner.
    newcomer = await person()
    request_id = (await ask(client, newcomer))["id"]
    shown, _ = await offer(client, helper, request_id)
    assert shown["trust"] == {"score": 71, "sessions": 6, "enough_data": True}
    owner_view = (await client.get(url(request_id), headers=newcomer.headers)).json()
    assert owner_view["offers"][0]["trust"]["score"] == 71


async def test_old_interactions_leave_the_window(session, cache, settings):
    helper_hash = trust_pseudonym(settings, 424242)
    await record_interaction(
        session=session,
        cache=cache,
        helper_hash=helper_hash,
        seeker_hash="s" * 64,
        quality=10,
        duration=30,
        skill_category="python",
    )
    await session.execute(
        update(TrustInteraction).values(created_at=datetime.now(UTC) - timedelta(days=95))
    )
    stats = await compute_trust(session=session, helper_hash=helper_hash)
    assert stats.total_sessions == 0 and stats.score == 0
    # The cached figures stay until a new interaction lands or the hour passes.
    assert (await helper_trust(session=session, cache=cache, helper_hash=helper_hash)).score == 77


async def test_nobody_rates_themselves(session, cache, settings):
    same = trust_pseudonym(settings, 7)
    with pytest.raises(Forbidden):
        await record_interaction(
            session=session,
            cache=cache,
            helper_hash=same,
            seeker_hash=same,
            quality=10,
            duration=30,
            skill_category=None,
        )
