"""Only the two participants may touch a chat; everyone else sees a chat that is not there."""

from __future__ import annotations

from tests.exchange.conftest import open_chat, send


async def test_a_third_user_gets_the_same_404_as_for_a_missing_chat(client, person):
    alice, bob, eve = await person(), await person(), await person()
    chat_id = await open_chat(client, alice, bob)
    await send(client, alice, chat_id, "private")
    missing_id = chat_id + 100_000

    def routes(target: int):
        return [
            ("GET", f"/api/v1/chats/{target}", None),
            ("GET", f"/api/v1/chats/{target}/messages", None),
            ("POST", f"/api/v1/chats/{target}/messages", {"content": "hi"}),
            ("POST", f"/api/v1/chats/{target}/read", None),
            ("DELETE", f"/api/v1/chats/{target}", None),
            ("POST", "/api/v1/ratings", {"chat_id": target, "rating": 1}),
        ]

    for (method, url, payload), (_, missing_url, missing_payload) in zip(
        routes(chat_id), routes(missing_id), strict=True
    ):
        response = await client.request(method, url, headers=eve.headers, json=payload)
        missing = await client.request(
            method, missing_url, headers=eve.headers, json=missing_payload
        )
        assert response.status_code == 404, (method, url)
        assert response.json() == missing.json(), (method, url)

    chats = (await client.get("/api/v1/chats", headers=eve.headers)).json()
    assert chats["items"] == []
    # Nothing changed for the participants.
    history = await client.get(f"/api/v1/chats/{chat_id}/messages", headers=bob.headers)
    assert [m["content"] for m in history.json()["items"]] == ["private"]
    assert (await client.get("/api/v1/me/unread", headers=bob.headers)).json() == {"unread": 1}
    assert (await client.get(f"/api/v1/users/{alice.id}")).json()["rating_count"] == 0


async def test_every_chat_route_needs_a_login(client, person):
    alice, bob = await person(), await person()
    chat_id = await open_chat(client, alice, bob)
    for method, url in [
        ("GET", "/api/v1/chats"),
        ("GET", f"/api/v1/chats/{chat_id}/messages"),
        ("POST", f"/api/v1/chats/{chat_id}/read"),
        ("DELETE", f"/api/v1/chats/{chat_id}"),
        ("GET", "/api/v1/me/unread"),
        ("GET", "/api/v1/matches"),
    ]:
        assert (await client.request(method, url)).status_code == 401, url
