"""Offer messages and the conversation of an accepted request: real crypto, live, sealed."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from skillnest.core.realtime import Hub, user_channel
from skillnest.help import crypto
from skillnest.help.schemas import BASE64_PATTERN
from skillnest.help.service import event_channels
from tests.help.conftest import ask, encrypted

OFFER_NOTE = "I tutored recursion last term, happy to walk you through base cases"
ASKER_LINE = "thank you! the base case is where I get lost"
HELPER_LINE = "start with the empty list: what should the sum of nothing be?"
HELP_TABLES = ("anonymous_help_sessions", "help_offers", "help_key_envelopes", "help_messages")


def url(request_id: str, tail: str = "") -> str:
    return f"/api/v1/help/requests/{request_id}{tail}"


async def next_message(events: asyncio.Queue[dict[str, Any]], message_id: int) -> dict[str, Any]:
    """The ``help.message`` event of one message (other tests may share the Redis channels)."""
    async with asyncio.timeout(5):
        while True:
            event = await events.get()
            if event["type"] == "help.message" and event["data"]["id"] == message_id:
                return dict(event["data"])


def streams(hub: Hub, settings, person):  # type: ignore[no-untyped-def]
    """What ``GET /me/events`` listens to for this person."""
    return hub.subscribe(
        user_channel(person.id), *event_channels(settings=settings, user_id=person.id)
    )


async def test_offer_note_and_conversation_are_sealed_live_and_private(
    client, session, person, hub, settings
):
    owner, helper, passed_over, stranger = [await person() for _ in range(4)]
    key, ciphertext = encrypted()
    asker_private, asker_public = crypto.new_keypair()
    request_id = (await ask(client, owner, encrypted_request=ciphertext, public_key=asker_public))[
        "id"
    ]
    viewed = (await client.get(url(request_id), headers=helper.headers)).json()
    assert viewed["asker_public_key"] == asker_public

    # The helper's note travels boxed to the asker's key; only the asker is shown it.
    helper_private, helper_public = crypto.new_keypair()
    note = crypto.encrypt_message(helper_private, asker_public, OFFER_NOTE)
    made = await client.post(
        url(request_id, "/offers"),
        json={"public_key": helper_public, "encrypted_message": note},
        headers=helper.headers,
    )
    assert made.status_code == 201, made.text
    assert made.json()["encrypted_message"] is None
    other_private, other_public = crypto.new_keypair()
    other = await client.post(
        url(request_id, "/offers"),
        json={
            "public_key": other_public,
            "encrypted_message": crypto.encrypt_message(other_private, asker_public, "me too"),
        },
        headers=passed_over.headers,
    )
    assert other.status_code == 201
    owner_view = (await client.get(url(request_id), headers=owner.headers)).json()
    chosen = next(o for o in owner_view["offers"] if o["id"] == made.json()["id"])
    assert chosen["encrypted_message"] == note
    assert crypto.decrypt_message(asker_private, helper_public, note) == OFFER_NOTE
    mine = (await client.get(url(request_id), headers=helper.headers)).json()["my_offer"]
    assert mine["encrypted_message"] is None

    # Before acceptance there is nobody to talk to.
    early = crypto.encrypt_message(asker_private, helper_public, "hello?")
    posted = await client.post(
        url(request_id, "/messages"), json={"ciphertext": early}, headers=owner.headers
    )
    assert posted.status_code == 409
    sealed_key = crypto.seal_key(key, helper_public)
    accepted = await client.post(
        url(request_id, "/accept"),
        json={"offer_id": chosen["id"], "sealed_key": sealed_key},
        headers=owner.headers,
    )
    assert accepted.status_code == 200, accepted.text

    # Each message reaches both sides' event streams once committed.
    sent = []
    async with streams(hub, settings, owner) as owner_events:
        async with streams(hub, settings, helper) as helper_events:
            for who, private, public, line in (
                (owner, asker_private, helper_public, ASKER_LINE),
                (helper, helper_private, asker_public, HELPER_LINE),
            ):
                body = {"ciphertext": crypto.encrypt_message(private, public, line)}
                response = await client.post(
                    url(request_id, "/messages"), json=body, headers=who.headers
                )
                assert response.status_code == 201, response.text
                message = response.json()
                sent.append(message)
                assert await next_message(owner_events, message["id"]) == message
                assert await next_message(helper_events, message["id"]) == message
    assert [m["sender"] for m in sent] == ["asker", "helper"]

    # Both sides read the whole thread, their own lines included, a page at a time.
    for private, public, who in (
        (asker_private, helper_public, owner),
        (helper_private, asker_public, helper),
    ):
        first = await client.get(url(request_id, "/messages?limit=1"), headers=who.headers)
        assert first.status_code == 200
        rest = await client.get(
            url(request_id, f"/messages?cursor={first.json()['next_cursor']}"), headers=who.headers
        )
        thread = first.json()["items"] + rest.json()["items"]
        assert rest.json()["next_cursor"] is None
        texts = [crypto.decrypt_message(private, public, m["ciphertext"]) for m in thread]
        assert texts == [ASKER_LINE, HELPER_LINE]

    # A passed-over helper and a stranger: the thread does not exist for them.
    for outsider in (passed_over, stranger):
        listing = await client.get(url(request_id, "/messages"), headers=outsider.headers)
        assert listing.status_code == 404
        write = await client.post(
            url(request_id, "/messages"), json={"ciphertext": early}, headers=outsider.headers
        )
        assert write.status_code == 404

    # The database holds ciphertext only: no column of any help table carries the text.
    dump = []
    for table in HELP_TABLES:
        rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608
        dump.extend(str(value) for row in rows for value in row)
    stored = "\n".join(dump)
    assert sum(1 for line in (note, *(m["ciphertext"] for m in sent)) if line in stored) == 3
    for secret in (OFFER_NOTE, ASKER_LINE, HELPER_LINE, "tutored", "me too"):
        assert secret not in stored

    # When the request ends, the thread and the offer notes go with its other secrets.
    cancel = {"status": "Cancelled"}
    await client.patch(url(request_id, "/status"), json=cancel, headers=owner.headers)
    closed = await client.post(
        url(request_id, "/messages"), json={"ciphertext": early}, headers=helper.headers
    )
    assert closed.status_code == 409
    left = (await client.get(url(request_id, "/messages"), headers=owner.headers)).json()
    assert left["items"] == []
    notes = (await session.execute(text("SELECT encrypted_message FROM help_offers"))).all()
    assert all(value is None for (value,) in notes)


async def test_message_shapes_and_requests_without_a_key(client, person):
    owner, helper = await person(), await person()
    request_id = (await ask(client, owner))["id"]  # made without a key for messages
    _, helper_public = crypto.new_keypair()
    box = crypto.b64encode(b"\0" * 60)
    refused = await client.post(
        url(request_id, "/offers"),
        json={"public_key": helper_public, "encrypted_message": box},
        headers=helper.headers,
    )
    assert refused.status_code == 409
    for bad in ("not base64 at all!" * 4, crypto.b64encode(b"short"), "QUJD" * 3000):
        shaped = await client.post(
            url(request_id, "/offers"),
            json={"public_key": helper_public, "encrypted_message": bad},
            headers=helper.headers,
        )
        assert shaped.status_code == 422, bad[:20]
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    declared = schemas["HelpMessageCreate"]["properties"]["ciphertext"]
    assert declared["pattern"] == BASE64_PATTERN and declared["minLength"] == 56
