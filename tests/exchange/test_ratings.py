"""Ratings: once per chat, about the other participant, shown on the profile."""

from __future__ import annotations

from tests.exchange.conftest import open_chat


async def rate(client, who, chat_id, rating, comment=None):
    payload = {"chat_id": chat_id, "rating": rating}
    if comment is not None:
        payload["comment"] = comment
    return await client.post("/api/v1/ratings", headers=who.headers, json=payload)


async def test_rate_the_other_participant_once_and_profile_updates(client, person):
    alice, bob, cy = await person(), await person(), await person()
    with_alice = await open_chat(client, alice, bob)
    with_cy = await open_chat(client, cy, bob)
    before = (await client.get(f"/api/v1/users/{bob.id}")).json()
    assert before["average_rating"] is None and before["rating_count"] == 0

    first = await rate(client, alice, with_alice, 5, "Great teacher")
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["rater_id"], body["rated_id"], body["chat_id"]) == (alice.id, bob.id, with_alice)
    assert body["rating"] == 5 and body["comment"] == "Great teacher"

    second = await rate(client, alice, with_alice, 4)
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"

    assert (await rate(client, cy, with_cy, 4)).status_code == 201
    profile = (await client.get(f"/api/v1/users/{bob.id}")).json()
    assert profile["average_rating"] == 4.5 and profile["rating_count"] == 2
    # Bob may rate Alice back in the same chat: one rating per rater per chat.
    assert (await rate(client, bob, with_alice, 3)).status_code == 201
    assert (await client.get(f"/api/v1/users/{alice.id}")).json()["rating_count"] == 1


async def test_rating_payload_is_validated(client, person):
    alice, bob = await person(), await person()
    chat_id = await open_chat(client, alice, bob)
    for value in (0, 6, 4.5, "five", None):
        response = await rate(client, alice, chat_id, value)
        assert response.status_code == 422, value
    too_long = await rate(client, alice, chat_id, 4, "x" * 1001)
    assert too_long.status_code == 422
    assert (await rate(client, alice, chat_id, 4, "x" * 1000)).status_code == 201


async def test_ratings_received_newest_first_with_cursor(client, person):
    rated = await person(name="Rated")
    raters = [await person(name=f"Rater {i}") for i in range(5)]
    for i, rater in enumerate(raters):
        chat_id = await open_chat(client, rater, rated)
        assert (await rate(client, rater, chat_id, 1 + i, f"c{i}")).status_code == 201

    seen, cursor = [], None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        page = (await client.get(f"/api/v1/users/{rated.id}/ratings{query}")).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [r["comment"] for r in seen] == ["c4", "c3", "c2", "c1", "c0"]
    assert seen[0]["rater"] == {"id": raters[4].id, "name": "Rater 4", "image_url": None}
    assert "rater_id" not in seen[0] or seen[0]["rater"]["id"] == raters[4].id
    missing = await client.get("/api/v1/users/999999/ratings")
    assert missing.status_code == 404
