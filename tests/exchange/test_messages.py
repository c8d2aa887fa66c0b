"""Messages: send, read in time order with cursors, mark read, unread totals, live events."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from skillnest.core.realtime import user_channel
from tests.exchange.conftest import open_chat, send


async def expect(events: asyncio.Queue, event_type: str, chat_id: int) -> dict:
    """The next event of this type about this chat.

    Redis pub/sub channels are shared by every database number on the server, so another
    test run on the same Redis may publish to a user with the same id: skip those.
    """
    async with asyncio.timeout(1):
        while True:
            event = await events.get()
            if event["type"] == event_type and event["data"].get("chat_id") == chat_id:
                return dict(event)


async def test_messages_in_time_order_with_cursor_pages(client, person):
    alice, bob = await person(), await person()
    chat_id = await open_chat(client, alice, bob)
    sent = [await send(client, (alice, bob)[i % 2], chat_id, f"m{i}") for i in range(7)]
    assert sent[0]["sender_id"] == alice.id and sent[0]["is_read"] is False

    seen, cursor = [], None
    while True:
        query = f"?limit=3&cursor={cursor}" if cursor else "?limit=3"
        page = await client.get(f"/api/v1/chats/{chat_id}/messages{query}", headers=bob.headers)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [m["content"] for m in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"m{i}" for i in range(7)]
    whole = (await client.get(f"/api/v1/chats/{chat_id}/messages", headers=alice.headers)).json()
    assert [m["id"] for m in whole["items"]] == [m["id"] for m in sent]
    assert whole["next_cursor"] is None


async def test_message_content_is_validated(client, person):
    alice, bob = await person(), await person()
    chat_id = await open_chat(client, alice, bob)
    url = f"/api/v1/chats/{chat_id}/messages"
    for content in ("", "   ", "x" * 5001):
        bad = await client.post(url, headers=alice.headers, json={"content": content})
        assert bad.status_code == 422
    longest = await client.post(url, headers=alice.headers, json={"content": "x" * 5000})
    assert longest.status_code == 201


async def test_mark_read_counts_and_unread_total_drops_to_zero(client, person):
    me, ann, ben = await person(), await person(), await person()
    with_ann, with_ben = await open_chat(client, me, ann), await open_chat(client, ben, me)
    await send(client, ann, with_ann, "a1")
    await send(client, ann, with_ann, "a2")
    await send(client, ben, with_ben, "b1")
    await send(client, me, with_ben, "mine")

    unread = await client.get("/api/v1/me/unread", headers=me.headers)
    assert unread.json() == {"unread": 3}
    assert (await client.get("/api/v1/me/unread", headers=ben.headers)).json() == {"unread": 1}

    marked = await client.post(f"/api/v1/chats/{with_ann}/read", headers=me.headers)
    assert marked.status_code == 200 and marked.json() == {"marked": 2}
    assert (await client.get("/api/v1/me/unread", headers=me.headers)).json() == {"unread": 1}
    again = await client.post(f"/api/v1/chats/{with_ann}/read", headers=me.headers)
    assert again.json() == {"marked": 0}
    await client.post(f"/api/v1/chats/{with_ben}/read", headers=me.headers)
    assert (await client.get("/api/v1/me/unread", headers=me.headers)).json() == {"unread": 0}
    # Reading marks only the other side's messages: Ben still has mine unread.
    assert (await client.get("/api/v1/me/unread", headers=ben.headers)).json() == {"unread": 1}
    messages = (await client.get(f"/api/v1/chats/{with_ann}/messages", headers=ann.headers)).json()
    assert all(m["is_read"] for m in messages["items"])


async def test_new_messages_and_read_marks_are_published_after_commit(client, person, hub):
    alice, bob = await person(), await person()
    chat_id = await open_chat(client, alice, bob)
    # One subscription at a time: RedisHub races when two channels close back to back
    # (see docs/exchange.md, notes on the core).
    async with hub.subscribe(user_channel(bob.id)) as bob_events:
        message = await send(client, alice, chat_id, "are you free on Tuesday?")
        created = await expect(bob_events, "message.created", chat_id)
        assert created == {"type": "message.created", "data": message}

    async with hub.subscribe(user_channel(alice.id)) as alice_events:
        await send(client, alice, chat_id, "shall we say 6 pm?")
        reply = await send(client, bob, chat_id, "yes!")
        # The first event about this chat on Alice's stream is Bob's reply, not her message.
        assert (await expect(alice_events, "message.created", chat_id))["data"] == reply
        await client.post(f"/api/v1/chats/{chat_id}/read", headers=bob.headers)
        read = await expect(alice_events, "message.read", chat_id)
        assert read["data"] == {"chat_id": chat_id, "reader_id": bob.id, "marked": 2}


async def test_a_failed_request_publishes_nothing(client, person, hub, session):
    from skillnest.core.realtime import publish_after_commit

    alice = await person()
    async with hub.subscribe(user_channel(alice.id)) as events:
        await session.execute(text("SELECT 1"))  # a request's transaction is under way
        publish_after_commit(session, hub, alice.id, "message.created", {"chat_id": -1})
        await session.rollback()
        publish_after_commit(session, hub, alice.id, "message.created", {"chat_id": -2})
        await session.commit()
        # Events arrive in publish order: had the first survived, it would come first.
        async with asyncio.timeout(1):
            while (event := await events.get())["data"].get("chat_id") not in (-1, -2):
                pass
        assert event["data"] == {"chat_id": -2}


async def test_messages_are_rate_limited_per_sender(client, person, session, hub, limiter):
    from skillnest.core.errors import RateLimited
    from skillnest.exchange.service import send_message

    alice, bob = await person(), await person()
    chat_id = await open_chat(client, alice, bob)
    for i in range(2):
        await send_message(
            session=session,
            hub=hub,
            limiter=limiter,
            chat_id=chat_id,
            sender_id=alice.id,
            content=f"m{i}",
            rate_limit="2/minute",
        )
    try:
        await send_message(
            session=session,
            hub=hub,
            limiter=limiter,
            chat_id=chat_id,
            sender_id=alice.id,
            content="one too many",
            rate_limit="2/minute",
        )
    except RateLimited as exc:
        assert exc.retry_after >= 1
    else:
        raise AssertionError("the third message in a minute went through")
