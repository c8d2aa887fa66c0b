from __future__ import annotations

from skillnest.accounts import service
from tests.factories import login, make_user, signup


async def test_patch_me_changes_profile_and_dedupes_skills(client):
    _, headers = await signup(client)
    response = await client.patch(
        "/api/v1/me",
        headers=headers,
        json={
            "bio": "Teaches Python",
            "skills_to_offer": [" Python ", "python", "SQL", "PYTHON"],
            "skills_to_learn": ["Guitar"],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["skills_to_offer"] == ["Python", "SQL"]
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["bio"] == "Teaches Python"
    assert me["skills_to_learn"] == ["Guitar"]


async def test_patch_me_validates_skills(client):
    _, headers = await signup(client)
    too_long = await client.patch(
        "/api/v1/me", headers=headers, json={"skills_to_offer": ["x" * 51]}
    )
    assert too_long.status_code == 422
    too_many = await client.patch(
        "/api/v1/me", headers=headers, json={"skills_to_offer": [f"s{i}" for i in range(51)]}
    )
    assert too_many.status_code == 422
    blank = await client.patch("/api/v1/me", headers=headers, json={"skills_to_offer": ["  "]})
    assert blank.status_code == 422
    unknown = await client.patch("/api/v1/me", headers=headers, json={"email": "x@y.org"})
    assert unknown.status_code == 422


async def test_public_profile_hides_email_and_hashes(client, session):
    user = await make_user(session, bio="hello")
    user_id = user.id
    response = await client.get(f"/api/v1/users/{user_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["bio"] == "hello"
    assert "email" not in body and "password_hash" not in body
    missing = await client.get("/api/v1/users/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    # The lean endpoint (core.hot) answers as the service does; odd ids go to the route.
    expected = await service.public_profile(session=session, user_id=user_id)
    assert body == expected.model_dump(mode="json")
    for odd in ("0", "abc", "2147483648", "١"):
        answer = await client.get(f"/api/v1/users/{odd}")
        assert answer.status_code == 422, odd


async def test_delete_me_requires_password(client, session):
    user = await make_user(session)
    user_id = user.id
    headers = await login(client, user)
    refused = await client.request(
        "DELETE", "/api/v1/me", headers=headers, json={"password": "wrong password"}
    )
    assert refused.status_code == 401
    from tests.factories import PASSWORD

    deleted = await client.request(
        "DELETE", "/api/v1/me", headers=headers, json={"password": PASSWORD}
    )
    assert deleted.status_code == 204
    assert (await client.get(f"/api/v1/users/{user_id}")).status_code == 404
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
