"""The expiry job: Expired status, feed removal, request.expired events, data minimisation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import select, update

from skillnest.help import crypto, feed
from skillnest.help.models import HelpKeyEnvelope, HelpMessage, HelpOffer, HelpSession
from skillnest.help.service import run_maintenance
from tests.help.conftest import ask, encrypted, feed_ids


async def test_expiry_job(client, session, cache, hub, platform, person):
    owner, helper, reader = await person(), await person(), await person()
    key, ciphertext = encrypted()
    soon = (await ask(client, owner, encrypted_request=ciphertext))["id"]
    asker_private, asker_public = crypto.new_keypair()
    made = await ask(client, owner, encrypted_request=ciphertext, public_key=asker_public)
    matched = made["id"]
    lasting = (await ask(client, owner))["id"]
    private, public = crypto.new_keypair()
    note = crypto.encrypt_message(private, asker_public, "a note for the asker")
    offer = await client.post(
        f"/api/v1/help/requests/{matched}/offers",
        json={"public_key": public, "encrypted_message": note},
        headers=helper.headers,
    )
    accepted = await client.post(
        f"/api/v1/help/requests/{matched}/accept",
        json={"offer_id": offer.json()["id"], "sealed_key": crypto.seal_key(key, public)},
        headers=owner.headers,
    )
    assert accepted.status_code == 200
    said = await client.post(
        f"/api/v1/help/requests/{matched}/messages",
        json={"ciphertext": crypto.encrypt_message(asker_private, public, "thanks")},
        headers=owner.headers,
    )
    assert said.status_code == 201
    past = datetime.now(UTC) - timedelta(seconds=1)
    await session.execute(
        update(HelpSession)
        .where(HelpSession.id.in_([uuid.UUID(soon), uuid.UUID(matched)]))
        .values(expires_at=past)
    )
    # Gone from the feed at once, before the job runs.
    assert await feed_ids(client, reader) == [lasting]

    async with hub.subscribe(feed.FEED_CHANNEL) as queue:  # ready when it returns
        report = await run_maintenance(session=session, platform=platform)
        assert report.startswith("2 requests expired")
        events = [await asyncio.wait_for(queue.get(), 5) for _ in range(2)]
    assert {e["type"] for e in events} == {"request.expired"}
    assert {e["data"]["id"] for e in events} == {soon, matched}

    rows = dict((await session.execute(select(HelpSession.id, HelpSession.status))).all())
    assert rows[uuid.UUID(soon)] == rows[uuid.UUID(matched)] == "Expired"
    assert rows[uuid.UUID(lasting)] == "Active"
    left = (
        await session.execute(
            select(HelpSession.encrypted_request).where(HelpSession.status == "Expired")
        )
    ).scalars()
    assert all(v is None for v in left)
    assert (await session.execute(select(HelpKeyEnvelope))).first() is None
    # The conversation and the offer notes went with the other secrets.
    assert (await session.execute(select(HelpMessage))).first() is None
    notes = (await session.execute(select(HelpOffer.encrypted_message))).scalars()
    assert all(v is None for v in notes)
    # The expired card is gone from the sorted set too, not merely hidden.
    members = await cache.zrangebyscore(feed.FEED_KEY, 0, float("inf"))
    assert {orjson.loads(m)["id"] for m, _ in members} == {lasting}
    # Running again finds nothing more to do.
    assert (await run_maintenance(session=session, platform=platform)).startswith("0 requests")


async def test_old_finished_requests_are_deleted(client, session, platform, person):
    owner = await person()
    request_id = (await ask(client, owner))["id"]
    await session.execute(
        update(HelpSession).values(
            status="Expired", expires_at=datetime.now(UTC) - timedelta(days=31)
        )
    )
    report = await run_maintenance(session=session, platform=platform)
    assert "1 finished requests deleted" in report
    gone = await session.scalar(
        select(HelpSession.id).where(HelpSession.id == uuid.UUID(request_id))
    )
    assert gone is None
