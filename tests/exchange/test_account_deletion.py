"""Deleting an account removes its chats, messages and ratings, as the seed cascades."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from skillnest.exchange.models import Chat, Message, Rating
from tests.exchange.conftest import open_chat, send
from tests.factories import PASSWORD


async def test_delete_me_removes_chats_messages_and_ratings(client, person, session):
    alice, bob, cy = await person(), await person(), await person()
    with_bob = await open_chat(client, alice, bob)
    with_cy = await open_chat(client, cy, alice)
    between_others = await open_chat(client, bob, cy)
    await send(client, alice, with_bob, "from alice")
    await send(client, cy, with_cy, "to alice")
    await send(client, bob, between_others, "not about alice")
    for rater, chat_id in ((alice, with_bob), (bob, with_bob), (cy, with_cy)):
        response = await client.post(
            "/api/v1/ratings", headers=rater.headers, json={"chat_id": chat_id, "rating": 4}
        )
        assert response.status_code == 201
    assert (await client.get("/api/v1/me/unread", headers=bob.headers)).json() == {"unread": 1}

    deleted = await client.request(
        "DELETE", "/api/v1/me", headers=alice.headers, json={"password": PASSWORD}
    )
    assert deleted.status_code == 204

    async def count(model, *where) -> int:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))

    assert await count(Chat, or_(Chat.user1_id == alice.id, Chat.user2_id == alice.id)) == 0
    assert await count(Message, Message.chat_id.in_([with_bob, with_cy])) == 0
    assert await count(Rating, or_(Rating.rater_id == alice.id, Rating.rated_id == alice.id)) == 0
    assert await count(Message, Message.chat_id == between_others) == 1
    assert (await client.get("/api/v1/me/unread", headers=bob.headers)).json() == {"unread": 0}
    assert (await client.get(f"/api/v1/users/{bob.id}")).json()["rating_count"] == 0
    chats = (await client.get("/api/v1/chats", headers=cy.headers)).json()["items"]
    assert [c["id"] for c in chats] == [between_others]
