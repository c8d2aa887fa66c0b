"""Chats: open once per pair, list with last message and unread count, delete."""

from __future__ import annotations

from sqlalchemy import func, select

from skillnest.exchange.models import Chat, Message
from tests.exchange.conftest import open_chat, send


async def test_open_chat_creates_once_per_unordered_pair(client, person):
    alice, bob = await person(), await person()
    first = await client.post("/api/v1/chats", headers=alice.headers, json={"user_id": bob.id})
    assert first.status_code == 201, first.text
    chat = first.json()
    assert (chat["user1_id"], chat["user2_id"]) == (alice.id, bob.id)
    assert chat["other_user"]["id"] == bob.id
    assert chat["last_message"] is None and chat["unread_count"] == 0

    again = await client.post("/api/v1/chats", headers=alice.headers, json={"user_id": bob.id})
    assert again.status_code == 200 and again.json()["id"] == chat["id"]
    reverse = await client.post("/api/v1/chats", headers=bob.headers, json={"user_id": alice.id})
    assert reverse.status_code == 200 and reverse.json()["id"] == chat["id"]
    assert reverse.json()["other_user"]["id"] == alice.id


async def test_open_chat_refuses_yourself_unknown_users_and_bad_payloads(client, person):
    alice = await person()
    itself = await client.post("/api/v1/chats", headers=alice.headers, json={"user_id": alice.id})
    assert itself.status_code == 400
    unknown = await client.post("/api/v1/chats", headers=alice.headers, json={"user_id": 999999})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    for payload in ({}, {"user_id": "x"}, {"user_id": 0}, {"user_id": 2**40}):
        bad = await client.post("/api/v1/chats", headers=alice.headers, json=payload)
        assert bad.status_code == 422, payload
    anonymous = await client.post("/api/v1/chats", json={"user_id": alice.id})
    assert anonymous.status_code == 401


async def test_list_chats_shows_other_person_last_message_unread_newest_first(client, person):
    me, ann, ben, cy = (
        await person(name="Me"),
        await person(name="Ann"),
        await person(name="Ben"),
        await person(name="Cy"),
    )
    with_ann = await open_chat(client, me, ann)
    with_ben = await open_chat(client, ben, me)
    with_cy = await open_chat(client, me, cy)
    await send(client, ann, with_ann, "hi from Ann")
    await send(client, me, with_ben, "hi Ben")
    await send(client, ben, with_ben, "hello back")
    await send(client, ben, with_ben, "are you there?")
    await send(client, ann, with_ann, "second from Ann")

    page = (await client.get("/api/v1/chats", headers=me.headers)).json()
    by_id = {c["id"]: c for c in page["items"]}
    assert set(by_id) == {with_ann, with_ben, with_cy}
    assert by_id[with_ann]["other_user"]["name"] == "Ann"
    assert by_id[with_ben]["other_user"]["name"] == "Ben"
    assert by_id[with_ann]["last_message"]["content"] == "second from Ann"
    assert by_id[with_ben]["last_message"]["content"] == "are you there?"
    assert by_id[with_cy]["last_message"] is None
    assert by_id[with_ann]["unread_count"] == 2
    assert by_id[with_ben]["unread_count"] == 2  # my own message is not unread for me
    # Newest activity first: the last message went to Ann's chat.
    order = [c["id"] for c in page["items"]]
    assert order.index(with_ann) < order.index(with_ben)

    ben_view = (await client.get("/api/v1/chats", headers=ben.headers)).json()["items"]
    assert [(c["id"], c["unread_count"]) for c in ben_view] == [(with_ben, 1)]

    first = (await client.get("/api/v1/chats?limit=2", headers=me.headers)).json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    rest = (await client.get("/api/v1/chats?limit=2&offset=2", headers=me.headers)).json()
    assert len(rest["items"]) == 1 and rest["next_offset"] is None


async def test_delete_chat_removes_its_messages(client, person, session):
    alice, bob = await person(), await person()
    chat_id = await open_chat(client, alice, bob)
    await send(client, alice, chat_id, "one")
    await send(client, bob, chat_id, "two")
    deleted = await client.delete(f"/api/v1/chats/{chat_id}", headers=bob.headers)
    assert deleted.status_code == 204
    assert await session.scalar(select(func.count()).where(Chat.id == chat_id)) == 0
    remaining = select(func.count()).select_from(Message).where(Message.chat_id == chat_id)
    assert await session.scalar(remaining) == 0
    gone = await client.get(f"/api/v1/chats/{chat_id}/messages", headers=alice.headers)
    assert gone.status_code == 404
    # The pair can start over.
    again = await client.post("/api/v1/chats", headers=alice.headers, json={"user_id": bob.id})
    assert again.status_code == 201
    assert again.json()["last_message"] is None


async def test_a_rating_you_received_cannot_be_wiped_by_deleting_the_chat(client, person):
    alice, bob = await person(), await person()
    chat_id = await open_chat(client, alice, bob)
    rated = await client.post(
        "/api/v1/ratings", headers=alice.headers, json={"chat_id": chat_id, "rating": 1}
    )
    assert rated.status_code == 201
    refused = await client.delete(f"/api/v1/chats/{chat_id}", headers=bob.headers)
    assert refused.status_code == 409
    profile = (await client.get(f"/api/v1/users/{bob.id}")).json()
    assert profile["rating_count"] == 1
    # The rater may withdraw: deleting takes their rating with it, as the seed cascades.
    withdrawn = await client.delete(f"/api/v1/chats/{chat_id}", headers=alice.headers)
    assert withdrawn.status_code == 204
    assert (await client.get(f"/api/v1/users/{bob.id}")).json()["rating_count"] == 0
