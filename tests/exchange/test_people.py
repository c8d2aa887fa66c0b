"""People by skill (GET /api/v1/users?skill=) and the "already rated by me" flag on chats."""

from __future__ import annotations

from tests.exchange.conftest import open_chat


async def test_is_rated_by_me_flips_after_rating_for_the_rater_only(client, person):
    alice, bob = await person(), await person()
    chat_id = await open_chat(client, alice, bob)

    async def flag(who) -> bool:
        listed = (await client.get("/api/v1/chats", headers=who.headers)).json()["items"]
        (chat,) = [c for c in listed if c["id"] == chat_id]
        detail = await client.get(f"/api/v1/chats/{chat_id}", headers=who.headers)
        assert detail.status_code == 200, detail.text
        assert detail.json() == chat
        return bool(chat["is_rated_by_me"])

    assert (await flag(alice), await flag(bob)) == (False, False)
    rated = await client.post(
        "/api/v1/ratings", headers=alice.headers, json={"chat_id": chat_id, "rating": 4}
    )
    assert rated.status_code == 201, rated.text
    assert (await flag(alice), await flag(bob)) == (True, False)
    again = await client.post("/api/v1/chats", headers=alice.headers, json={"user_id": bob.id})
    assert again.status_code == 200 and again.json()["is_rated_by_me"] is True
    other_side = await client.post("/api/v1/chats", headers=bob.headers, json={"user_id": alice.id})
    assert other_side.json()["is_rated_by_me"] is False


async def test_people_by_skill_paged_public_fields_and_filters(client, person):
    me = await person(skills_to_offer=["Guitar"])  # never lists oneself
    teachers = [
        await person(skills_to_offer=["guitar", "Piano"], location="Porto") for _ in range(3)
    ]
    learner = await person(skills_to_learn=["GUITAR"], location="Lisbon")
    await person(skills_to_offer=["acoustic guitar"])  # not the same skill
    await person(skills_to_offer=["Piano"])

    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        response = await client.get(
            "/api/v1/users",
            headers=me.headers,
            params={"skill": "GuItAr", "limit": 2, "offset": offset},
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["limit"] == 2 and len(page["items"]) <= 2
        for item in page["items"]:
            assert "email" not in item and "password_hash" not in item
            assert item["rating_count"] == 0 and item["average_rating"] is None
        seen += [item["id"] for item in page["items"]]
        offset = page["next_offset"]
    assert sorted(seen) == sorted(t.id for t in teachers)

    async def ids(**params) -> set[int]:
        response = await client.get("/api/v1/users", headers=me.headers, params=params)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert await ids(skill="guitar", role="wants") == {learner.id}
    assert await ids(skill="guitar", role="any") == {*(t.id for t in teachers), learner.id}
    assert await ids(skill="guitar", role="any", location="lisb") == {learner.id}
    assert await ids(skill="guitar", location="100%_") == set()
    for bad in ({"skill": ""}, {"skill": "x" * 51}, {"skill": "go", "role": "teaches"}, {}):
        response = await client.get("/api/v1/users", headers=me.headers, params=bad)
        assert response.status_code == 422, bad
    assert (await client.get("/api/v1/users", params={"skill": "guitar"})).status_code == 401
